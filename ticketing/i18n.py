"""Languages (Chinese by default, English second), times in Asia/Shanghai, label filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import dates as babel_dates
from flask import Flask, g, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_decimal,
    format_number,
    get_locale,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from ticketing.accounts.models import ROLE_LABELS
from ticketing.audit.models import KIND_LABELS, OUTCOME_LABELS
from ticketing.config import asset_dir
from ticketing.db import ZONE_TIME, utcnow
from ticketing.tickets import deadlines
from ticketing.tickets.models import CATEGORY_LABELS, PRIORITY_LABELS
from ticketing.workflow import BY_ACTION, COOPERATION_FORM_LABELS, STATE_LABELS, STATE_NEXT

LOCALES = ("zh", "en")
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
COOKIE = "lang"

ACTION_LABELS: dict[str, Any] = {
    "create": _l("Created the ticket"),
    "edit": _l("Edited the ticket"),
    "comment": _l("Commented"),
    "attach": _l("Added a file"),
    "visit": _l("Recorded a visit"),
    "reward_nominated": _l("Nominated for a reward"),
    "reward_decided": _l("Decided on a reward"),
    "mark_confidential": _l("Marked the ticket confidential"),
    "unmark_confidential": _l("Lifted the confidential mark"),
    "fair_link": _l("Recorded a cooperation at a fair"),
    "challenge_published": _l("Published as an open challenge"),
    "challenge_withdrawn": _l("Withdrew the open challenge"),
    **{action: t.label for action, t in BY_ACTION.items()},
}


def select_locale() -> str:
    """The signed-in user's language, else the language cookie, else Chinese."""
    if not has_request_context():
        return "zh"
    if request.blueprint == "api" and request.accept_languages:  # a program says what it reads
        asked = request.accept_languages.best_match(LOCALES)
        if asked:
            return asked
    chosen = request.cookies.get(COOKIE)
    fallback = chosen if chosen in LOCALES else "zh"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return fallback


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(asset_dir("translations")))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        when=when, day=day, money=money, label=label, state_label=state_label, number=format_number
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        current_locale=_current_locale,
        ticket_href=ticket_href,
        change_value=change_value,
        is_overdue=lambda due: deadlines.is_overdue(due, utcnow()),
        is_due_soon=is_due_soon,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        STATE_NEXT=STATE_NEXT,
        ACTION_LABELS=ACTION_LABELS,
    )


def is_due_soon(due: datetime | None, soon: datetime | None) -> bool:
    """Due today or on the next working day (from `soon` on), and not yet overdue."""
    if due is None or soon is None:
        return False
    now = utcnow()
    return soon <= now and not deadlines.is_overdue(due, now)


# Babel's units for a relative time, largest first, in seconds.
UNITS = (
    ("year", 3600 * 24 * 365),
    ("month", 3600 * 24 * 30),
    ("week", 3600 * 24 * 7),
    ("day", 3600 * 24),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)


def when(moment: datetime | None) -> Markup:
    """The date and time where the zone is (2026-11-23 14:05), and how long ago (2天前) beside
    it; a printout shows the date and time only."""
    if moment is None:
        return Markup("")
    exact = moment.astimezone(ZONE_TIME).strftime("%Y-%m-%d %H:%M")
    relative = escape(_relative(_current_locale(), (moment - utcnow()).total_seconds()))
    # the ISO time and the exact time are digits and punctuation only: nothing to escape
    return Markup(
        f'<time datetime="{moment.isoformat()}">{exact}</time> <span class="ago">{relative}</span>'
    )


def _relative(locale: str, seconds: float) -> str:
    """What format_timedelta(…, add_direction=True, threshold=1) says, rounded to its unit
    first so that the few different answers are worked out once each."""
    for unit, size in UNITS:
        value = abs(seconds) / size
        if value >= 1:
            return _relative_in(locale, unit, max(1, round(value)), seconds < 0)
    return _relative_in(locale, "second", 0, False)


@lru_cache(maxsize=4096)
def _relative_in(locale: str, unit: str, count: int, past: bool) -> str:
    size = dict(UNITS)[unit]
    delta = timedelta(seconds=-count * size if past else count * size)
    return babel_dates.format_timedelta(delta, add_direction=True, threshold=1.0, locale=locale)


def _current_locale() -> str:
    """The language of this request, worked out once per request."""
    if not has_request_context():
        return str(get_locale() or "zh")
    locale = g.get("locale_code")
    if locale is None:
        locale = g.locale_code = str(get_locale() or "zh")
    return locale


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZONE_TIME)
    return value.strftime("%Y-%m-%d")


def money(value: Decimal | str | None) -> str:
    if value in (None, ""):
        return ""
    return format_decimal(Decimal(str(value)), "#,##0.00")


FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "category": _l("Category"),
    "priority": _l("Priority"),
    "enterprise": _l("Enterprise"),
    "confidential": _l("Confidential"),
}


def change_value(field: str, value: Any) -> str:
    """A value from an edit's history, in words."""
    if field in ("category", "priority"):
        return label(value, field)
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    return "" if value is None else str(value)


LABEL_TABLES: dict[str, dict[Any, Any]] = {
    "field": FIELD_LABELS,
    "category": CATEGORY_LABELS,
    "priority": PRIORITY_LABELS,
    "role": ROLE_LABELS,
    "cooperation_form": COOPERATION_FORM_LABELS,
    "action": ACTION_LABELS,
    "state": STATE_LABELS,
    "security_event": KIND_LABELS,
    "outcome": OUTCOME_LABELS,
}


def label(value: Any, kind: str) -> str:
    if value is None:
        return ""
    return _label(_current_locale(), kind, str(value))


def labels(kind: str) -> dict[str, str]:
    """Every label of a kind in the current language, in the table's order."""
    return _labels(_current_locale(), kind)


@lru_cache(maxsize=64)
def _labels(locale: str, kind: str) -> dict[str, str]:
    with force_locale(locale):
        return {str(key): str(text) for key, text in LABEL_TABLES[kind].items()}


@lru_cache(maxsize=4096)
def _label(locale: str, kind: str, value: str) -> str:
    """A label in a language: the catalogues do not change while the process runs."""
    with force_locale(locale):
        return str(LABEL_TABLES[kind].get(value, value))


def state_label(value: str) -> Markup:
    return _state_label(_current_locale(), str(value))


@lru_cache(maxsize=256)
def _state_label(locale: str, value: str) -> Markup:
    return Markup('<span class="state state-{}">{}</span>').format(
        escape(value), _label(locale, "state", value)
    )


def ticket_href(number: str) -> str:
    """The address of a ticket's page, without going through the URL map for each row of a
    list (numbers are letters, digits and hyphens only)."""
    return f"{request.script_root}/tickets/{number}"
