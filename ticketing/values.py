"""Small coercions that every service shares, so that a wrong value from any caller (a form,
the API, an import, the CLI) is refused with a message instead of failing with a 500."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ticketing.errors import RuleViolation

ID_MAX = 2**31 - 1  # the largest id either database stores in an integer column


def whole_number(value: Any) -> int | None:
    """An int from an int or a string of ASCII digits; None for anything else (bools too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return int(text)
    return None


def row_id(value: Any) -> int | None:
    """A usable row id (1 … ID_MAX) from `value`, or None."""
    number = whole_number(value)
    return number if number is not None and 1 <= number <= ID_MAX else None


def clean_text(
    field: str, value: Any, *, limit: int, required: bool = True, line: bool = False
) -> str:
    """Text for `field`: stripped (one line: inner white space folded), within `limit`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RuleViolation(field, _l("Enter text."))
    text = " ".join(value.split()) if line else value.strip()
    if required and not text:
        raise RuleViolation(field, _l("This field is required."))
    if "\x00" in text:
        raise RuleViolation(field, _l("The text contains a character that cannot be stored."))
    if len(text) > limit:
        raise RuleViolation(field, _l("Use at most %(n)d characters.", n=limit))
    return text
