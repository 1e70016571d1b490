"""Time what an administrator's working-time change costs on a big database: the running steps
it touches are recounted in the same transaction. Each change is rolled back afterwards, so the
database is left as it was.

    .venv/bin/python bench/recount.py --database-url URL [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ticketing import create_app, db  # noqa: E402
from ticketing.accounts.models import User  # noqa: E402
from ticketing.tickets.models import Ticket  # noqa: E402
from ticketing.worktime import services  # noqa: E402
from ticketing.worktime.models import PRIORITIES, STEPS  # noqa: E402


def _admin() -> User:
    return db.session.scalars(select(User).where(User.login == "bench-admin")).one()


def _timed(name: str, change: Any) -> tuple[str, int, float]:
    start = time.perf_counter()
    touched = change()
    db.session.flush()
    took = time.perf_counter() - start
    db.session.rollback()
    services.forget()
    return name, touched, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench"})
    rows = []
    with app.test_request_context():
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        dialect = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[db.dialect_name()]
        admin = _admin()
        current = services.targets()
        days = {(s, p): current.days(s, p) for s in STEPS for p in PRIORITIES}
        more = dict(days)
        more[("resolve", "normal")] += 1
        rows.append(_timed("resolve target of normal priority +1 day",
                           lambda: services.save_targets(admin, more)))  # fmt: skip
        every = {key: value + 1 for key, value in days.items()}
        rows.append(_timed("every target +1 day", lambda: services.save_targets(admin, every)))
        monday = db.local_today() + timedelta(days=7 - db.local_today().weekday())
        rows.append(_timed(f"a new day off next week ({monday})",
                           lambda: services.set_day(admin, monday, False, "bench")))  # fmt: skip
        year = db.local_today().year
        rows.append(_timed(f"the official calendar of {year} restored",
                           lambda: services.load_official(admin, year)))  # fmt: skip
    lines = [
        f"### {tickets:,} tickets, {dialect}: what a working-time change costs",
        "",
        "| change | running steps recounted | time (s) |",
        "| --- | ---: | ---: |",
        *(f"| {name} | {touched:,} | {took:.2f} |" for name, touched, took in rows),
        "",
        f"Command: `.venv/bin/python bench/recount.py --database-url {args.database_url}"
        + (f" --out {args.out}`" if args.out else "`"),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
