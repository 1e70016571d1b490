"""The dashboard's filters, parsed from the query string: a period (a year, with a quarter or
a month), a campaign, a park, a county, a category and, for admins, a university. A liaison's
university is always their own. A bad value is a message naming the filter, and the filter is
left out (the page still answers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from ticketing import db
from ticketing.accounts.models import User
from ticketing.permissions import is_admin
from ticketing.tickets.models import Category

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    campaign: int | None = None
    park: int | None = None
    county: int | None = None
    category: str | None = None
    university: int | None = None

    def months(self) -> tuple[date, date] | None:
        """The period as [first month, month after the last)."""
        if self.year is None:
            return None
        first, count = 1, 12
        if self.quarter is not None:
            first, count = 3 * self.quarter - 2, 3
        elif self.month is not None:
            first, count = self.month, 1
        start = date(self.year, first, 1)
        end_month = first + count
        end = date(self.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
        return start, end

    def moments(self) -> tuple[datetime, datetime] | None:
        """The period as UTC moments: midnight in Asia/Shanghai."""
        months = self.months()
        if months is None:
            return None
        return tuple(  # type: ignore[return-value]
            datetime(d.year, d.month, 1, tzinfo=db.ZONE_TIME).astimezone(UTC) for d in months
        )

    def args(self, **more: Any) -> dict[str, Any]:
        """The filters (and `more`) as query-string arguments, the empty ones left out."""
        values = {**asdict(self), **more}
        return {key: value for key, value in values.items() if value not in (None, "")}

    def but(self, **changes: Any) -> Filters:
        return replace(self, **changes)


def _number(args: Any, name: str, low: int, high: int, errors: dict[str, Any]) -> int | None:
    text = str(args.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = _l("Give a number from %(low)d to %(high)d.", low=low, high=high)
        return None
    return int(text)


def parse(args: Any, user: User) -> tuple[Filters, dict[str, Any]]:
    """The filters `args` give, and a message for each bad one."""
    errors: dict[str, Any] = {}
    year = _number(args, "year", FIRST_YEAR, LAST_YEAR, errors)
    quarter = _number(args, "quarter", 1, 4, errors)
    month = _number(args, "month", 1, 12, errors)
    if (quarter or month) and year is None:
        errors["year" if "year" not in errors else "quarter"] = _l(
            "Choose a year for a quarter or a month."
        )
        quarter = month = None
    if quarter and month:
        errors["month"] = _l("Choose a quarter or a month, not both.")
        month = None
    ids = {name: _number(args, name, 1, 2**31 - 1, errors) for name in ("campaign", "park")}
    county = _number(args, "county", 1, 2**31 - 1, errors)
    category = str(args.get("category") or "").strip() or None
    if category is not None and category not in set(Category):
        errors["category"] = _l("Choose one of the categories.")
        category = None
    if is_admin(user):
        university = _number(args, "university", 1, 2**31 - 1, errors)
    else:
        university = user.university_id
    filters = Filters(
        year=year,
        quarter=quarter,
        month=month,
        campaign=ids["campaign"],
        park=ids["park"],
        county=county,
        category=category,
        university=university,
    )
    return filters, errors
