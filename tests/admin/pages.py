"""Steps the admin page tests and the screenshots share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, DemoHall


def sign_in_admin(page: Page, demo: DemoHall, lang: str = "zh", username: str = "admin") -> Page:
    page.goto(f"{demo.url}/admin?lang={lang}")
    page.fill("#login-user", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#version")).not_to_be_empty()
    return page


def open_tab(page: Page, tab: str) -> None:
    page.click(f"#tabs [data-tab={tab}]")
    expect(page.locator(f"#tab-{tab}")).to_be_visible()
    expect(page.locator(f"#tab-{tab} > *").first).to_be_visible()


def edit_row(page: Page, tab: str, first_cell: str) -> None:
    """Opens the editor of the table row whose first cell is `first_cell`."""
    row = page.locator(f"#tab-{tab} tbody tr").filter(
        has=page.locator("td:first-child", has_text=first_cell)).first
    row.locator("button").first.click()
    expect(page.locator("#editor")).to_be_visible()
