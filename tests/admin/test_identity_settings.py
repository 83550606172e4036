"""The [identity] card on the admin page (身份证 limits against ticket scalping), in Chromium
against a real server: the values are saved to the setup, and an item's identity mode is
offered as off / optional / required in its editor."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.admin.pages import edit_row, open_tab, sign_in_admin


def test_the_identity_card_saves_the_per_person_limit(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "staff")
    form = page.locator("#identity-card form")
    expect(form.locator("input[name=tickets_per_person_per_item]")).to_have_value("1")
    form.locator("input[name=tickets_per_person_per_item]").fill("0")
    form.locator("button[type=submit]").click()
    expect(form.locator("label[data-field=tickets_per_person_per_item] .field-error")).to_contain_text("1")

    form.locator("input[name=tickets_per_person_per_item]").fill("2")
    form.locator("select[name=one_open_ticket]").select_option("true")
    form.locator("label[data-field=green_channel] input[value='军人']").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#flash-text")).to_contain_text("已保存")
    admin = demo.login("admin")
    identity = demo.request("GET", "/admin/setup", admin)["document"]["identity"]
    assert identity["tickets_per_person_per_item"] == 2 and identity["one_open_ticket"] is True
    assert "军人" in identity["green_channel"]
    labels = form.locator("label[data-field]")
    for i in range(labels.count()):
        assert labels.nth(i).locator("span").first.inner_text().strip()


def test_an_item_asks_for_the_id_card(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "services")
    edit_row(page, "services", "A01")
    expect(page.locator("#editor select[name=identity]")).to_have_value("off")
    page.locator("#editor select[name=identity]").select_option("required")
    page.click("#editor button[type=submit]")
    expect(page.locator("#editor")).to_be_hidden()
    admin = demo.login("admin")
    services = demo.request("GET", "/admin/setup", admin)["document"]["services"]
    assert next(s for s in services if s["code"] == "A01")["identity"] == "required"
    hall = demo.request("GET", "/hall", admin)
    assert next(s for s in hall["services"] if s["code"] == "A01")["identity"] == "required"


def test_the_remote_card_saves_the_remote_rules_and_an_item_needs_the_name(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "staff")
    form = page.locator("#remote-card form")
    expect(form.locator("input[name=activate_minutes]")).to_have_value("60")
    form.locator("input[name=daily_share]").fill("2")
    form.locator("button[type=submit]").click()
    expect(form.locator("label[data-field=daily_share] .field-error")).to_contain_text("daily_share")
    form.locator("input[name=daily_share]").fill("0.3")
    form.locator("input[name=activate_minutes]").fill("45")
    form.locator("button[type=submit]").click()
    expect(page.locator("#flash-text")).to_contain_text("已保存")
    admin = demo.login("admin")
    remote = demo.request("GET", "/admin/setup", admin)["document"]["remote"]
    assert remote["daily_share"] == 0.3 and remote["activate_minutes"] == 45
    offered = demo.request("GET", "/remote-tickets/services", admin)
    assert offered["activate_minutes"] == 45

    open_tab(page, "services")
    edit_row(page, "services", "A02")
    expect(page.locator("#editor select[name=identity_name]")).to_have_value("false")
    page.locator("#editor select[name=identity_name]").select_option("true")
    page.click("#editor button[type=submit]")
    expect(page.locator("#editor")).to_be_hidden()
    hall = demo.request("GET", "/hall", admin)
    assert next(s for s in hall["services"] if s["code"] == "A02")["identity_name"] is True
