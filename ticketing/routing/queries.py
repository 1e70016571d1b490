"""The reads behind routing suggestions: each a fixed number of statements, none scanning the
ticket table (the open work per expert is counted through ix_ticket_expert_state; the rest
comes from the profiles, the dashboard's ticket_tally and the work records' expert_year)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select

from ticketing import db
from ticketing.accounts.models import ExpertProfile, Role, RoleGrant, User
from ticketing.records.models import ExpertYear
from ticketing.reports.models import TicketTally
from ticketing.routing.models import ExpertCategory, ExpertTerm
from ticketing.routing.profiles import SOLVED
from ticketing.tickets.models import Ticket
from ticketing.workflow import EXPERT_WORKING


@dataclass(frozen=True)
class Candidate:
    """An active expert as routing sees them."""

    id: int
    name: str
    university_id: int
    title: str
    expertise: str
    open: int  # tickets assigned to them and not yet resolved
    capacity: int


def candidates(university_id: int | None = None, with_load: bool = True) -> list[Candidate]:
    """The active experts (of one university, or of every university) with their open work,
    in one statement. Without `with_load` their open work is left at 0: counting it for every
    expert of the zone reads every open ticket's index entry; the university ranking takes
    each university's open work from the dashboard's ticket_tally instead (university_work)."""
    load = (
        select(func.count())
        .where(Ticket.expert_id == User.id, Ticket.state.in_(sorted(EXPERT_WORKING)))
        .correlate(User)
        .scalar_subquery()
        if with_load
        else literal(0)
    )
    query = (
        select(
            User.id,
            User.name,
            User.university_id,
            func.coalesce(ExpertProfile.title, ""),
            func.coalesce(ExpertProfile.expertise, ""),
            load,
            func.coalesce(ExpertProfile.capacity, 0),
        )
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .where(RoleGrant.role == Role.EXPERT, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    if university_id is None:
        query = query.where(User.university_id.is_not(None))
    else:
        query = query.where(User.university_id == university_id)
    return [Candidate(*row) for row in db.session.execute(query)]


def term_counts(terms: Iterable[str]) -> dict[str, dict[int, int]]:
    """For each of the terms, how many solved problems of each expert have it (every expert:
    how widely a term is spread tells how much it says). Read through ix_expert_term_term."""
    wanted = sorted(set(terms))
    found: dict[str, dict[int, int]] = defaultdict(dict)
    if not wanted:
        return found
    query = select(ExpertTerm.term, ExpertTerm.expert_id, ExpertTerm.n).where(
        ExpertTerm.term.in_(wanted), ExpertTerm.n > 0
    )
    for term, expert_id, n in db.session.execute(query):
        found[term][expert_id] = n
    return found


@dataclass
class Record:
    """An expert's solved problems (all, and of the ticket's category), how fast they
    resolved and how they were rated."""

    solved: int = 0
    in_category: int = 0
    resolved: int = 0
    resolve_seconds: int = 0
    rated: int = 0
    rating_sum: int = 0

    @property
    def days_to_resolve(self) -> float | None:
        return self.resolve_seconds / self.resolved / 86400 if self.resolved else None

    @property
    def satisfaction(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None


def records(expert_ids: Iterable[int], category: str, years: bool = True) -> dict[int, Record]:
    """Each expert's record, in two statements (expert_category, expert_year by year); with
    years=False only the solved problems, in one."""
    ids = sorted(set(expert_ids))
    found = {expert_id: Record() for expert_id in ids}
    if not ids:
        return found
    query = select(ExpertCategory.expert_id, ExpertCategory.category, ExpertCategory.n).where(
        ExpertCategory.expert_id.in_(ids)
    )
    for expert_id, kind, n in db.session.execute(query):
        found[expert_id].solved += n
        if kind == category:
            found[expert_id].in_category += n
    if not years:
        return found
    years = (
        select(
            ExpertYear.expert_id,
            func.sum(ExpertYear.resolved),
            func.sum(ExpertYear.resolve_seconds),
            func.sum(ExpertYear.rated),
            func.sum(ExpertYear.rating_sum),
        )
        .where(ExpertYear.expert_id.in_(ids))
        .group_by(ExpertYear.expert_id)
    )
    for expert_id, resolved, seconds, rated, rating_sum in db.session.execute(years):
        record = found[expert_id]
        record.resolved, record.resolve_seconds = int(resolved or 0), int(seconds or 0)
        record.rated, record.rating_sum = int(rated or 0), int(rating_sum or 0)
    return found


def university_work(category: str) -> dict[int, tuple[int, int]]:
    """For each university, (problems of the category it holds solved, tickets its experts
    work on now): one statement over the dashboard's ticket_tally (a few hundred rows)."""
    of_category = and_(TicketTally.category == category, TicketTally.state.in_(sorted(SOLVED)))
    solved = case((of_category, TicketTally.n), else_=0)
    working = case((TicketTally.state.in_(sorted(EXPERT_WORKING)), TicketTally.n), else_=0)
    query = (
        select(TicketTally.university_id, func.sum(solved), func.sum(working))
        .where(TicketTally.university_id != 0)
        .group_by(TicketTally.university_id)
    )
    return {uid: (int(a or 0), int(b or 0)) for uid, a, b in db.session.execute(query)}
