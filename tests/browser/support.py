"""What the browser tests share: devices, signing in, switching language, acting on a ticket,
the console guard, axe-core, screenshots and the no-sideways-scrolling check."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import ConsoleMessage, Locator, Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import Live

AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
APP_NAME = {"zh": "科技特派员问题工单", "en": "Commissioner Tickets"}
SCREENSHOTS_TAKEN: list[Path] = []
# A small valid PDF header: enough for the upload's content check.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class ConsoleGuard:
    """Collects console errors and uncaught exceptions of every page a test opens.

    A page answered with an error status (a form sent back with errors is a 422) makes
    Chromium log "Failed to load resource"; a test that expects such an answer says so with
    allow_status(), and only for the page itself, never for a script, style or image."""

    errors: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))

    def allow_status(self, *codes: int) -> None:
        self.allowed.update(codes)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        status = re.search(r"status of (\d{3})", message.text)
        if status and int(status.group(1)) in self.allowed and "/static/" not in where:
            return
        self.errors.append(f"{where}: {message.text}")

    def check(self) -> None:
        assert not self.errors, "browser console errors:\n" + "\n".join(self.errors)


class UI:
    """Opens pages for people: ui.login(user, device=…, lang=…) gives a signed-in page."""

    def __init__(
        self, new_page: Callable[[str, bool, str], Page], guard: ConsoleGuard, live: Live
    ) -> None:
        self._new_page = new_page
        self.guard = guard
        self.live = live

    def page(self, device: str = "desktop", *, axe: bool = False, lang: str = "zh") -> Page:
        """A new browser (context) whose own language is `lang`, as a person's would be."""
        return self._new_page(device, axe, lang)

    def login(
        self, user: Any, device: str = "desktop", lang: str = "zh", *, axe: bool = False
    ) -> Page:
        page = self.page(device, axe=axe, lang=lang)
        sign_in(page, user.login)
        set_language(page, lang)
        return page


def submit(page: Page, button: Locator) -> None:
    """Click a button that sends a form, and wait for the page that answers."""
    with page.expect_navigation():
        button.click()


def sign_in(page: Page, login: str, password: str = "secret-pass-1") -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    submit(page, page.locator("main form button"))
    expect(page.locator("header .who")).to_be_visible()


def set_language(page: Page, lang: str) -> None:
    """Switch with the header's language button, as a person would."""
    if page.locator("html").get_attribute("lang") != HTML_LANG[lang]:
        submit(page, page.locator(f"header button[name=locale][value={lang}]"))
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])


def open_ticket(page: Page, number: str) -> None:
    page.goto(f"/tickets/{number}")
    expect(page.locator(".ticket-head .number")).to_have_text(number)


def expect_state(page: Page, state: str) -> None:
    expect(page.locator(".ticket-head .state")).to_have_class(re.compile(rf"\bstate-{state}\b"))


def expect_flash(page: Page) -> None:
    expect(page.locator(".flash-success")).to_be_visible()


def action_form(page: Page, action: str) -> Locator:
    return page.locator(f"form[action$='/act/{action}']:not(.suggestion)")


def fill_action(page: Page, action: str, fields: dict[str, str]) -> Locator:
    """Open an action's panel and fill its fields; return its form (not sent yet)."""
    panel = page.locator(f"details#action-{action}")
    if panel.count() and not panel.evaluate("el => el.open"):
        panel.locator("summary").click()
    for name, value in fields.items():
        control = page.locator(f"#{action}-{name}")
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    return action_form(page, action)


def act(
    page: Page, action: str, fields: dict[str, str] | None = None, *, confirm: bool = False
) -> None:
    """Perform an action from the ticket page; accept the confirmation when it is asked."""
    form = fill_action(page, action, fields or {})
    asked: list[str] = []
    if confirm:

        def accept(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept()

        page.once("dialog", accept)
    submit(page, form.locator("button"))
    assert bool(asked) == confirm, f"confirmation asked: {asked}"
    expect_flash(page)


def no_sideways_scroll(page: Page) -> None:
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{page.url} scrolls sideways: {sizes[0]}px > {sizes[1]}px"


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 8).map(n => n.target.join(' '))}));
}"""


def axe_check(page: Page, what: str) -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on critical or serious violations, return the rest."""
    assert page.evaluate("() => typeof axe") == "object", "axe-core is not loaded in this page"
    violations = page.evaluate(AXE_RUN)
    bad = [v for v in violations if v["impact"] in ("critical", "serious")]
    assert not bad, f"axe on {what} ({page.url}):\n" + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} -> {json.dumps(v['targets'], ensure_ascii=False)}"
        for v in bad
    )
    return violations


CONTROLS_WITHOUT_LABEL = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  const controls = document.querySelectorAll(
    'input:not([type=hidden]), select, textarea');
  const unlabelled = [...controls].filter(e => !e.labels.length
    && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')).map(e => e.outerHTML);
  return {twice, unlabelled};
}"""


def labels_and_ids(page: Page) -> None:
    """Every control has its own label (axe misses a label whose `for` names an id used twice)."""
    found = page.evaluate(CONTROLS_WITHOUT_LABEL)
    assert not found["twice"], f"ids used twice on {page.url}: {found['twice']}"
    assert not found["unlabelled"], f"controls without a label: {found['unlabelled']}"


def screenshot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS_TAKEN.append(path)
    return path


def title_matches_heading(page: Page, lang: str) -> None:
    """Each page says what it is in its title, in the page's language."""
    title = page.title()
    own, _, app = title.rpartition(" · ")
    assert app == APP_NAME[lang], title
    zone = page.locator("header .brand .zone")  # a zone's name comes between, when there is one
    if zone.count():
        own = own.removesuffix(" · " + zone.inner_text().strip())
    heading = " ".join(page.locator("h1").first.inner_text().split())
    own = " ".join(own.split())
    assert own and (own in heading or heading in own), f"title {title!r} vs heading {heading!r}"
