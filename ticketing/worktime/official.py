"""The State Council's public holidays and adjusted working days (调休), the calendar's
editable default. Each year's list follows that year's notice of the General Office of the
State Council (国务院办公厅关于…部分节假日安排的通知); a zone adds the next year's days on the
settings page when the notice is published, usually in November.
"""

from __future__ import annotations

from datetime import date, timedelta

# year → (holiday name, first day off, last day off, make-up working days)
_NOTICES: dict[int, list[tuple[str, date, date, tuple[date, ...]]]] = {
    # 国办发明电〔2024〕12号
    2025: [
        ("元旦", date(2025, 1, 1), date(2025, 1, 1), ()),
        ("春节", date(2025, 1, 28), date(2025, 2, 4), (date(2025, 1, 26), date(2025, 2, 8))),
        ("清明节", date(2025, 4, 4), date(2025, 4, 6), ()),
        ("劳动节", date(2025, 5, 1), date(2025, 5, 5), (date(2025, 4, 27),)),
        ("端午节", date(2025, 5, 31), date(2025, 6, 2), ()),
        (
            "国庆节、中秋节",
            date(2025, 10, 1),
            date(2025, 10, 8),
            (date(2025, 9, 28), date(2025, 10, 11)),
        ),
    ],
    # 国办发明电〔2025〕7号
    2026: [
        ("元旦", date(2026, 1, 1), date(2026, 1, 3), (date(2026, 1, 4),)),
        ("春节", date(2026, 2, 15), date(2026, 2, 23), (date(2026, 2, 14), date(2026, 2, 28))),
        ("清明节", date(2026, 4, 4), date(2026, 4, 6), ()),
        ("劳动节", date(2026, 5, 1), date(2026, 5, 5), (date(2026, 5, 9),)),
        ("端午节", date(2026, 6, 19), date(2026, 6, 21), ()),
        ("中秋节", date(2026, 9, 25), date(2026, 9, 27), ()),
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7), (date(2026, 9, 20), date(2026, 10, 10))),
    ],
}

YEARS = tuple(sorted(_NOTICES))


def days(year: int) -> list[tuple[date, bool, str]]:
    """The special days of `year`: (day, is it a working day, name), in day order. Days off
    that fall on a weekend are listed too, so the calendar reads like the notice."""
    found: list[tuple[date, bool, str]] = []
    for name, first, last, make_up in _NOTICES.get(year, []):
        day = first
        while day <= last:
            found.append((day, False, name))
            day += timedelta(days=1)
        found.extend((d, True, name) for d in make_up)
    return sorted(found)
