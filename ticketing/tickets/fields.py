"""Coerce and check the data an action is given, by the kinds the transition table names.

Whoever calls perform() (a page, the API, an import, the CLI), a wrong value ends here as a
RuleViolation that names the field: a NaN amount, an id of "abc", a datetime where a day is
asked, a score of "five". What needs the database (is this university active?) is checked
afterwards by the action's effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from ticketing.db import local_today
from ticketing.errors import RuleViolation
from ticketing.values import clean_text, row_id, whole_number
from ticketing.workflow import MONEY_MAX, SCORE_RANGE, Field, Kind, Transition

MONEY_HINT = _l("Enter an amount in 10,000 yuan, like 12.5.")


def given(t: Transition, data: Mapping[str, Any], *, not_before: date) -> dict[str, Any]:
    """The data for `t`, each value coerced to its kind; an optional field left out is absent."""
    names = {f.name for f in t.fields}
    unknown = sorted(set(data) - names)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    clean: dict[str, Any] = {}
    for f in t.fields:
        value = data.get(f.name)
        if _blank(value):
            if f.required:
                raise RuleViolation(f.name, _l("This field is required."))
            continue
        clean[f.name] = coerce(f, value, not_before=not_before)
    return clean


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(f: Field, value: Any, *, not_before: date) -> Any:
    """One value of kind `f.kind`, checked against the field's bounds."""
    return _COERCE[f.kind](f, value, not_before)


def _id(f: Field, value: Any, _not_before: date) -> int:
    number = row_id(value)
    if number is None:
        raise RuleViolation(f.name, _l("Choose one from the list."))
    return number


def _text(f: Field, value: Any, _not_before: date) -> str:
    return clean_text(f.name, value, limit=f.max_length, line=not f.multiline)


def _day(f: Field, value: Any, not_before: date) -> date:
    # a datetime is a date too, but a day is asked for: refuse it rather than drop its time
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RuleViolation(f.name, _l("Enter a date like 2026-03-17."))
    if value > local_today():
        raise RuleViolation(f.name, _l("The date cannot be in the future."))
    if value < not_before:
        raise RuleViolation(
            f.name, _l("The date cannot be before %(date)s.", date=not_before.isoformat())
        )
    return value


def _money(f: Field, value: Any, _not_before: date) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise RuleViolation(f.name, MONEY_HINT)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise RuleViolation(f.name, MONEY_HINT) from None
    if not amount.is_finite():
        raise RuleViolation(f.name, MONEY_HINT)
    if amount < 0:
        raise RuleViolation(f.name, _l("The amount must not be negative."))
    if amount > MONEY_MAX:
        raise RuleViolation(f.name, _l("The amount is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise RuleViolation(f.name, _l("Use at most two decimals (0.01 is 100 yuan)."))
    return amount.quantize(Decimal("0.01"))


def _choice(f: Field, value: Any, _not_before: date) -> str:
    if not isinstance(value, str) or value not in f.choices:
        raise RuleViolation(f.name, _l("Choose one from the list."))
    return value


def _score(f: Field, value: Any, _not_before: date) -> int:
    low, high = SCORE_RANGE
    number = whole_number(value)
    if number is None or not low <= number <= high:
        raise RuleViolation(
            f.name, _l("Give a score from %(low)d to %(high)d.", low=low, high=high)
        )
    return number


_COERCE = {
    Kind.ID: _id,
    Kind.TEXT: _text,
    Kind.DATE: _day,
    Kind.MONEY: _money,
    Kind.CHOICE: _choice,
    Kind.SCORE: _score,
}
