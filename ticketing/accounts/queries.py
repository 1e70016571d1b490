"""Reads of people that pages share: the user list, a user, experts to pick, open work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, undefer

from ticketing import db, listing
from ticketing.accounts.models import ExpertProfile, Role, RoleGrant, User
from ticketing.errors import NotFound
from ticketing.listing import ListPage
from ticketing.tickets.models import Ticket
from ticketing.values import row_id
from ticketing.workflow import EXPERT_WORKING


def all_users(args: Any) -> ListPage:
    """A page of people in name order (whose name or login contains `q`, if given), with their
    university: one statement (roles and enterprises come along)."""
    query = select(User).options(
        joinedload(User.university), undefer(User.role_list), undefer(User.enterprise_list)
    )
    q = listing.search_text(args)
    if q:
        pattern = listing.like(q)
        query = query.where(
            or_(User.name.like(pattern, escape="\\"), User.login.like(pattern, escape="\\"))
        )
    return listing.page_of(
        query, User.name, User.id, args, lambda statement: list(db.session.scalars(statement))
    )


def get_user_or_404(user_id: int | None) -> User | None:
    """The user to edit, None for a new one; NotFound for an id that names nobody."""
    if user_id is None:
        return None
    wanted = row_id(user_id)
    user = db.session.get(User, wanted) if wanted else None
    if user is None:
        raise NotFound("user")
    return user


def open_assignments(user_id: int) -> list[Ticket]:
    """Tickets assigned to this person now and not yet resolved (their open work)."""
    query = (
        select(Ticket)
        .where(Ticket.expert_id == user_id, Ticket.state.in_(EXPERT_WORKING))
        .order_by(Ticket.number)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ExpertChoice:
    """An expert as the liaison choosing one sees them: who fits, and who has room."""

    id: int
    name: str
    title: str
    expertise: str
    open: int  # tickets assigned to them and not yet resolved
    capacity: int
    last_assigned_at: datetime | None

    @property
    def full(self) -> bool:
        return self.open >= self.capacity

    def days_since_assigned(self, now: datetime) -> int | None:
        if self.last_assigned_at is None:
            return None
        return max(0, (now - self.last_assigned_at).days)


def expert_choices(university_id: int | None) -> list[ExpertChoice]:
    """Active experts of a university with their title, fields of expertise, open tickets
    against their capacity and last assignment, in one statement: those with room first,
    then whoever has waited longest for a ticket."""
    if university_id is None:
        return []
    load = (
        select(func.count(Ticket.id))
        .where(Ticket.expert_id == User.id, Ticket.state.in_(EXPERT_WORKING))
        .correlate(User)
        .scalar_subquery()
    )
    query = (
        select(
            User.id,
            User.name,
            func.coalesce(ExpertProfile.title, ""),
            func.coalesce(ExpertProfile.expertise, ""),
            load,
            func.coalesce(ExpertProfile.capacity, 0),
            ExpertProfile.last_assigned_at,
        )
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .where(
            RoleGrant.role == Role.EXPERT,
            User.university_id == university_id,
            User.active.is_(True),
        )
        .order_by(User.name)
    )
    experts = [ExpertChoice(*row) for row in db.session.execute(query)]
    never = datetime.min.replace(tzinfo=UTC)
    experts.sort(key=lambda e: (e.full, e.last_assigned_at or never, e.name))
    return experts
