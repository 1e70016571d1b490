"""Keyboard alone: signing in, acting on a ticket, and on every main page a focus that moves
forward through the page and can always be seen (a ring with 3:1 contrast to what is
around it, WCAG 1.4.11)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.conftest import Live

pytestmark = pytest.mark.no_transaction

# What has the focus now, whether its ring shows, and whether it follows the previous stop.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const prev = window.__previousFocus; window.__previousFocus = el;
  const style = getComputedStyle(el);
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const backdrop = () => {
    const r = el.getBoundingClientRect();
    const x = Math.min(r.right + 4, innerWidth - 1), y = r.top + r.height / 2;
    const under = document.elementsFromPoint(x, y).find(e => e !== el && !el.contains(e));
    for (let e = under; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const ring = rgb(style.outlineColor), back = backdrop();
  const [hi, lo] = [lum(ring), lum(back)].sort((a, b) => b - a);
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
          (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30),
    // on a date input's calendar button Chromium draws its own ring, inside the input
    ring: (el.type === 'date' && !el.matches(':focus'))
          || (el.matches(':focus-visible') && style.outlineStyle !== 'none'
              && parseFloat(style.outlineWidth) >= 2),
    contrast: (hi + 0.05) / (lo + 0.05),
    // a date input keeps the focus while Tab moves through its day, month and year
    forward: !prev || prev === el
             || !!(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
  };
}"""


def tab(page: Page) -> dict[str, Any] | None:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def tab_to(page: Page, selector: str, limit: int = 80) -> list[str]:
    """Press Tab until `selector` has the focus; return the stops passed on the way."""
    target = page.locator(selector)
    stops: list[str] = []
    for _ in range(limit):
        stop = tab(page)
        assert stop is not None, f"focus left the page before reaching {selector}: {stops}"
        stops.append(stop["what"])
        assert stop["ring"], f"no visible focus on {stop['what']}"
        if target.evaluate("el => el === document.activeElement"):
            return stops
    raise AssertionError(f"{selector} not reached with Tab: {stops}")


def walk_the_page(page: Page) -> list[str]:
    """Tab through the whole page: every stop shows its ring and comes after the one before."""
    page.evaluate("() => { window.__previousFocus = null; document.activeElement.blur(); }")
    stops: list[str] = []
    for _ in range(150):
        stop = tab(page)
        if stop is None:
            break
        stops.append(stop["what"])
        assert stop["ring"], f"no visible focus on {stop['what']} ({page.url})"
        assert stop["contrast"] >= 3, f"faint focus ring on {stop['what']}: {stop['contrast']:.2f}"
        assert stop["forward"], f"focus jumped back to {stop['what']} after {stops[-2:]}"
    assert len(stops) > 3, stops
    return stops


def test_sign_in_with_the_keyboard_alone(ui: support.UI, live: Live) -> None:
    page = ui.page()
    page.goto("/login")
    support.set_language(page, "zh")
    page.evaluate("() => document.activeElement.blur()")
    stops = tab_to(page, "#login")
    assert stops[0].startswith("a 跳到正文"), stops  # the skip link comes first
    assert len(stops) <= 4, f"too many stops before the login field: {stops}"
    page.keyboard.type(live.world.commissioner_a.login)
    assert tab(page)["what"].startswith("input#password")
    page.keyboard.type("secret-pass-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("header .who")).to_have_text(live.world.commissioner_a.name)

    # The skip link takes the focus to the content.
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "a.skip", limit=1)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_assign_an_expert_with_the_keyboard_alone(ui: support.UI, live: Live) -> None:
    ticket = live.make.ticket(live.world, "university_assigned")
    page = ui.login(live.world.liaison_u1)
    support.open_ticket(page, ticket.number)
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "details#action-assign_expert summary")
    page.keyboard.press("Enter")
    expect(page.locator("details#action-assign_expert")).to_have_attribute("open", "")
    assert tab(page)["what"].startswith("select#assign_expert-expert_id")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#assign_expert-expert_id")).not_to_have_value("")
    assert tab(page)["what"].startswith("button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    support.expect_flash(page)
    support.expect_state(page, "expert_assigned")


@pytest.mark.parametrize("who", ["commissioner", "admin", "expert"])
def test_focus_moves_forward_and_shows_on_every_stop(ui: support.UI, live: Live, who: str) -> None:
    w = live.world
    if who == "commissioner":
        page = ui.login(w.commissioner_a)
        walk_the_page(page)  # the queue with its filters
        page.goto("/tickets/new")
        walk_the_page(page)
    elif who == "admin":
        ticket = live.make.ticket(w, "outcome_agreement")
        page = ui.login(w.admin)
        support.open_ticket(page, ticket.number)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        walk_the_page(page)
        page.goto("/dashboard")
        walk_the_page(page)
    else:
        ticket = live.make.ticket(w, "in_progress")
        page = ui.login(w.expert_u1, "phone")
        support.open_ticket(page, ticket.number)
        walk_the_page(page)
