"""Accessibility checks in Chromium: axe-core's WCAG 2.0 / 2.1 level A and AA rules, run in
the page as it stands (tests/vendor/axe-core, so no network is needed), and what a keyboard
reaches."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
  }));
}"""

#: where focus is after each Tab: the element, whether it is shown, and whether its focus ring is
FOCUS = """() => {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  const box = node.getBoundingClientRect();
  const style = getComputedStyle(node);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return { id: node.id, tag: node.tagName.toLowerCase(), text: node.textContent.trim(),
           shown: box.width > 0 && box.height > 0 && style.visibility !== "hidden", ring };
}"""


def axe_violations(page: Page) -> list[dict]:
    """The WCAG 2.0/2.1 A and AA violations axe finds on the page now. The pages' CSP admits
    no injected script tag; an evaluated script is not one."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN, WCAG_A_AA)


def tab_stops(page: Page, presses: int = 12, blur: bool = True) -> list[dict | None]:
    """Where Tab takes focus, press after press: from where focus was last (blur), or from where
    it is."""
    if blur:
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS))
    return stops
