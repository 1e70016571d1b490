"""Languages: the committed Chinese catalogue covers the code, and the interface switches.

Chinese is the default; English is the source language and needs no catalogue. After
changing a user-facing string: `make translations` (pybabel extract + update + compile),
translate every new entry in translations/zh/LC_MESSAGES/messages.po, then compile again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from ticketing import db
from ticketing.accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo"


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _load_po() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh")


def _translated(message) -> bool:  # type: ignore[no-untyped-def]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(s and s.strip() for s in strings)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code and templates contain now, extracted the way the project does it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    return catalog


def test_extraction_finds_python_and_template_strings(extracted: Catalog) -> None:
    files = {
        location.split(":")[0].replace("\\", "/")
        for message in extracted
        if message.id
        for location, _ in message.locations
    }
    assert any(f.startswith("templates/") for f in files), files
    assert any(f.startswith("ticketing/") for f in files), files
    ids = {_key(message.id) for message in extracted if message.id}
    assert {"Sign in", "Awaiting routing", "Route to a university"} <= ids


def test_every_message_has_a_chinese_translation(extracted: Catalog) -> None:
    committed = _load_po()
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translation = committed.get(message.id, message.context)
        if translation is None or not _translated(translation):
            missing.append(_key(message.id))
    assert not missing, (
        f"{len(missing)} message(s) lack a Chinese translation in {PO.relative_to(ROOT)} "
        "(run pybabel extract/update, translate, compile):\n" + "\n".join(missing)
    )


def test_translations_keep_their_placeholders() -> None:
    problems = [
        f"{_key(message.id)!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in _load_po().check()
    ]
    assert not problems, "\n".join(problems)


def test_committed_mo_matches_the_po() -> None:
    """The .mo is compiled from the committed .po (pybabel compile -d translations)."""
    assert MO.is_file(), f"{MO.relative_to(ROOT)} is missing: run pybabel compile -d translations"
    po = {(_key(m.id), m.context): m.string for m in _load_po() if m.id and _translated(m)}
    with MO.open("rb") as handle:
        mo = {(_key(m.id), m.context): m.string for m in read_mo(handle) if m.id}
    stale = sorted(key[0] for key in po.keys() | mo.keys() if po.get(key) != mo.get(key))
    assert not stale, (
        f"{MO.relative_to(ROOT)} is out of date with the .po "
        "(run pybabel compile -d translations) for:\n" + "\n".join(stale)
    )
    # And gettext, as Flask-Babel uses it, reads the file.
    with MO.open("rb") as handle:
        gettext = Translations(handle, domain="messages")
    assert gettext.gettext("Sign in") == "登录"
    assert gettext.gettext("Awaiting routing") == "待分派"


def test_no_leftover_placeholder_files() -> None:
    assert not (TRANSLATIONS / ".keep").exists()


# -- the interface ------------------------------------------------------------------------


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_anonymous_visitor_sees_chinese_by_default(browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.get("/login")
    assert page.status_code == 200
    html = _html(page)
    assert '<html lang="zh-CN"' in html
    assert "登录" in html
    assert "科技特派员问题工单" in html
    assert "Sign in" not in html
    # The switch offers the other language.
    assert 'name="locale" value="en"' in html


def test_anonymous_visitor_can_switch_to_english_and_back(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.post("/language", {"locale": "en", "next": "/login"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login")
    html = _html(browser.get("/login"))
    assert '<html lang="en"' in html
    assert "Sign in" in html and "Commissioner Tickets" in html
    assert "登录" not in html
    assert 'name="locale" value="zh"' in html

    browser.post("/language", {"locale": "zh", "next": "/login"})
    html = _html(browser.get("/login"))
    assert '<html lang="zh-CN"' in html and "登录" in html


def test_unknown_language_is_refused(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.post("/language", {"locale": "fr", "next": "/login"})
    assert response.status_code == 400
    assert '<html lang="zh-CN"' in _html(browser.get("/login"))


def test_language_switch_needs_the_csrf_token(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.client.post("/language", data={"locale": "en"})
    assert response.status_code == 303  # back, with the “form expired” message
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    page = _html(browser.get("/login"))
    assert "Sign in" not in page and "表单已过期" in page


def _stored_locale(app, user: User) -> str | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(User, user.id).locale


def test_signed_in_choice_persists_in_the_account(app, login, world) -> None:  # type: ignore[no-untyped-def]
    user = world.commissioner_a
    client = login(user)
    html = _html(client.get("/queue/mine"))
    assert '<html lang="zh-CN"' in html
    assert "我负责企业的工单" in html and "新建工单" in html and "退出登录" in html

    response = client.post(
        "/language", {"locale": "en", "next": "/queue/mine"}, token_from="/account"
    )
    assert response.status_code == 303
    assert _stored_locale(app, user) == "en"
    html = _html(client.get("/queue/mine"))
    assert '<html lang="en"' in html
    assert "My enterprises&#39; tickets" in html or "My enterprises' tickets" in html
    assert "New ticket" in html and "Sign out" in html
    assert "Awaiting routing" in html  # labels defined at import time follow the request
    assert "待分派" not in html

    # The account, not the cookie, carries the choice: a fresh browser signs in to English.
    other = login(user)
    html = _html(other.get("/queue/mine"))
    assert '<html lang="en"' in html and "New ticket" in html

    client.post("/language", {"locale": "zh", "next": "/queue/mine"}, token_from="/account")
    assert _stored_locale(app, user) == "zh"
    html = _html(client.get("/queue/mine"))
    assert '<html lang="zh-CN"' in html
    assert "我负责企业的工单" in html and "待分派" in html
    assert "New ticket" not in html


def test_account_choice_wins_over_the_cookie(app, login, world) -> None:  # type: ignore[no-untyped-def]
    user = world.commissioner_a
    client = login(user)
    client.post("/language", {"locale": "en"}, token_from="/account")
    client.client.set_cookie("lang", "zh")
    html = _html(client.get("/account"))
    assert '<html lang="en"' in html and "My account" in html
