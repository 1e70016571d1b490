"""How long routing suggestions take against a big database: suggest_universities() for
submitted tickets and suggest_experts() for tickets routed to a university, each timed alone
(the ticket already read, as the ticket page has it), with its SQL statements counted.

    .venv/bin/python bench/routing_speed.py --database-url URL [--tickets 200] [--label L] [--out docs/benchmarks.md]

The tokenizer's first load (once per process) is timed apart and left out of the figures.

With --scratch-profiles the experts' profiles are built in temporary tables inside the
measuring transaction, which is rolled back: for a database whose schema predates revision
0014 (a big benchmark database others use), which is read and left exactly as it was.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.markdown import put_section  # noqa: E402
from ticketing import create_app, db  # noqa: E402
from ticketing.orgs import queries as org_queries  # noqa: E402
from ticketing.routing import profiles, queries, terms  # noqa: E402
from ticketing.routing.models import ExpertTerm  # noqa: E402
from ticketing.routing.suggest import suggest_experts, suggest_universities  # noqa: E402
from ticketing.tickets.models import Ticket  # noqa: E402

HEADING = "## Routing suggestions: speed"


def _tickets(state: str, count: int) -> list[Ticket]:
    query = select(Ticket).where(Ticket.state == state).order_by(Ticket.id.desc()).limit(count)
    return list(db.session.scalars(query))


SCRATCH = (
    "CREATE TEMPORARY TABLE expert_term (expert_id integer NOT NULL, term varchar(40) NOT NULL, "
    "n integer NOT NULL, PRIMARY KEY (expert_id, term))",
    "CREATE INDEX ix_scratch_expert_term_term ON expert_term (term, expert_id)",
    "CREATE TEMPORARY TABLE expert_category (expert_id integer NOT NULL, "
    "category varchar(20) NOT NULL, n integer NOT NULL, PRIMARY KEY (expert_id, category))",
)


def scratch_profiles() -> float:
    """Build the profiles in temporary tables (they shadow the names in this session only);
    the seconds it took."""
    for statement in SCRATCH:
        db.session.execute(text(statement))
    started = time.perf_counter()
    profiles.rebuild()
    db.session.execute(text("ANALYZE expert_term"))
    db.session.execute(text("ANALYZE expert_category"))
    return time.perf_counter() - started


def _time(work: Any, tickets: list[Ticket]) -> list[float]:
    seconds = []
    for ticket in tickets:
        ticket.enterprise  # noqa: B018 - read with the ticket, as the page has it
        started = time.perf_counter()
        work(ticket)
        seconds.append(time.perf_counter() - started)
    return seconds


def _line(name: str, seconds: list[float], calls: list[int]) -> str:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (
        f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} "
        f"| {max(calls)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--label", default="")
    parser.add_argument("--out")
    parser.add_argument("--scratch-profiles", action="store_true")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url})
    counter = [0]
    with app.app_context():
        engine = db.state().engine

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args: Any) -> None:
            counter[0] += 1

        started = time.perf_counter()
        terms.tokenizer()
        load_ms = 1000 * (time.perf_counter() - started)
        built = scratch_profiles() if args.scratch_profiles else None
        universities = org_queries.university_choices()
        size = db.session.scalar(select(func.count()).select_from(Ticket))
        rows = db.session.scalar(select(func.count()).select_from(ExpertTerm))
        experts = len(queries.candidates())
        submitted = _tickets("submitted", args.tickets)
        routed = _tickets("university_assigned", args.tickets)
        for ticket in submitted[:3] + routed[:3]:  # warm the connection pool and caches
            suggest_universities(ticket, universities)
            suggest_experts(ticket)

        def route(ticket: Ticket) -> Any:
            return suggest_universities(ticket, universities)

        u_seconds = _time(route, submitted)
        counts_u = _count_calls(route, submitted[:5], counter)
        e_seconds = _time(suggest_experts, routed)
        counts_e = _count_calls(suggest_experts, routed[:5], counter)
        db.session.rollback()
    lines = [
        f"{args.label + ': ' if args.label else ''}{size:,} tickets, {len(universities)} "
        f"universities, {experts} experts, {rows:,} expert_term rows; the tokenizer's first "
        f"load {load_ms:.0f} ms (once per process)."
        + (
            f" The profiles were built for this run in temporary tables ({built:.0f} s, what "
            "`flask rebuild-routing` does) and rolled back after."
            if built is not None
            else ""
        ),
        "",
        "| suggestion | tickets | median ms | p95 ms | max ms | SQL statements |",
        "|---|---:|---:|---:|---:|---:|",
        _line("universities for a submitted ticket", u_seconds, counts_u),
        _line("experts for a routed ticket", e_seconds, counts_e),
    ]
    table = "\n".join(lines)
    print(table)
    if args.out:
        _write(Path(args.out), table, args)


def _count_calls(work: Any, tickets: list[Ticket], counter: list[int]) -> list[int]:
    found = []
    for ticket in tickets:
        before = counter[0]
        work(ticket)
        found.append(counter[0] - before)
    return found


INTRO = """Each suggestion timed alone in one process on the benchmark machine (2 cores shared
with the database), the ticket already read as the ticket page has it; target: under
100 ms. The whole ticket pages with the suggestions are scenarios of `bench/load.py`
("… routing suggestions …"). Each run below is under its own heading.

What a suggestion reads does not grow with the number of tickets: the experts (150 at
1,000,000 tickets), their expert_term rows for the ticket's 40 terms at most (one index
range each), expert_category and expert_year rows per expert, and ticket_tally (a few
hundred rows). The one read that grows is the open work of one university's experts
(ix_ticket_expert_state), which the expert picker already counted before suggestions."""


def _write(path: Path, table: str, args: argparse.Namespace) -> None:
    """The run's table under its own heading in the speed section (replaced when the same
    label runs again, else added at the end, as bench/load.py does)."""
    command = (
        f".venv/bin/python bench/routing_speed.py --database-url {args.database_url} "
        f"--tickets {args.tickets}"
        + (f' --label "{args.label}"' if args.label else "")
        + (" --scratch-profiles" if args.scratch_profiles else "")
        + f" --out {args.out}"
    )
    heading = f"### Routing suggestions timed alone: {args.label or args.database_url}"
    section = "\n".join([heading, "", "```sh", command, "```", "", table, ""])
    text = path.read_text(encoding="utf-8")
    if HEADING not in text:
        text = text.rstrip("\n") + "\n\n" + HEADING + "\n\n" + INTRO + "\n"
    path.write_text(text, encoding="utf-8")
    put_section(path, heading, section)


if __name__ == "__main__":
    main()
