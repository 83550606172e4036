"""The [security] form and the 好差评 delivery log on the admin page, in Chromium against a real
server: a value laxer than 等保 level 2 is refused at its field in both languages, a valid one is
saved to the setup and audited, and the uploads card says uploading is off."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.admin.pages import open_tab, sign_in_admin


def test_the_security_form_refuses_a_lax_value_and_saves_a_strict_one(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "staff")
    form = page.locator("#security-card form")
    expect(form.locator("input[name=password_min_length]")).to_have_value("10")
    expect(form.locator("input[name=audit_retention_days]")).to_have_value("180")

    form.locator("input[name=password_min_length]").fill("8")
    form.locator("button[type=submit]").click()
    error = form.locator("label[data-field=password_min_length] .field-error")
    expect(error).to_contain_text("超出允许范围")
    expect(error).to_contain_text("out of range (10 to 128)")
    expect(form.locator("label[data-field=password_min_length]")).to_have_class(re.compile("invalid"))

    form.locator("input[name=password_min_length]").fill("12")
    form.locator("input[name=idle_minutes]").fill("20")
    form.locator("select[name=password_classes]").select_option("4")
    form.locator("button[type=submit]").click()
    expect(page.locator("#flash-text")).to_contain_text("已保存")
    admin = demo.login("admin")
    security = demo.request("GET", "/admin/setup", admin)["document"]["security"]
    assert (security["password_min_length"], security["idle_minutes"], security["password_classes"]) == (12, 20, 4)
    newest = demo.request("GET", "/admin/audit?limit=1", admin)["entries"][0]
    assert newest["action"] == "setup.security" and newest["after"]["security"]["password_min_length"] == 12

    # every field has its label
    labels = form.locator("label[data-field]")
    assert labels.count() == 10
    for i in range(labels.count()):
        assert labels.nth(i).locator("span").first.inner_text().strip()


def test_the_form_speaks_english_and_the_uploads_card_says_off(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo, lang="en")
    open_tab(page, "staff")
    form = page.locator("#security-card form")
    expect(page.locator("#security-card h2")).to_have_text("Sign-in and audit security (等保 level 2)")
    form.locator("input[name=audit_retention_days]").fill("90")
    form.locator("button[type=submit]").click()
    error = form.locator("label[data-field=audit_retention_days] .field-error")
    expect(error).to_contain_text("audit_retention_days = 90 is out of range")
    expect(page.locator("#security-card .message")).to_contain_text("Please correct the field marked in red.")
    open_tab(page, "files")
    expect(page.locator("#deliveries-card")).to_contain_text("Off")
    expect(page.locator("#deliveries-card")).to_contain_text("No entries yet")
