"""Languages (Chinese by default, English second), times in Asia/Shanghai, label filters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    format_number,
    format_timedelta,
    get_locale,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from ticketing.accounts.models import ROLE_LABELS
from ticketing.config import asset_dir
from ticketing.db import utcnow
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
    "mark_confidential": _l("Marked the ticket confidential"),
    "unmark_confidential": _l("Lifted the confidential mark"),
    **{action: t.label for action, t in BY_ACTION.items()},
}


def select_locale() -> str:
    """The signed-in user's language, else the language cookie, else Chinese."""
    if not has_request_context():
        return "zh"
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
        current_locale=lambda: str(get_locale() or "zh"),
        change_value=change_value,
        is_overdue=lambda due: deadlines.is_overdue(due, utcnow()),
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        STATE_NEXT=STATE_NEXT,
        ACTION_LABELS=ACTION_LABELS,
    )


def when(moment: datetime | None) -> Markup:
    """A relative time (“3 天前”) with the exact Asia/Shanghai time on hover."""
    if moment is None:
        return Markup("")
    exact = format_datetime(moment, "yyyy-MM-dd HH:mm")
    relative = format_timedelta(moment - utcnow(), add_direction=True, threshold=1.0)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.isoformat(), exact, relative
    )


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd")
    return format_date(value, "yyyy-MM-dd")


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
}


def label(value: Any, kind: str) -> str:
    table = LABEL_TABLES[kind]
    return str(table.get(value, value)) if value is not None else ""


def state_label(value: str) -> Markup:
    return Markup('<span class="state state-{}">{}</span>').format(
        escape(value), label(value, "state")
    )
