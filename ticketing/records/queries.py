"""Reads for the work records, the university records and the rewards.

The yearly lists read the per-person-per-year tallies (records/tallies.py): one statement over
the rows of one year (commissioners × their enterprises, experts), never the ticket table. The
rewarded-outcomes list reads the rewards of one year (index on reward.year) and their tickets by
primary key, through permissions.public_tickets() for everyone but admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ticketing import db, permissions
from ticketing.accounts.models import Role, RoleGrant, User
from ticketing.errors import NotFound
from ticketing.orgs.models import Enterprise, University
from ticketing.outcomes.models import Outcome, Reward, RewardDecision, RewardSubject
from ticketing.records.models import CommissionerYear, ExpertYear
from ticketing.reports.models import TicketTally
from ticketing.tickets.models import Ticket
from ticketing.workflow import State

SOLVED = (
    State.RESOLVED,
    State.OUTCOME_INTENTION,
    State.OUTCOME_AGREEMENT,
    State.OUTCOME_LANDED,
    State.CLOSED,
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(total: int, n: int) -> float | None:
    return total / n if n else None


@dataclass
class CommissionerRow:
    id: int
    name: str
    year: int
    enterprises: int
    filed: int
    routed: int
    resolved: int
    rated: int
    rating_sum: int

    @property
    def share_routed(self) -> float | None:
        return _share(self.routed, self.filed)

    @property
    def share_resolved(self) -> float | None:
        return _share(self.resolved, self.filed)

    @property
    def satisfaction(self) -> float | None:
        return _mean(self.rating_sum, self.rated)


@dataclass
class ExpertRow:
    id: int
    name: str
    university: str | None
    year: int
    tickets: int
    started: int
    start_seconds: int
    resolved: int
    resolve_seconds: int
    rated: int
    rating_sum: int
    visits: int
    intentions: int
    agreements: int
    landed: int
    coop_rated: int
    coop_rating_sum: int

    @property
    def days_to_start(self) -> float | None:
        mean = _mean(self.start_seconds, self.started)
        return None if mean is None else mean / 86400

    @property
    def days_to_resolve(self) -> float | None:
        mean = _mean(self.resolve_seconds, self.resolved)
        return None if mean is None else mean / 86400

    @property
    def satisfaction(self) -> float | None:
        return _mean(self.rating_sum, self.rated)

    @property
    def coop_satisfaction(self) -> float | None:
        return _mean(self.coop_rating_sum, self.coop_rated)


def _is(role: str) -> Any:
    return exists().where(RoleGrant.user_id == User.id, RoleGrant.role == role)


def _n(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


def _commissioners() -> Select[Any]:
    t = CommissionerYear
    return (
        select(
            User.id,
            User.name,
            t.year,
            func.count(t.enterprise_id).filter(t.filed > 0),
            *(_n(getattr(t, c)) for c in ("filed", "routed", "resolved", "rated", "rating_sum")),
        )
        .join(User, User.id == t.commissioner_id)
        .where(_is(Role.COMMISSIONER))
        .group_by(User.id, User.name, t.year)
    )


def commissioner_rows(viewer: User, year: int) -> list[CommissionerRow]:
    """One row per commissioner with problems filed in `year`: all for an admin, their own
    for a commissioner."""
    query = _commissioners().where(CommissionerYear.year == year)
    if not permissions.is_admin(viewer):
        query = query.where(User.id == viewer.id)
    rows = db.rows(query.order_by(User.name, User.id))
    return [CommissionerRow(*row) for row in rows]


def commissioner_years(person_id: int) -> list[CommissionerRow]:
    query = _commissioners().where(CommissionerYear.commissioner_id == person_id)
    return [CommissionerRow(*row) for row in db.rows(query.order_by(CommissionerYear.year.desc()))]


EXPERT_COLUMNS = (
    "tickets",
    "started",
    "start_seconds",
    "resolved",
    "resolve_seconds",
    "rated",
    "rating_sum",
    "visits",
    "intentions",
    "agreements",
    "landed",
    "coop_rated",
    "coop_rating_sum",
)


def _experts() -> Select[Any]:
    t = ExpertYear
    return (
        select(
            User.id,
            User.name,
            University.name,
            t.year,
            *(getattr(t, c) for c in EXPERT_COLUMNS),
        )
        .join(User, User.id == t.expert_id)
        .outerjoin(University, University.id == User.university_id)
    )


def expert_filter(viewer: User) -> Any:
    """The experts whose records `viewer` sees: all for an admin, those of their university for
    a liaison, their own for an expert."""
    if permissions.is_admin(viewer):
        return None
    roles = viewer.roles
    clauses = []
    if Role.LIAISON in roles and viewer.university_id is not None:
        clauses.append(User.university_id == viewer.university_id)
    if Role.EXPERT in roles:
        clauses.append(User.id == viewer.id)
    return or_(*clauses) if clauses else false()


def expert_rows(viewer: User, year: int, university_id: int | None = None) -> list[ExpertRow]:
    query = _experts().where(ExpertYear.year == year)
    shown = expert_filter(viewer)
    if shown is not None:
        query = query.where(shown)
    if university_id is not None:
        query = query.where(User.university_id == university_id)
    rows = db.rows(query.order_by(University.name, User.name, User.id))
    return [ExpertRow(*row) for row in rows]


def expert_years(person_id: int) -> list[ExpertRow]:
    query = _experts().where(ExpertYear.expert_id == person_id)
    return [ExpertRow(*row) for row in db.rows(query.order_by(ExpertYear.year.desc()))]


def sees_commissioner(viewer: User, person_id: int) -> bool:
    return permissions.is_admin(viewer) or (
        viewer.id == person_id and Role.COMMISSIONER in viewer.roles
    )


def sees_expert(viewer: User, person: User) -> bool:
    if permissions.is_admin(viewer):
        return True
    roles = viewer.roles
    if Role.EXPERT in roles and viewer.id == person.id:
        return True
    return (
        Role.LIAISON in roles
        and viewer.university_id is not None
        and viewer.university_id == person.university_id
    )


def sees_university(viewer: User, university_id: int) -> bool:
    return permissions.is_admin(viewer) or (
        Role.LIAISON in viewer.roles and viewer.university_id == university_id
    )


def person(person_id: int, role: str) -> User:
    """A user who holds `role`, with their university, or NotFound."""
    query = select(User).options(joinedload(User.university))
    user = db.session.scalar(query.where(User.id == person_id, _is(role)))
    if user is None:
        raise NotFound("person")
    return user


@dataclass
class UniversityRecord:
    university: University
    received: int  # tickets with this university now (all years)
    solved: int
    experts: list[ExpertRow]

    def total(self, column: str) -> int:
        return sum(getattr(row, column) for row in self.experts)

    @property
    def satisfaction(self) -> float | None:
        return _mean(self.total("rating_sum"), self.total("rated"))

    @property
    def coop_satisfaction(self) -> float | None:
        return _mean(self.total("coop_rating_sum"), self.total("coop_rated"))


def university_record(viewer: User, university_id: int, year: int) -> UniversityRecord:
    """The university with its tickets (from the dashboard's tallies) and its experts' year."""
    tally = TicketTally
    query = select(
        University,
        select(_n(tally.n)).where(tally.university_id == University.id).scalar_subquery(),
        select(_n(tally.n))
        .where(tally.university_id == University.id, tally.state.in_(SOLVED))
        .scalar_subquery(),
    ).where(University.id == university_id)
    found = db.session.execute(query).first()
    if found is None:
        raise NotFound("university")
    experts = expert_rows(viewer, year, university_id)
    return UniversityRecord(found[0], int(found[1]), int(found[2]), experts)


@dataclass
class RewardedOutcome:
    reward_id: int
    number: str | None
    title: str  # the ticket's title, or 保密问题
    cooperation: str | None
    enterprise: str | None
    university: str | None
    reward: str
    amount: Decimal | None
    ticket_number: str | None  # for the link, when the viewer may follow it


def rewarded_outcomes(viewer: User, year: int) -> list[RewardedOutcome]:
    """The outcomes awarded a reward in `year`; confidential tickets masked for all but admins."""
    admin = permissions.is_admin(viewer)
    partner = aliased(University)
    query = (
        permissions.public_tickets()
        .add_columns(
            Reward.id.label("reward_id"),
            Outcome.title.label("cooperation"),
            partner.name.label("university"),
            Reward.name.label("reward"),
            Reward.amount,
        )
        .join(Outcome, Outcome.ticket_id == Ticket.id)
        .join(Reward, Reward.outcome_id == Outcome.id)
        .outerjoin(partner, partner.id == Outcome.university_id)
        .where(
            Reward.year == year,
            Reward.subject == RewardSubject.OUTCOME,
            Reward.decision == RewardDecision.AWARDED,
        )
        .order_by(Reward.name, Reward.id)
    )
    if admin:  # the admin sees the confidential ones in full
        query = query.add_columns(
            Ticket.number.label("true_number"),
            Ticket.title.label("true_title"),
            Enterprise.name.label("true_enterprise"),
        )
    found = []
    for row in db.rows(query):
        m = row._mapping
        number = m["true_number"] if admin else m["number"]
        title = m["true_title"] if admin else m["title"]
        found.append(
            RewardedOutcome(
                reward_id=m["reward_id"],
                number=number,
                title=title if title is not None else str(permissions.CONFIDENTIAL_TITLE),
                cooperation=m["cooperation"] if number is not None else None,
                enterprise=m["true_enterprise"] if admin else m["enterprise"],
                university=m["university"],
                reward=m["reward"],
                amount=m["amount"],
                ticket_number=number,
            )
        )
    return found


@dataclass
class Nomination:
    id: int
    subject: str
    year: int
    name: str
    reason: str
    decision: str
    amount: Decimal | None
    ticket_number: str | None
    cooperation: str | None
    commissioner: str | None


def nominations(
    decision: str | None = RewardDecision.NOMINATED, limit: int = 200
) -> list[Nomination]:
    """Nominations (waiting for a decision by default), newest year first; admins only."""
    commissioner = aliased(User)
    query = (
        select(
            Reward.id,
            Reward.subject,
            Reward.year,
            Reward.name,
            Reward.reason,
            Reward.decision,
            Reward.amount,
            Ticket.number,
            Outcome.title,
            commissioner.name,
        )
        .outerjoin(Outcome, Outcome.id == Reward.outcome_id)
        .outerjoin(Ticket, Ticket.id == Outcome.ticket_id)
        .outerjoin(commissioner, commissioner.id == Reward.commissioner_id)
        .order_by(Reward.year.desc(), Reward.id.desc())
        .limit(limit)
    )
    if decision is not None:
        query = query.where(Reward.decision == decision)
    return [Nomination(*row) for row in db.rows(query)]


def commissioner_awards(person_id: int) -> list[Reward]:
    query = (
        select(Reward)
        .where(
            and_(
                Reward.commissioner_id == person_id,
                Reward.subject == RewardSubject.COMMISSIONER,
            )
        )
        .order_by(Reward.year.desc(), Reward.id.desc())
    )
    return list(db.session.scalars(query))


def commissioners_to_choose() -> list[tuple[int, str]]:
    query = select(User.id, User.name).where(_is(Role.COMMISSIONER), User.active.is_(True))
    return [(row[0], row[1]) for row in db.rows(query.order_by(User.name, User.id))]


def get_reward(reward_id: int) -> Reward:
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("reward")
    return reward
