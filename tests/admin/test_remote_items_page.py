"""The remote card's per-item settings on the admin page, in Chromium against a real server:
an item given its own share of its cap, a mistake shown at its field in both languages, the
change in the audit trail, the item given back to the hall-wide rule; and the items offered."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.admin.pages import open_tab, sign_in_admin


def remote_of(demo) -> dict:
    return demo.request("GET", "/admin/setup", demo.login("admin"))["document"].get("remote") or {}


def test_an_item_gets_its_own_remote_places_from_the_admin_page(demo, new_page, tmp_path) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "staff")
    card = page.locator("#remote-card")
    expect(card.locator(".remote-items + table tbody tr")).to_contain_text("所有事项沿用上面的设置")
    card.locator(".remote-items button").click()
    editor = page.locator("#editor")
    expect(editor).to_be_visible()
    editor.locator("select[name=code]").select_option("B07")          # daily_cap = 30
    expect(editor.locator("input[name=daily_share]")).to_have_attribute("placeholder", "全厅：0.2")
    editor.locator("input[name=daily_share]").fill("1.5")
    editor.locator("button[type=submit]").click()
    error = editor.locator("label[data-field=daily_share] .field-error")
    expect(error).to_contain_text("超出允许范围")
    expect(error).to_contain_text("remote.items.B07.daily_share = 1.5 is out of range")
    assert "items" not in remote_of(demo)                               # nothing saved

    editor.locator("input[name=daily_share]").fill("0.5")
    editor.locator("button[type=submit]").click()
    expect(editor).to_be_hidden()
    expect(page.locator("#flash-text")).to_contain_text("已保存")
    assert remote_of(demo)["items"] == {"B07": {"daily_share": 0.5}}
    row = card.locator("tbody tr[data-code=B07]")
    expect(row).to_contain_text("0.5")
    expect(row).to_contain_text("20 （全厅）")                          # daily_tickets follows [remote]
    card.screenshot(path=str(tmp_path / "admin-remote-card.png"))       # to look at

    open_tab(page, "audit")
    first = page.locator("#tab-audit tbody tr").first
    expect(first).to_contain_text("item B07 remote places")
    expect(first.locator(".diff.after")).to_contain_text("0.5")

    open_tab(page, "staff")
    page.locator("#remote-card tbody tr[data-code=B07] button").click()
    expect(page.locator("#editor select[name=code]")).to_be_disabled()
    page.locator("#editor button.danger").click()
    expect(page.locator("#editor")).to_be_hidden()
    expect(page.locator("#remote-card .remote-items + table tbody tr")).to_contain_text("所有事项沿用上面的设置")
    assert "items" not in remote_of(demo)


def test_the_items_offered_remotely_are_set_on_the_remote_card(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo, lang="en")
    open_tab(page, "staff")
    form = page.locator("#remote-card form").first
    form.locator("textarea[name=services]").fill("b06, B07")
    form.locator("button[type=submit]").click()
    expect(page.locator("#flash-text")).to_contain_text("Saved")
    assert remote_of(demo)["services"] == ["B06", "B07"]
    offered = demo.request("GET", "/remote-tickets/services", demo.login("admin"))
    assert {item["code"] for item in offered["services"]} == {"B06", "B07"}

    form = page.locator("#remote-card form").first
    form.locator("textarea[name=services]").fill("")
    form.locator("button[type=submit]").click()
    expect(page.locator("#flash-text")).to_contain_text("Saved")
    assert "services" not in remote_of(demo)
