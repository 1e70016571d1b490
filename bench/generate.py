"""Build a believable zone of any size for the benchmarks, straight into the database.

    .venv/bin/python bench/generate.py --database-url URL --tickets 1000000 [--replace]

Tickets are spread over three years, each moved along the transition table's paths with the
detours of real work (returned, declined, reopened, abandoned, withdrawn), with the history
events, comments, visit records, files' metadata, cooperations and access links each state
implies, across ~1 enterprise per 1,000 tickets, ~1 expert per 6,700 and 6–20 universities.
What is still open is recent: a path is cut where it would pass today. PostgreSQL is loaded
with COPY, SQLite with executemany, both in batches; then the derived tables (the dashboard's
tallies, the search index) are rebuilt and the planner's statistics refreshed.

Benchmark logins (password bench-pass-2026): bench-admin, bench-commissioner (five
enterprises), bench-liaison (the first university), bench-expert (the first university).
The ticket with the longest history (BUSY_EVENTS events) is assigned to bench-expert.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import words  # noqa: E402
from ticketing import create_app, writes  # noqa: E402
from ticketing.accounts.services import _STRONG  # noqa: E402
from ticketing.cli import alembic_config  # noqa: E402
from ticketing.config import load as load_settings  # noqa: E402
from ticketing.orgs import credit_code  # noqa: E402
from ticketing.records import tallies as work_records  # noqa: E402
from ticketing.reports import tallies  # noqa: E402
from ticketing.routing import profiles  # noqa: E402
from ticketing.search.index import sections, weighted_vector  # noqa: E402
from ticketing.tickets import deadlines  # noqa: E402
from ticketing.workflow import State, path_to  # noqa: E402
from ticketing.worktime import official  # noqa: E402
from ticketing.worktime.calendar import WorkCalendar  # noqa: E402

PASSWORD = "bench-pass-2026"
ZONE = "CZ"
YEARS = 3
BUSY_EVENTS = 2864
BATCH = 20_000
TARGETS = deadlines.Targets(load_settings("/tmp")["TIME_TARGETS"])
CALENDAR = WorkCalendar(
    {day: working for year in official.YEARS for day, working, _name in official.days(year)}
)
S = State

# How a ticket's life ends, for tickets old enough to have finished (weights).
GOALS = (
    (S.CLOSED, 58),
    (S.OUTCOME_LANDED, 9),
    (S.OUTCOME_AGREEMENT, 6),
    (S.OUTCOME_INTENTION, 5),
    (S.WITHDRAWN, 9),
    (S.RESOLVED, 3),
    (S.IN_PROGRESS, 4),
    (S.EXPERT_ASSIGNED, 2),
    (S.UNIVERSITY_ASSIGNED, 2),
    (S.SUBMITTED, 1),
    (S.DRAFT, 1),
)
# Days before each step (low, high), drawn uniformly.
DELAYS = {
    "submit": (0, 2),
    "route": (0.1, 4),
    "return": (0.5, 3),
    "transfer": (1, 10),
    "assign_expert": (0.1, 4),
    "reassign_expert": (1, 10),
    "decline": (0.2, 2),
    "start": (0.1, 3),
    "resolve": (3, 45),
    "reopen": (1, 7),
    "close": (1, 12),
    "record_intention": (2, 20),
    "sign_agreement": (10, 60),
    "land": (30, 150),
    "abandon": (10, 60),
    "withdraw": (1, 20),
    "comment": (0.1, 6),
    "visit": (1, 10),
    "attach": (0.1, 3),
}
# Tables in the order their foreign keys need.
ORDER = (
    "zone", "park", "county", "university", "enterprise", "user", "role_grant",
    "commissioner_enterprise", "expert_profile", "campaign", "campaign_county",
    "campaign_university", "campaign_expert", "ticket", "ticket_event", "comment", "visit",
    "attachment", "outcome", "ticket_university", "ticket_expert", "ticket_sequence",
    "ticket_search",
)  # fmt: skip
PRIORITIES = (("urgent", 8), ("high", 22), ("normal", 55), ("low", 15))
CATEGORIES = (
    "product_rd",
    "tech_upgrade",
    "breakthrough",
    "transformation",
    "management",
    "talent",
)
FORMS = (
    "tech_service", "joint_rd", "commissioned", "transfer", "licensing", "consulting", "platform",
    "talent",
)  # fmt: skip
LATER_COOPERATION = 0.1  # share of landed problems that lead to a further cooperation


@dataclass
class Ticket:
    id: int
    number: str
    title: str
    description: str
    category: str
    priority: str
    enterprise_id: int
    filer_id: int
    created_at: datetime
    confidential: bool = False
    state: str = S.DRAFT
    university_id: int | None = None
    expert_id: int | None = None
    resolution: str | None = None
    satisfaction: int | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None
    routed_at: datetime | None = None
    returned_at: datetime | None = None  # last returned to the zone; cleared by a route
    expert_assigned_at: datetime | None = None
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    finished_at: datetime | None = None
    entered_at: datetime | None = None
    version: int = 1
    universities: set[int] = field(default_factory=set)
    returned: dict[int, datetime] = field(default_factory=dict)  # university → last return
    experts: set[int] = field(default_factory=set)
    outcome: list[Any] | None = None
    later_outcomes: list[list[Any]] = field(default_factory=list)  # a further cooperation
    notes: list[str] = field(default_factory=list)  # public comments and visits, for search


class Sink:
    """Rows go to the database in batches: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> None:
        self.columns[table] = columns
        self.buffers.setdefault(table, []).append(row)

    def flush(self) -> None:
        cursor = self.raw.cursor()
        for table in sorted(self.buffers, key=ORDER.index):
            rows = self.buffers[table]
            if not rows:
                continue
            columns = self.columns[table]
            names = ", ".join(f'"{c}"' for c in columns)
            if self.postgres:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                    [tuple(_sqlite(v) for v in row) for row in rows],
                )
            self.counts[table] = self.counts.get(table, 0) + len(rows)
            rows.clear()
        self.raw.commit()


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


class Zone:
    """Organisations and people, then tickets one after the other."""

    def __init__(self, rng: random.Random, tickets: int, now: datetime) -> None:
        self.rng, self.total, self.now = rng, tickets, now
        self.start = now - timedelta(days=365 * YEARS)
        self.enterprises = max(50, tickets // 1000)
        self.university_count = min(20, max(6, tickets // 50_000))
        self.expert_count = max(24, tickets // 6667)
        self.users: list[tuple[Any, ...]] = []
        self.next_ids = {"ticket_event": 0, "comment": 0, "visit": 0, "attachment": 0, "outcome": 0}
        self.serials: dict[int, int] = {}
        self.enterprise_names: dict[int, str] = {}
        self.county_of: dict[int, int] = {}
        self.partner_of: dict[int, int] = {}
        self.park_of: dict[int, int | None] = {}
        self.campaigns: list[tuple[int, date, date, frozenset[int]]] = []
        # the ticket with the longest history: filed ~8 weeks ago, still in progress
        self.busy_id = max(1, tickets - tickets // 20)

    # -- organisations and people ----------------------------------------------------
    def organisations(self, sink: Sink) -> None:
        rng, created = self.rng, self.start - timedelta(days=30)
        sink.add("zone", ("id", "code", "name"), (1, ZONE, "长治经济技术开发区"))
        for i, name in enumerate(words.PARKS, 1):
            sink.add("park", ("id", "zone_id", "name"), (i, 1, name))
        for i, (name, _code) in enumerate(words.COUNTIES, 1):
            sink.add("county", ("id", "zone_id", "name"), (i, 1, name))
        cols = ("id", "name", "short_name", "active", "created_at")
        for i in range(1, self.university_count + 1):
            name, short = words.university(i)
            sink.add("university", cols, (i, name, short, True, created))
        cols = (
            "id", "name", "credit_code", "park_id", "county_id", "industry", "contact_name",
            "contact_phone", "address", "active", "created_at", "partner_university_id",
            "key_enterprise",
        )  # fmt: skip
        for i in range(1, self.enterprises + 1):
            # four in five enterprises sit in a park, and a park lies in one county; the rest
            # are elsewhere in a county of the zone
            park = None if i % 5 == 0 else 1 + i % len(words.PARKS)
            county = park - 1 if park else rng.randrange(len(words.COUNTIES))
            self.county_of[i] = county + 1
            self.park_of[i] = park
            self.partner_of[i] = 1 + i % self.university_count
            code = credit_code.complete(f"9114{words.COUNTIES[county][1][2:]}MA{i:07d}")
            industry = rng.choice(words.INDUSTRIES)
            self.enterprise_names[i] = words.enterprise_name(i, industry)
            sink.add(
                "enterprise",
                cols,
                (
                    i, self.enterprise_names[i], code, park,
                    county + 1, industry, words.person(rng), f"0355-{rng.randrange(10**6, 10**7)}",
                    f"长治市{rng.choice(words.ROADS)}{rng.randrange(1, 999)}号", True, created,
                    self.partner_of[i], i % 10 == 0,
                ),
            )  # fmt: skip
        self.campaign_rows(sink, created)

    def campaign_rows(self, sink: Sink, created: datetime) -> None:
        """A 博士专家企业行 each year from July to December, covering every other county in
        turn, with every university and expert taking part (rows for the experts are added
        in people())."""
        first = self.start.astimezone(words.CST).year
        for n, year in enumerate(range(first, self.now.astimezone(words.CST).year + 1), 1):
            starts, ends = date(year, 7, 1), date(year, 12, 31)
            counties = frozenset(c for c in range(1, len(words.COUNTIES) + 1) if c % 2 == n % 2)
            self.campaigns.append((n, starts, ends, counties))
            sink.add(
                "campaign",
                ("id", "name", "starts_on", "ends_on", "description", "created_at"),
                (n, f"{year}年博士专家企业行", starts, ends, "", created),
            )
            for county in sorted(counties):
                sink.add("campaign_county", ("campaign_id", "county_id"), (n, county))
            for university in range(1, self.university_count + 1):
                sink.add("campaign_university", ("campaign_id", "university_id"), (n, university))

    def filed_place(self, t: Ticket) -> tuple[int | None, int | None]:
        """The park and county a filed ticket counts under (its enterprise's)."""
        if t.submitted_at is None:
            return None, None
        return self.park_of[t.enterprise_id], self.county_of[t.enterprise_id]

    def campaign_of(self, t: Ticket) -> int | None:
        if t.submitted_at is None:
            return None
        day = t.submitted_at.astimezone(words.CST).date()
        county = self.county_of[t.enterprise_id]
        for n, starts, ends, counties in self.campaigns:
            if starts <= day <= ends and county in counties:
                return n
        return None

    def people(self, sink: Sink) -> None:
        rng, created = self.rng, self.start - timedelta(days=20)
        password = _STRONG.hash(PASSWORD)
        user_cols = (
            "id", "login", "name", "password_hash", "email", "phone", "active", "locale",
            "university_id", "is_demo", "session_token", "created_at",
        )  # fmt: skip
        uid = 0

        def person(login: str, roles: tuple[str, ...], university: int | None = None) -> int:
            nonlocal uid
            uid += 1
            name = words.person(rng)
            sink.add(
                "user",
                user_cols,
                (uid, login, name, password, f"{login}@example.cn", f"139{uid:08d}", True, None,
                 university, False, f"t{uid:020d}", created),
            )  # fmt: skip
            for role in roles:
                sink.add("role_grant", ("user_id", "role"), (uid, role))
            return uid

        self.admin = person("bench-admin", ("admin",))
        self.commissioners: list[int] = []
        self.filer_of: dict[int, int] = {}
        per = 5
        for first in range(1, self.enterprises + 1, per):
            login = "bench-commissioner" if first == 1 else f"commissioner{first // per}"
            user = person(login, ("commissioner",))
            self.commissioners.append(user)
            for enterprise in range(first, min(first + per, self.enterprises + 1)):
                sink.add(
                    "commissioner_enterprise", ("user_id", "enterprise_id"), (user, enterprise)
                )
                self.filer_of[enterprise] = user
        self.liaisons = {
            u: person("bench-liaison" if u == 1 else f"liaison{u}", ("liaison",), u)
            for u in range(1, self.university_count + 1)
        }
        self.experts: dict[int, list[int]] = {u: [] for u in self.liaisons}
        profile_cols = ("user_id", "title", "expertise", "capacity")
        for n in range(self.expert_count):
            university = 1 + n % self.university_count
            user = person("bench-expert" if n == 0 else f"expert{n}", ("expert",), university)
            self.experts[university].append(user)
            fields = "、".join(rng.sample(words.FIELDS, 3))
            sink.add("expert_profile", profile_cols, (user, rng.choice(words.TITLES), fields, 100))
            for campaign in self.campaigns:
                sink.add("campaign_expert", ("campaign_id", "expert_id"), (campaign[0], user))
        self.last_user = uid

    # -- tickets ----------------------------------------------------------------------
    def tickets(self, sink: Sink) -> Iterator[int]:
        rng = self.rng
        busy = self.busy_id
        for index in range(1, self.total + 1):
            share = (index - 1) / max(1, self.total - 1)
            created = self.start + timedelta(days=365 * YEARS * share, minutes=rng.randrange(600))
            created = min(created, self.now - timedelta(hours=1))
            enterprise = 1 + rng.randrange(self.enterprises)
            ticket = Ticket(
                id=index,
                number=self.number(created),
                title=words.title(rng),
                description=words.description(rng),
                category=rng.choice(CATEGORIES),
                priority=_weighted(rng, PRIORITIES),
                enterprise_id=enterprise,
                filer_id=self.filer_of[enterprise],
                created_at=created,
                confidential=rng.random() < 0.04,
            )
            if index == busy:  # create, four steps, a visit, then comments
                steps = [*path_to(S.IN_PROGRESS), "visit"] + ["comment"] * (BUSY_EVENTS - 6)
            else:
                steps = self.plan(_weighted(rng, GOALS))
            self.live(sink, ticket, steps, busy=index == busy)
            self.write(sink, ticket)
            if index % BATCH == 0:
                sink.flush()
                yield index
        sink.flush()
        yield self.total

    def number(self, created: datetime) -> str:
        year = created.astimezone(words.CST).year
        self.serials[year] = self.serials.get(year, 0) + 1
        return f"{ZONE}-{year}-{self.serials[year]:05d}"

    def plan(self, goal: State) -> list[str]:
        """The actions from a draft to `goal`, with detours and work in between."""
        rng = self.rng
        if goal is S.WITHDRAWN:
            stop = rng.choice(
                (S.SUBMITTED, S.UNIVERSITY_ASSIGNED, S.EXPERT_ASSIGNED, S.IN_PROGRESS)
            )
            return [*self.plan(stop), "withdraw"]
        via_abandon = goal is S.CLOSED and rng.random() < 0.2
        path = list(path_to(S.OUTCOME_INTENTION if via_abandon else goal))
        steps: list[str] = []
        for action in path:
            if action == "resolve":
                steps += rng.choice(
                    (["visit"], ["visit", "comment"], ["comment", "visit", "visit"])
                )
                if rng.random() < 0.3:
                    steps.append("attach")
            steps.append(action)
            if action == "route" and rng.random() < 0.03:
                steps += ["return", "route"]
            if action == "assign_expert" and rng.random() < 0.05:
                steps += ["decline", "assign_expert"]
            if action == "resolve" and rng.random() < 0.05:
                steps += ["reopen", "visit", "resolve"]
        if goal is S.IN_PROGRESS:
            steps += rng.choice(([], ["comment"], ["visit"], ["visit", "comment"]))
        if via_abandon:
            steps.append("abandon")
        return steps

    def live(self, sink: Sink, t: Ticket, steps: list[str], busy: bool = False) -> None:
        """Walk the steps in time; stop where the next one would pass today."""
        rng, at = self.rng, t.created_at
        self.event(sink, t, at, "create", None, S.DRAFT, {"title": t.title}, t.filer_id)
        t.entered_at = t.updated_at = at
        for action in steps:
            low, high = DELAYS[action]
            later = at + timedelta(days=rng.uniform(low, high) / (1000 if busy else 1))
            if later >= self.now:
                break
            at = words.working_hours(later)
            if at >= self.now:
                break
            self.step(sink, t, action, at)
            t.updated_at = at

    def step(self, sink: Sink, t: Ticket, action: str, at: datetime) -> None:
        rng, before = self.rng, t.state
        actor, data, target = self.admin, {}, before
        if action in ("comment", "visit", "attach"):
            actor = t.expert_id or t.filer_id
            self.activity(sink, t, action, at, actor)
            return
        if action == "submit":
            actor, target, t.submitted_at = t.filer_id, S.SUBMITTED, at
        elif action == "route":
            choices = [u for u in self.liaisons if u not in t.universities] or list(self.liaisons)
            partner = self.partner_of[t.enterprise_id]
            if t.id == self.busy_id:
                t.university_id = 1
            elif partner in choices and rng.random() < 0.8:  # 一企一校: the partner first
                t.university_id = partner
            else:
                t.university_id = rng.choice(choices)
            t.universities.add(t.university_id)
            t.routed_at, target = at, S.UNIVERSITY_ASSIGNED
            t.returned_at = None
            data = {
                "university_id": t.university_id,
                "university": words.university(t.university_id)[0],
            }
        elif action in ("return", "decline", "reopen", "withdraw", "abandon"):
            data = {"reason": rng.choice(words.REASONS[action])}
            if action == "return":
                actor, target = self.liaisons[t.university_id], S.SUBMITTED
                data["university"] = words.university(t.university_id)[0]
                t.returned[t.university_id] = t.returned_at = at
                t.university_id = t.routed_at = None
            elif action == "decline":
                actor, target = t.expert_id, S.UNIVERSITY_ASSIGNED
                t.expert_id = t.expert_assigned_at = None
            elif action == "reopen":
                actor, target = t.filer_id, S.IN_PROGRESS
                t.resolution = t.resolved_at = None
            else:
                actor = t.filer_id
                target = S.WITHDRAWN if action == "withdraw" else S.CLOSED
                t.finished_at = at
                if action == "abandon" and t.outcome:
                    t.outcome[10] = data["reason"]
                    data.update(cooperation_id=t.outcome[0], cooperation=t.outcome[12])
        elif action == "assign_expert":
            pool = [e for e in self.experts[t.university_id] if e not in t.experts]
            t.expert_id = rng.choice(pool or self.experts[t.university_id])
            if t.id == self.busy_id:
                t.expert_id = self.experts[1][0]  # bench-expert
            t.experts.add(t.expert_id)
            t.expert_assigned_at, target = at, S.EXPERT_ASSIGNED
            actor = self.liaisons[t.university_id]
            data = {"expert_id": t.expert_id, "expert": f"专家{t.expert_id}"}
        elif action == "start":
            actor, target, t.started_at = t.expert_id, S.IN_PROGRESS, at
        elif action == "resolve":
            t.resolution = words.resolution(rng)
            actor, target, t.resolved_at = t.expert_id, S.RESOLVED, at
            data = {"resolution": t.resolution}
        elif action == "close":
            t.satisfaction = rng.choice((3, 4, 4, 5, 5, 5))
            actor, target, t.finished_at = t.filer_id, S.CLOSED, at
            data = {"satisfaction": t.satisfaction}
        else:  # the outcome steps
            actor, target, data = self.outcome(t, action, at)
        t.state, t.entered_at = target, at
        t.version += 1
        self.event(sink, t, at, action, before, target, data, actor)
        if action == "land" and rng.random() < LATER_COOPERATION:
            later = self.new_outcome(t, at)  # recorded the same day, still at intention
            t.later_outcomes.append(later)
            t.version += 1
            data = {"cooperation_id": later[0], "cooperation": later[12],
                    "cooperation_form": later[2], "intention_date": later[3].isoformat()}  # fmt: skip
            self.event(sink, t, at, "record_intention", target, target, data, t.filer_id)

    def outcome(self, t: Ticket, action: str, at: datetime) -> tuple[int, State, dict[str, Any]]:
        rng, day = self.rng, at.astimezone(words.CST).date()
        if action == "record_intention":
            t.outcome = self.new_outcome(t, at)
            data = {"cooperation_form": t.outcome[2], "intention_date": day.isoformat()}
            return t.filer_id, S.OUTCOME_INTENTION, {**self.named(t.outcome), **data}
        assert t.outcome is not None
        if action == "sign_agreement":
            amount = Decimal(rng.randrange(50, 50_000)) / 10
            number = f"HT-{day.year}-{t.id:07d}"
            t.outcome[4:7] = [number, day, amount]
            data = {
                **self.named(t.outcome),
                "agreement_number": number,
                "agreement_date": day.isoformat(),
                "amount": str(amount),
            }
            return t.filer_id, S.OUTCOME_AGREEMENT, data
        benefit = Decimal(rng.randrange(100, 200_000)) / 10
        landing = rng.choice(words.LANDINGS)
        t.outcome[7:10] = [day, landing, benefit]
        if rng.random() < 0.3:  # 节约成本 beside the added output value
            t.outcome[14] = Decimal(rng.randrange(10, 20_000)) / 10
        t.finished_at = at
        data = {
            **self.named(t.outcome),
            "landed_date": day.isoformat(),
            "landing_description": landing,
            "economic_benefit": str(benefit),
        }
        return self.admin, S.OUTCOME_LANDED, data

    def new_outcome(self, t: Ticket, at: datetime) -> list[Any]:
        """A cooperation at intention: the outcome row, in the order write() gives its columns."""
        form, day = self.rng.choice(FORMS), at.astimezone(words.CST).date()
        self.next_ids["outcome"] += 1
        title = f"{t.title[:150]}·合作{len(t.later_outcomes) + 2 if t.outcome else 1}"
        return [self.next_ids["outcome"], t.id, form, day, *[None] * 7, at,
                title, t.university_id, None]  # fmt: skip

    @staticmethod
    def named(outcome: list[Any]) -> dict[str, Any]:
        return {"cooperation_id": outcome[0], "cooperation": outcome[12]}

    def activity(self, sink: Sink, t: Ticket, action: str, at: datetime, actor: int) -> None:
        rng = self.rng
        table = {"comment": "comment", "visit": "visit", "attach": "attachment"}[action]
        self.next_ids[table] += 1
        row_id = self.next_ids[table]
        if action == "comment":
            internal = rng.random() < 0.15
            body = rng.choice(words.COMMENTS)
            sink.add("comment", ("id", "ticket_id", "author_id", "body", "internal", "created_at"),
                     (row_id, t.id, actor, body, internal, at))  # fmt: skip
            if not internal:
                t.notes.append(body)
            data = {"comment_id": row_id, "internal": internal}
        elif action == "visit":
            day = at.astimezone(words.CST).date()
            cols = (
                "id",
                "ticket_id",
                "expert_id",
                "visited_on",
                "place",
                "participants",
                "findings",
                "agreed",
                "created_at",
            )
            place, findings, agreed = (rng.choice(words.PLACES), rng.choice(words.FINDINGS),
                                       rng.choice(words.AGREED))  # fmt: skip
            sink.add("visit", cols, (row_id, t.id, t.expert_id or actor, day, place,
                                     "企业技术负责人、车间主任", findings, agreed, at))  # fmt: skip
            t.notes.append(f"{place} {findings} {agreed}")
            data = {"visit_id": row_id, "visited_on": day.isoformat()}
        else:
            name = rng.choice(words.FILES)
            cols = (
                "id",
                "ticket_id",
                "uploader_id",
                "original_name",
                "stored_name",
                "content_type",
                "size",
                "internal",
                "created_at",
            )
            sink.add("attachment", cols, (row_id, t.id, actor, name, f"bench{row_id:024d}", "application/pdf",
                                          rng.randrange(20_000, 4_000_000), False, at))  # fmt: skip
            data = {"attachment_id": row_id, "name": name, "internal": False}
        self.event(sink, t, at, action, None, None, data, actor)

    def event(self, sink: Sink, t: Ticket, at: datetime, action: str, before: Any, after: Any,
              data: dict[str, Any], actor: int) -> None:  # fmt: skip
        self.next_ids["ticket_event"] += 1
        cols = ("id", "ticket_id", "at", "actor_id", "action", "from_state", "to_state", "data")
        row = (self.next_ids["ticket_event"], t.id, at, actor, action,
               str(before) if before else None, str(after) if after else None,
               json.dumps(data, ensure_ascii=False))  # fmt: skip
        sink.add("ticket_event", cols, row)

    def write(self, sink: Sink, t: Ticket) -> None:
        due = deadlines.due_at(t.state, t.priority, t.entered_at, TARGETS, CALENDAR)
        on_time = 0
        for start, end, step, bit in (
            (t.submitted_at, t.routed_at, "route", deadlines.ROUTE),
            (t.routed_at, t.expert_assigned_at, "assign", deadlines.ASSIGN),
            (t.started_at, t.resolved_at, "resolve", deadlines.RESOLVE),
        ):
            if start and end and end <= CALENDAR.add(start, TARGETS.days(step, t.priority)):
                on_time |= bit
        running = t.state in deadlines.STEP_TARGET
        cols = (
            "id", "number", "title", "description", "category", "priority", "state", "confidential",
            "enterprise_id", "filer_id", "university_id", "expert_id", "resolution", "satisfaction",
            "created_at", "updated_at", "submitted_at", "routed_at", "expert_assigned_at",
            "started_at", "resolved_at", "finished_at", "due_at", "version", "campaign_id",
            "filed_park_id", "filed_county_id", "returned_at", "step_started_at", "on_time_steps",
            "due_soon_at",
        )  # fmt: skip
        sink.add("ticket", cols, (
            t.id, t.number, t.title, t.description, t.category, t.priority, str(t.state),
            t.confidential, t.enterprise_id, t.filer_id, t.university_id, t.expert_id, t.resolution,
            t.satisfaction, t.created_at, t.updated_at, t.submitted_at, t.routed_at,
            t.expert_assigned_at, t.started_at, t.resolved_at, t.finished_at, due, t.version,
            self.campaign_of(t), *self.filed_place(t), t.returned_at,
            t.entered_at if running else None, on_time, CALENDAR.soon_from(due) if due else None,
        ))  # fmt: skip
        head, body, notes = sections(t.number, t.title, self.enterprise_names[t.enterprise_id],
                                     t.description, [t.resolution or "", *t.notes])  # fmt: skip
        # a tsvector written as text: its lexemes with their weighted positions; FTS5 its text
        if sink.postgres:
            sink.add("ticket_search", ("ticket_id", "terms"),
                     (t.id, weighted_vector(head, body, notes)))  # fmt: skip
        else:
            sink.add("ticket_search", ("rowid", "head", "body", "notes"),
                     (t.id, head, body, notes))  # fmt: skip
        for university in sorted(t.universities):
            sink.add(
                "ticket_university",
                ("ticket_id", "university_id", "returned_at"),
                (t.id, university, t.returned.get(university)),
            )
        for expert in sorted(t.experts):
            sink.add("ticket_expert", ("ticket_id", "expert_id"), (t.id, expert))
        cols = (
            "id", "ticket_id", "cooperation_form", "intention_date", "agreement_number",
            "agreement_date", "amount", "landed_date", "landing_description",
            "economic_benefit", "abandoned_reason", "created_at", "title", "university_id",
            "cost_saving",
        )  # fmt: skip
        for outcome in [t.outcome] if t.outcome else []:
            sink.add("outcome", cols, tuple(outcome))
        for outcome in t.later_outcomes:
            sink.add("outcome", cols, tuple(outcome))

    def sequences(self, sink: Sink) -> None:
        for year, last in self.serials.items():
            sink.add("ticket_sequence", ("zone_code", "year", "last"), (ZONE, year, last))


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def prepare(url: str, replace: bool) -> Any:
    engine = create_engine(url)
    if replace and engine.dialect.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(engine.url.database + suffix).unlink(missing_ok=True)
    elif replace:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            connection.commit()
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        if connection.execute(text("SELECT count(*) FROM ticket")).scalar():
            raise SystemExit("The database has tickets already; pass --replace to start over.")
    return engine


def finish(engine: Any, sink: Sink) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in ("zone", "park", "county", "university", "enterprise", "user", "ticket",
                          "ticket_event", "comment", "visit", "attachment", "outcome",
                          "campaign"):  # fmt: skip
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM \"{table}\"))"
                ))  # fmt: skip
    rebuild_derived(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def rebuild_derived(engine: Any) -> None:
    """The tables the product keeps from the tickets: the dashboard's tallies and the work
    records' (what `flask rebuild-tallies` does), the experts' routing profiles (`flask
    rebuild-routing`)."""
    app = create_app({"DATABASE_URL": str(engine.url.render_as_string(hide_password=False))})
    with app.app_context():
        writes.run(tallies.rebuild)
        writes.run(work_records.rebuild)
        writes.run(profiles.rebuild)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replace", action="store_true", help="empty the database first")
    args = parser.parse_args()
    started = time.perf_counter()
    engine = prepare(args.database_url, args.replace)
    zone = Zone(random.Random(args.seed), args.tickets, datetime.now(UTC))
    sink = Sink(engine)
    zone.organisations(sink)
    zone.people(sink)
    sink.flush()
    for done in zone.tickets(sink):
        rate = done / (time.perf_counter() - started)
        print(f"\r{done:>10,} tickets  {rate:,.0f}/s", end="", flush=True, file=sys.stderr)
    zone.sequences(sink)
    sink.flush()
    print(file=sys.stderr)
    finish(engine, sink)
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{table} {n:,}" for table, n in sorted(sink.counts.items()))
    print(f"loaded in {elapsed:.0f} s: {counts}")


if __name__ == "__main__":
    main()
