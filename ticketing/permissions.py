"""Who may see and do what. The one place that decides visibility.

`visible_tickets(user)` is the where-clause every list, search, export, report, API call and
attachment download uses. `public_tickets()` is where every list shown beyond the people
involved starts: confidential tickets there are only "保密问题" with category and park.
`holds()` answers the relations the transition table names; `can()` answers the actions
outside the workflow (edit, comment, attach …).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    null,
    or_,
    select,
)

from ticketing import db
from ticketing.accounts.models import Role, User
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


@dataclass(frozen=True)
class Viewer:
    """What the visibility rule depends on besides the ids it compares with."""

    active: bool
    admin: bool
    commissioner: bool
    liaison: bool  # a liaison with a university
    expert: bool


def viewer(user: User) -> Viewer:
    roles = user.roles
    return Viewer(
        active=bool(user.is_active),
        admin=Role.ADMIN in roles,
        commissioner=Role.COMMISSIONER in roles,
        liaison=Role.LIAISON in roles and user.university_id is not None,
        expert=Role.EXPERT in roles,
    )


def viewer_params(user: User) -> dict[str, Any]:
    """The values of the rule's parameters for `user`."""
    return {
        "viewer_id": user.id,
        "viewer_university": user.university_id or 0,
        "viewer_enterprises": sorted(user.enterprise_ids),
    }


@dataclass(frozen=True)
class _Ids:
    """The viewer's ids as the rule compares with them: bound parameters or values."""

    viewer: Any
    university: Any
    enterprises: Any


BOUND = _Ids(
    viewer=bindparam("viewer_id", type_=Integer),
    university=bindparam("viewer_university", type_=Integer),
    enterprises=bindparam("viewer_enterprises", expanding=True),
)


@cache
def visibility(who: Viewer) -> ColumnElement[bool]:
    """The rule for one kind of viewer with the ids as parameters (viewer_params()), so that a
    statement built on it is built once and reused."""
    return _rule(who, BOUND)


def visible_tickets(user: User) -> ColumnElement[bool]:
    """A filter on Ticket: the tickets `user` may see (the rule, with the user's ids)."""
    ids = _Ids(user.id, user.university_id or 0, sorted(user.enterprise_ids))
    return _rule(viewer(user), ids)


def _rule(who: Viewer, ids: _Ids) -> ColumnElement[bool]:
    """Drafts only for their filer; the rest for an admin, for the commissioners of the
    enterprise, for the liaisons of every university the ticket was routed to and for every
    expert it was assigned to."""
    if not who.active:
        return false()
    not_draft = Ticket.state != State.DRAFT
    own_draft = and_(Ticket.filer_id == ids.viewer, Ticket.state == State.DRAFT)
    if who.admin:
        return or_(own_draft, not_draft)
    clauses: list[ColumnElement[bool]] = []
    if who.commissioner:
        clauses.append(Ticket.enterprise_id.in_(ids.enterprises))
    if who.liaison:
        clauses.append(  # the current university first: it needs no look-up
            or_(
                Ticket.university_id == ids.university,
                exists().where(
                    TicketUniversity.ticket_id == Ticket.id,
                    TicketUniversity.university_id == ids.university,
                ),
            )
        )
    if who.expert:
        clauses.append(
            or_(
                Ticket.expert_id == ids.viewer,
                exists().where(
                    TicketExpert.ticket_id == Ticket.id, TicketExpert.expert_id == ids.viewer
                ),
            )
        )
    if not clauses:
        return own_draft
    return or_(own_draft, and_(not_draft, or_(*clauses)))


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
    if ticket.state == State.DRAFT and not holds(user, Who.FILER, ticket):
        return False  # a draft is its filer's alone, whoever asks (an administrator too)
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


def sees_enterprise_page(user: User, enterprise: Enterprise) -> bool:
    """An enterprise's page, without looking at tickets: admins, its commissioners and the
    liaisons of its partner university. Everyone else who sees one of its tickets may see it
    too (the page's ticket list, read through visible_tickets(), tells)."""
    if not user.is_active:
        return False
    roles = user.roles
    if Role.ADMIN in roles:
        return True
    if Role.COMMISSIONER in roles and enterprise.id in user.enterprise_ids:
        return True
    partner = enterprise.partner_university_id
    return Role.LIAISON in roles and partner is not None and partner == user.university_id


def can_see_contact(user: User, ticket: Ticket) -> bool:
    """The enterprise's contact person, phone and address on a ticket: the people who work
    with the enterprise on it now (admins, its commissioners, the liaison, the expert)."""
    return user.is_active and any(
        holds(user, who, ticket) for who in (Who.ADMIN, Who.COMMISSIONER, Who.LIAISON, Who.EXPERT)
    )


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
