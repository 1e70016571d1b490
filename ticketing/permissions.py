"""Who may see and do what. The one place that decides visibility.

`visible_tickets(user)` is the where-clause every list, search, export, report, API call and
attachment download uses. `public_tickets()` is where every list shown beyond the people
involved starts: confidential tickets there are only "保密问题" with category and park.
`holds()` answers the relations the transition table names; `can()` answers the actions
outside the workflow (edit, comment, attach …).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, exists, false, null, or_, select, true

from ticketing import db
from ticketing.accounts.models import Role, User, commissioner_enterprise
from ticketing.errors import NotAllowed
from ticketing.orgs.models import Enterprise, Park
from ticketing.tickets.models import Ticket, TicketExpert, TicketUniversity
from ticketing.workflow import TERMINAL, State, Who


def is_admin(user: Any) -> bool:
    """A signed-in, active zone administrator (anonymous visitors are not)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active) and (
        Role.ADMIN in user.roles
    )


def require_admin(user: User, message: Any) -> None:
    """For services that only zone administrators may call."""
    if not is_admin(user):
        raise NotAllowed(message)


def visible_tickets(user: User) -> ColumnElement[bool]:
    """A filter on Ticket: the tickets `user` may see. Drafts: only their filer."""
    if not user.is_active:
        return false()
    roles = user.roles
    not_draft = Ticket.state != State.DRAFT
    clauses: list[ColumnElement[bool]] = [and_(Ticket.filer_id == user.id, ~not_draft)]
    if Role.ADMIN in roles:
        clauses.append(true())
    if Role.COMMISSIONER in roles:
        mine = select(commissioner_enterprise.c.enterprise_id).where(
            commissioner_enterprise.c.user_id == user.id
        )
        clauses.append(Ticket.enterprise_id.in_(mine))
    if Role.LIAISON in roles and user.university_id is not None:
        clauses.append(
            exists().where(
                TicketUniversity.ticket_id == Ticket.id,
                TicketUniversity.university_id == user.university_id,
            )
        )
    if Role.EXPERT in roles:
        clauses.append(
            exists().where(TicketExpert.ticket_id == Ticket.id, TicketExpert.expert_id == user.id)
        )
    others = or_(*clauses[1:]) if len(clauses) > 1 else false()
    return or_(clauses[0], and_(not_draft, others))


def holds(user: User, who: Who, ticket: Ticket) -> bool:
    """Whether `user` stands in relation `who` to `ticket` right now."""
    roles = user.roles
    if who is Who.FILER:  # and still allowed to file for the enterprise
        return ticket.filer_id == user.id and (
            Role.ADMIN in roles
            or (Role.COMMISSIONER in roles and ticket.enterprise_id in user.enterprise_ids)
        )
    if who is Who.ADMIN:
        return Role.ADMIN in roles
    if who is Who.COMMISSIONER:
        return Role.COMMISSIONER in roles and ticket.enterprise_id in user.enterprise_ids
    if who is Who.LIAISON:
        return (
            Role.LIAISON in roles
            and ticket.university_id is not None
            and ticket.university_id == user.university_id
        )
    if who is Who.EXPERT:
        return Role.EXPERT in roles and ticket.expert_id == user.id
    return False


def can_view(user: User, ticket: Ticket) -> bool:
    """The Python twin of visible_tickets() for one loaded ticket (tests keep them equal)."""
    if not user.is_active:
        return False
    if ticket.state == State.DRAFT:
        return ticket.filer_id == user.id
    if Role.ADMIN in user.roles or holds(user, Who.COMMISSIONER, ticket):
        return True
    query = select(Ticket.id).where(Ticket.id == ticket.id, visible_tickets(user))
    return db.session.scalar(query) is not None


def is_staff_on(user: User, ticket: Ticket) -> bool:
    """Admins, the current liaison and the current expert: they may write internal notes."""
    return any(holds(user, who, ticket) for who in (Who.ADMIN, Who.LIAISON, Who.EXPERT))


def can_see_internal(user: User, ticket: Ticket) -> bool:
    """Internal notes: admins, and liaisons and experts who see the ticket in that role."""
    roles = user.roles
    if Role.ADMIN in roles:
        return True
    return bool({Role.LIAISON, Role.EXPERT} & roles) and (
        holds(user, Who.LIAISON, ticket)
        or holds(user, Who.EXPERT, ticket)
        or _linked_as_staff(user, ticket)
    )


def _linked_as_staff(user: User, ticket: Ticket) -> bool:
    conditions = []
    if Role.LIAISON in user.roles and user.university_id is not None:
        conditions.append(
            exists().where(
                TicketUniversity.ticket_id == ticket.id,
                TicketUniversity.university_id == user.university_id,
            )
        )
    if Role.EXPERT in user.roles:
        conditions.append(
            exists().where(TicketExpert.ticket_id == ticket.id, TicketExpert.expert_id == user.id)
        )
    if not conditions:
        return False
    return bool(db.session.scalar(select(or_(*conditions))))


def can(user: User, action: str, ticket: Ticket) -> bool:
    """Actions outside the transition table."""
    if not user.is_active:
        return False
    if action == "edit":
        return ticket.state in (State.DRAFT, State.SUBMITTED) and (
            holds(user, Who.FILER, ticket)
            or holds(user, Who.COMMISSIONER, ticket)
            or holds(user, Who.ADMIN, ticket)
        )
    if action == "set_confidential":
        return ticket.state not in TERMINAL and (
            holds(user, Who.FILER, ticket) or holds(user, Who.ADMIN, ticket)
        )
    if action in ("comment", "attach"):
        if ticket.state == State.DRAFT:
            return holds(user, Who.FILER, ticket)
        return ticket.state not in TERMINAL and (
            holds(user, Who.COMMISSIONER, ticket)
            or holds(user, Who.FILER, ticket)
            or is_staff_on(user, ticket)
        )
    if action == "record_visit":
        return ticket.state == State.IN_PROGRESS and holds(user, Who.EXPERT, ticket)
    if action == "internal_note":
        return ticket.state not in TERMINAL and is_staff_on(user, ticket)
    return False


CONFIDENTIAL_TITLE = _l("Confidential problem")


@dataclass(frozen=True)
class PublicTicket:
    """A ticket as any list beyond the people involved shows it (fair agendas, open
    challenges, exports, reports with titles). A confidential one keeps only its category,
    park and state: number, title, description and enterprise are None."""

    id: int
    number: str | None
    title: str | None
    description: str | None
    enterprise: str | None
    category: str
    park: str | None
    state: str
    confidential: bool

    @property
    def shown_title(self) -> str:
        return self.title if self.title is not None else str(CONFIDENTIAL_TITLE)


def public_tickets() -> Select[Any]:
    """The one query that public and cross-organisation lists start from: filed tickets with
    the confidential ones masked in the database, so their text never leaves it. Add where-
    clauses and an order, then read the rows with public_rows()."""
    hidden = Ticket.confidential.is_(True)

    def masked(column: Any, name: str) -> Any:
        return case((hidden, null()), else_=column).label(name)

    return (
        select(
            Ticket.id,
            masked(Ticket.number, "number"),
            masked(Ticket.title, "title"),
            masked(Ticket.description, "description"),
            masked(Enterprise.name, "enterprise"),
            Ticket.category,
            Park.name.label("park"),
            Ticket.state,
            Ticket.confidential,
        )
        .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .outerjoin(Park, Park.id == Enterprise.park_id)
        .where(Ticket.state != State.DRAFT)
    )


def public_rows(query: Select[Any]) -> list[PublicTicket]:
    return [PublicTicket(**row._mapping) for row in db.session.execute(query)]
