"""Build a demo world through the real services, and every ticket's history through the real
state machine under a frozen clock (only the zone, parks and counties have no service yet).

Each ticket follows `workflow.path_to()` its final state, with the world's detours (return,
transfer, decline, reassign, reopen, comments, visits) spliced in where it passes a state.
The steps of all tickets are spread over the last months in working hours and run in time
order, each under `db.frozen_clock()`, so histories, due times and experts' capacities read
like real ones. One seeded random.Random decides everything: the same world every run,
counted back from today's midnight in the zone.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app

from ticketing import db
from ticketing.accounts.models import Role, User
from ticketing.accounts.services import create_account
from ticketing.demo.cooperations import CooperationSteps, second_steps
from ticketing.demo.world import World, WorldError, final_action
from ticketing.orgs import credit_code
from ticketing.orgs.models import County, Enterprise, Park, University, Zone
from ticketing.orgs.services import save_enterprise, save_university
from ticketing.tickets import services, transitions
from ticketing.tickets.effects import open_ticket_count
from ticketing.tickets.models import Category, Ticket
from ticketing.workflow import BY_ACTION, TERMINAL, State, Transition, Who, path_to

TECHNICAL = frozenset({Category.PRODUCT_RD, Category.TECH_UPGRADE, Category.BREAKTHROUGH})
OPENING, CLOSING = (8, 30), (18, 30)  # working hours in the zone
ASSIGNING = ("assign_expert", "reassign_expert")
ROUTING = ("route", "transfer")
# who acts on a step, first match in the transition table's `who` (else the administrator)
ACTING = (Who.EXPERT, Who.LIAISON, Who.COMMISSIONER, Who.FILER)
ACCOUNT_KEYS = ("login", "name", "title", "expertise", "capacity")  # as the world names them
NORMAL_END = (None, State.RESOLVED)  # where a closed ticket is left from when nothing says


@dataclass
class Plan:
    """One ticket: where it ends, the steps that take it there and when each happens."""

    enterprise: dict[str, Any]  # the world's table for it
    problem: dict[str, Any]
    final: State
    source: State | None  # the state a terminal ticket ends from (None: the shortest path)
    filer: User
    partner: str  # the enterprise's partner university (一企一校), offered first
    priority: str = "normal"
    confidential: bool = False
    force_university: str | None = None
    preferred_expert: User | None = None
    steps: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    universities: list[str] = field(default_factory=list)
    ticket: Ticket | None = None
    declined: set[int] = field(default_factory=set)
    assignments_left: int = 0
    resolves: int = 0
    last_date: date | None = None

    @property
    def technical(self) -> bool:  # product R&D, upgrading, breakthroughs
        return self.problem["category"] in TECHNICAL


class Builder(CooperationSteps):
    """Makes a world: organisations and people, then each ticket's planned steps in time order."""

    def __init__(self, world: World, password: str) -> None:
        self.world, self.password, self.zone = world, password, world["zone"]
        self.rng = random.Random(world["demo"]["seed"])
        now = db.utcnow().astimezone(db.ZONE_TIME)
        self.end = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=world["demo"]["days_back"])
        self.users: dict[str, User] = {}
        self.universities: dict[str, University] = {}
        self.liaisons: dict[int | None, User] = {}  # university id → its liaison
        self.experts: dict[int | None, list[User]] = {}  # university id → its experts
        self.expert_tables = {e["login"]: e for e in world["experts"]}
        self.enterprises: dict[str, Enterprise] = {}
        self.partners: dict[str, str] = {}  # enterprise → its partner university (一企一校)
        self.plans: list[Plan] = []
        self.assigned: Counter[int] = Counter()
        self.agreements: Counter[int] = Counter()
        self.detours = {s: [d for d in world["detours"] if d["state"] == s] for s in State}

    def organisations(self) -> None:
        zone = Zone(code=self.zone["code"], name=self.zone["name"])
        db.session.add(zone)
        db.session.flush()
        parks = {name: Park(zone_id=zone.id, name=name) for name in self.zone["parks"]}
        counties = {name: County(zone_id=zone.id, name=name) for name in self.zone["counties"]}
        db.session.add_all([*parks.values(), *counties.values()])
        db.session.flush()
        self.admin = self._account(self.world["admin"], [Role.ADMIN])
        for u in self.world["universities"]:
            names = {k: u[k] for k in ("name", "short_name") if k in u}
            self.universities[u["key"]] = save_university(None, self.admin, **names)
        codes: set[str] = set()
        for e in self.world["enterprises"]:
            self.enterprises[e["name"]] = save_enterprise(
                None,
                self.admin,
                name=e["name"],
                credit_code=e.get("credit_code") or self._credit_code(e["county"], codes),
                park_id=parks[e["park"]].id,
                county_id=counties[e["county"]].id,
                industry=self.world["industries"][e["industry"]]["name"],
                **{k: e.get(k) or v for k, v in self._contact(e["county"]).items()},
            )

    def _credit_code(self, county: str, taken: set[str]) -> str:
        """A valid code registered in the county: 91 · division · MA0 · six · check."""
        while True:
            body = "".join(self.rng.choice(credit_code.ALPHABET) for _ in range(6))
            code = credit_code.complete(f"91{self.zone['counties'][county]}MA0{body}")
            if code not in taken:
                taken.add(code)
                return code

    def people(self) -> None:
        """Experts and liaisons of each university (a liaison may be an expert too), then the
        commissioners with the enterprises they look after."""
        liaisons = {u["liaison"]["login"]: u for u in self.world["universities"]}
        for e in self.world["experts"]:
            roles = [Role.EXPERT, *([Role.LIAISON] if e["login"] in liaisons else [])]
            expert = self._account(e, roles, self.universities[e["university"]])
            self.experts.setdefault(expert.university_id, []).append(expert)
        for login, u in liaisons.items():
            university = self.universities[u["key"]]
            if login not in self.users:
                self._account(u["liaison"], [Role.LIAISON], university)
            self.liaisons[university.id] = self.users[login]
        for c in self.world["commissioners"]:
            mine = [
                self.enterprises[e["name"]].id
                for e in self.world["enterprises"]
                if e["commissioner"] == c["login"]
            ]
            self._account(c, [Role.COMMISSIONER], enterprise_ids=mine, phone=self._phone())

    def _account(
        self, person: dict[str, Any], roles: list[str], university: University | None = None, **more
    ) -> User:
        details = {k: v for k, v in person.items() if k in ACCOUNT_KEYS}
        self.users[person["login"]] = create_account(
            is_demo=True,
            password=self.password,
            roles=roles,
            university_id=university.id if university else None,
            email=f"{person['login']}@example.com",
            **details,
            **more,
        )
        return self.users[person["login"]]

    # -- planning ------------------------------------------------------------------------

    def plan(self) -> None:
        problems = [(e, p) for e in self.world["enterprises"] for p in e["problems"]]
        finals = iter(self._finals(problems))
        self.plans = [self._new_plan(e, problem, next(finals)) for e, problem in problems]
        for p in self.plans:
            p.steps = self._path(p)
            p.assignments_left = sum(step in ASSIGNING for step in p.steps)
            p.universities = self._university_sequence(p, sum(s in ROUTING for s in p.steps))
            p.times = self._schedule(p)
        for name, key in self.partners.items():  # the enterprise page names its partner
            self.enterprises[name].partner_university_id = self.universities[key].id

    def _new_plan(self, e: dict, problem: dict, final: tuple) -> Plan:
        story, rng, expert = self.world["story"], self.rng, problem.get("expert")
        if e["name"] not in self.partners:  # drawn once per enterprise (一企一校)
            options = self._partners(e) or {key: 1 for key in self.universities}
            self.partners[e["name"]] = e.get("partner") or self._weighted(options)
        by_admin = rng.random() < story["filed_by_admin"]
        filer = self.admin if by_admin else self.users[e["commissioner"]]
        plan = Plan(e, problem, *final, filer=filer, partner=self.partners[e["name"]])
        plan.priority = self._weighted(story["priorities"])
        plan.confidential = rng.random() < story["confidential"]
        if expert:  # pinned: the ticket ends up with this expert (and their university)
            plan.preferred_expert = self.users[expert]
            plan.force_university = self.expert_tables[expert]["university"]
        plan.force_university = problem.get("university", plan.force_university)
        return plan

    def _finals(self, problems: list[tuple[dict, dict]]) -> list[tuple[State, State | None]]:
        """(final state, state it ends from) for each problem: as the world pins it, or at
        random from what is left of tickets.states (and tickets.ends_from)."""
        tickets = self.world["tickets"]
        pool: list[tuple[State, State | None]] = []
        for state, n in tickets["states"].items():
            sources = tickets.get("ends_from", {}).get(state) or {None: n}
            for source, k in sources.items():
                pool += [(State(state), State(source) if source else None)] * k
        self.rng.shuffle(pool)

        def take(problem: dict[str, Any]) -> tuple[State, State | None]:
            # a ticket pinned to an expert or university gets there: it ends after `resolved`
            staffed = "expert" in problem or "university" in problem
            ends = [k for k, (final, _) in enumerate(pool) if final == problem["state"]]
            return pool.pop(min(ends, key=lambda k: staffed and pool[k][1] not in NORMAL_END))

        pinned = [take(problem) if "state" in problem else None for _, problem in problems]
        rest = iter(pool)
        return [final or next(rest) for final in pinned]

    def _path(self, p: Plan) -> list[str]:
        """The shortest path to the final state, with detours where the ticket passes."""
        if p.source is None:
            actions = list(path_to(p.final))
        else:
            actions = [*path_to(p.source), str(final_action(p.source, p.final))]
        steps = ["create", *self._detours(State.DRAFT, not actions)]
        for i, action in enumerate(actions):
            steps += [action, *self._detours(BY_ACTION[action].target, i == len(actions) - 1)]
        return steps + second_steps(p.problem)  # a later cooperation, after the first's steps

    def _detours(self, state: State, ends: bool) -> list[str]:
        steps: list[str] = []
        for d in self.detours[state]:
            fits = {"any": True, "ends": ends, "passes": not ends}[d.get("when", "any")]
            possible = "transfer" not in d["steps"] or len(self.universities) > 1
            if fits and possible and self.rng.random() < d["chance"]:
                steps += d["steps"]
        return steps

    def _partners(self, enterprise: dict[str, Any]) -> dict[str, int]:
        return self.world["industries"][enterprise["industry"]].get("partners", {})

    def _university_sequence(self, p: Plan, hops: int) -> list[str]:
        """The universities a ticket is routed to, in order: the partner first, the pinned
        one (if any) last, consecutive ones different where the world has enough."""
        seq: list[str] = []
        for i in range(hops):
            banned = {*seq[-1:], *([p.force_university] if i == hops - 2 else [])}
            options = (  # the pinned one is avoided just before it only where there is choice
                {k: w for k, w in self._partners(p.enterprise).items() if k not in banned}
                or {k: 1 for k in self.universities if k not in banned}
                or {k: 1 for k in self.universities if k not in seq[-1:]}
            )
            if p.force_university and i == hops - 1:
                seq.append(p.force_university)
            elif (i == 0 and p.partner not in banned) or not options:
                seq.append(p.partner)
            else:
                seq.append(self._weighted(options))
        return seq

    def _schedule(self, p: Plan) -> list[datetime]:
        """Moments for the steps: in order, in working hours, before today."""
        rng, timing = self.rng, self.world["timing"]
        gaps = [self._gap(step, p) for step in p.steps]
        jitters = [rng.uniform(0, 540) for _ in p.steps]
        total = timedelta(hours=sum(gaps))
        if p.final in TERMINAL:
            latest = self.end - total - timedelta(days=2)
            span = max(0.0, (latest - self.start).total_seconds())
            anchor = self.start + timedelta(seconds=rng.uniform(0, span))
        else:
            if p.final == State.IN_PROGRESS:  # some are overdue, as in real life
                wait = self._resolve_target(p) / 24 * rng.uniform(*timing["in_progress_share"])
            else:
                wait = rng.uniform(*timing["wait_days"][p.final])
            # not before the window the campaigns cover (a long history then waits less)
            anchor = max(self.end - timedelta(days=wait) - total, self.start)
        times = _moments(anchor, gaps, jitters)
        over = times[-1] - (self.end - timedelta(hours=1))  # whole days keep working hours
        shift = timedelta(days=math.ceil(max(over, timedelta(0)) / timedelta(days=1)))
        return [moment - shift for moment in times]

    def _gap(self, step: str, p: Plan) -> float:
        """Hours before `step`."""
        timing = self.world["timing"]
        if step == "create":
            return 0.0
        if step == "resolve":
            late = timing["late_factor"] if self.rng.random() < timing["late_chance"] else 1
            return self._resolve_target(p) * self.rng.uniform(*timing["resolve_share"]) * late
        hours = timing["hours"]
        return self.rng.uniform(*hours.get(step, hours["comment"]))

    def _resolve_target(self, p: Plan) -> float:
        """Hours the zone's time targets allow for resolving a ticket of this priority."""
        return current_app.config["TIME_TARGETS"][f"resolve_{p.priority}"] * 24

    # -- running the plans through the real services -------------------------------------

    def run(self) -> None:
        queue = sorted((m, k, i) for k, p in enumerate(self.plans) for i, m in enumerate(p.times))
        for moment, index, i in queue:
            p = self.plans[index]
            with db.frozen_clock(moment):
                self._step(p, p.steps[i], moment.astimezone(db.ZONE_TIME).date())

    def _step(self, p: Plan, step: str, day: date) -> None:
        if step == "create":
            p.ticket = services.create_draft(
                p.filer,
                zone_code=self.zone["code"],
                enterprise_id=self.enterprises[p.enterprise["name"]].id,
                priority=p.priority,
                confidential=p.confidential,
                **{k: p.problem[k] for k in ("title", "description", "category")},
            )
            return
        ticket = p.ticket
        assert ticket is not None
        if step == "visit":  # the expert's visit record (走访记录), written the day of the visit
            texts = self.world["visits"].items()
            record = {key: self._fill(self.rng.choice(options), p) for key, options in texts}
            assert ticket.expert is not None
            services.record_visit(ticket, ticket.expert, visited_on=day, **record)
        elif step in self.world["comments"]:
            spec = self.world["comments"][step]
            texts = [*spec["texts"], *(spec.get("technical", []) if p.technical else [])]
            author = self._person(Who(spec["author"]), p, ticket)
            body = self._fill(self.rng.choice(texts), p)
            services.add_comment(ticket, author, body=body, internal=spec.get("internal", False))
        else:
            t = BY_ACTION[step]
            actor = self._actor(t, p, ticket)
            given = getattr(self, f"_{step}", None)
            data = given(p, ticket, day) if given else {}
            if "reason" in t.requires:
                data["reason"] = self._reason(step, p, data)
            transitions.perform(ticket, step, actor, **data)

    def _actor(self, t: Transition, p: Plan, ticket: Ticket) -> User:
        """The person the table names for `t`; now and then the zone administrator stands in
        (where the table lets an administrator act too)."""
        who = next((w for w in ACTING if w in t.who), Who.ADMIN)
        stand_in = Who.ADMIN in t.who and self.rng.random() < self.world["story"]["admin_stands_in"]
        return self.admin if stand_in else self._person(who, p, ticket)

    def _person(self, who: Who, p: Plan, ticket: Ticket) -> User:
        if who is Who.EXPERT:
            assert ticket.expert is not None
            return ticket.expert
        if who is Who.LIAISON:
            return self.liaisons[ticket.university_id]
        if who is Who.COMMISSIONER:
            return self.users[p.enterprise["commissioner"]]
        return p.filer if who is Who.FILER else self.admin

    def _reason(self, action: str, p: Plan, data: dict[str, Any]) -> str:
        texts = self.world["texts"][action]
        if isinstance(texts, dict):  # reopen: by kind of problem
            texts = texts["technical" if p.technical else "other"]
        university = db.session.get(University, data.get("university_id") or 0)
        return self.rng.choice(texts).format(university=university.name if university else "")

    # what an action is given beyond its reason: one method per action that needs more
    def _route(self, p: Plan, t: Ticket, _day: date) -> dict[str, Any]:
        return {"university_id": self.universities[p.universities.pop(0)].id}

    _transfer = _route

    def _assign_expert(self, p: Plan, t: Ticket, _day: date) -> dict[str, Any]:
        return {"expert_id": self._pick_expert(p, t).id}

    _reassign_expert = _assign_expert

    def _decline(self, p: Plan, t: Ticket, _day: date) -> dict[str, Any]:
        p.declined.add(t.expert_id or 0)
        return {}

    def _resolve(self, p: Plan, t: Ticket, day: date) -> dict[str, Any]:
        """A reopened ticket's first resolution was a first draft; the last one says more."""
        texts, resolution = self.world["texts"], p.problem["resolution"]
        if "reopen" in p.steps and p.resolves == 0:
            resolution = texts["first_resolution"] + resolution.split("。")[0] + "。"
        elif p.resolves:
            resolution += texts["reopen"]["done"]
        p.resolves += 1
        p.last_date = day
        return {"resolution": resolution}

    def _close(self, p: Plan, t: Ticket, _day: date) -> dict[str, Any]:
        score = self.rng.choice(self.world["story"]["satisfaction"])
        return {"satisfaction": score} if score else {}

    def _pick_expert(self, p: Plan, ticket: Ticket) -> User:
        """An expert of the ticket's university with room left, preferring one whose
        industries fit; the showcase expert keeps room for the tickets planned for them."""
        show = self.world["showcase"]
        reserved, reserve = self.users[show["expert"]], show.get("expert_reserve", 0)
        experts = self.experts[ticket.university_id]
        room = {e.id: e.expert_profile.capacity - open_ticket_count(e.id) for e in experts}
        free = [
            e for e in experts if e.id not in (ticket.expert_id, *p.declined) and room[e.id] > 0
        ]
        p.assignments_left -= 1
        # the preferred expert takes the last assignment, so that a decline or a reassignment
        # earlier in the history does not take the ticket away from them again
        if p.assignments_left == 0 and p.preferred_expert in free:
            chosen = p.preferred_expert
        else:
            free = [e for e in free if e is not reserved or room[e.id] > reserve]
            if not free:
                name = ticket.university.name if ticket.university else "?"
                raise WorldError(f"No expert of {name} has room for {ticket.number}: add some.")
            fit = {p.enterprise["industry"], "*"}
            pool = [
                e for e in free if fit & set(self.expert_tables[e.login].get("industries", "*"))
            ]
            pool = pool or free
            # spread the work: experts with fewer tickets so far are likelier to get this one
            weights = [1 / (1 + self.assigned[e.id]) for e in pool]
            chosen = self.rng.choices(pool, weights=weights)[0]
        self.assigned[chosen.id] += 1
        return chosen

    # -- small helpers -------------------------------------------------------------------

    def _weighted(self, options: dict[str, int]) -> str:
        keys = list(options)
        return self.rng.choices(keys, weights=[options[k] for k in keys])[0]

    def _contact(self, county: str) -> dict[str, str]:
        """A made-up contact person, telephone number and address in the county."""
        rng, names = self.rng, self.world["names"]
        street = rng.choice(self.zone.get("roads") or [""]) + f"{rng.randrange(1, 300)}号"
        return {
            "contact_name": rng.choice(names["surnames"]) + rng.choice(names["given"]),
            "contact_phone": self._phone(),
            "address": f"{self.zone['city']}{county}{street}",
        }

    def _phone(self) -> str:
        number = self.rng.choice("2568") + str(self.rng.randrange(10**5, 10**6))
        return f"{self.zone['phone_area']}-{number}"

    def _fill(self, text: str, p: Plan) -> str:
        expert = p.ticket.expert if p.ticket else None
        return text.format(
            product=p.enterprise["product"],
            enterprise=p.enterprise["name"],
            expert=expert.name if expert else "",
            contact=self.enterprises[p.enterprise["name"]].contact_name,
        )


def _moments(anchor: datetime, gaps: list[float], jitters: list[float]) -> list[datetime]:
    """The moments `gaps` hours apart after `anchor`, each moved forward into working hours
    (a jitter of minutes after opening time), to the whole second."""
    out: list[datetime] = []
    moment = anchor
    for gap, jitter in zip(gaps, jitters, strict=True):
        local = (moment + timedelta(hours=gap)).astimezone(db.ZONE_TIME)
        opening = local.replace(hour=OPENING[0], minute=OPENING[1], second=0, microsecond=0)
        if not opening <= local <= opening.replace(hour=CLOSING[0], minute=CLOSING[1]):
            local = opening + timedelta(days=1 if local > opening else 0, minutes=jitter)
        moment = local.replace(microsecond=0).astimezone(UTC)
        out.append(moment)
    return out
