"""Writes on fairs and ceremonies: create and edit them, pick the problems they present, and
record the cooperations whose intention was reached or agreement signed at them.

Only zone administrators run fairs. Each service checks and coerces its own input and raises
RuleViolation(field, message); it flushes and never commits (writes.run() does).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from ticketing import db, permissions
from ticketing.accounts.models import User
from ticketing.campaigns.models import Campaign
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.fairs.models import Fair, FairKind, FairTicket
from ticketing.orgs.models import Park, University
from ticketing.outcomes.models import Outcome
from ticketing.tickets import history
from ticketing.tickets.models import Ticket
from ticketing.values import clean_text, row_id
from ticketing.workflow import State, Who

ADMINS_ONLY = _l("Only zone administrators run fairs and ceremonies.")
FAIR_FIELDS = (
    "kind",
    "title",
    "held_on",
    "place",
    "park_id",
    "campaign_id",
    "agenda",
    "university_ids",
)
# the problems a fair may present: filed and not yet finished or turned into a cooperation
PRESENTABLE = (
    State.SUBMITTED,
    State.UNIVERSITY_ASSIGNED,
    State.EXPERT_ASSIGNED,
    State.IN_PROGRESS,
    State.RESOLVED,
)
AGENDA_LIMIT = 5000
MAX_PROBLEMS = 500


class Stage(StrEnum):
    INTENTION = "intention"
    AGREEMENT = "agreement"


STAGE_LABELS = {
    Stage.INTENTION: _l("Cooperation intention reached"),
    Stage.AGREEMENT: _l("Agreement signed"),
}


def save_fair(fair: Fair | None, actor: User, **data: Any) -> Fair:
    """Create (fair=None) or update a fair or ceremony with its invited universities."""
    permissions.require_admin(actor, ADMINS_ONLY)
    unknown = set(data) - set(FAIR_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    kind = str(data.get("kind") or "")
    if kind not in set(FairKind):
        raise RuleViolation("kind", _l("Choose one from the list."))
    title = clean_text("title", data.get("title"), limit=200, line=True)
    held_on = _day("held_on", data.get("held_on"))
    place = clean_text("place", data.get("place"), limit=200, line=True)
    agenda = clean_text("agenda", data.get("agenda"), limit=AGENDA_LIMIT, required=False)
    park_id = _ref(Park, data.get("park_id"), "park_id", fair.park_id if fair else None)
    campaign_id = _ref(Campaign, data.get("campaign_id"), "campaign_id")
    universities = _universities(data.get("university_ids"), fair)
    if fair is not None and kind == FairKind.CEREMONY and fair.kind != FairKind.CEREMONY:
        reached = select(Outcome.id).where(Outcome.intention_fair_id == fair.id).limit(1)
        if db.session.scalar(reached) is not None:
            raise RuleViolation(
                "kind",
                _l("Cooperation intentions were recorded at this fair; it cannot be a ceremony."),
            )
    if fair is None:
        fair = Fair(created_at=db.utcnow())
        db.session.add(fair)
    fair.kind, fair.title, fair.held_on, fair.place = kind, title, held_on, place
    fair.agenda, fair.park_id, fair.campaign_id = agenda, park_id, campaign_id
    fair.universities = universities
    db.session.flush()
    return fair


def _day(field: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RuleViolation(field, _l("Enter a date like 2026-05-20.")) from None


def _ref(model: Any, value: Any, field: str, kept: int | None = None) -> int | None:
    """The id of a row of `model` (an active one, or the one the fair has already), or None."""
    if value in (None, "", 0, "0"):
        return None
    wanted = row_id(value)
    row = db.session.get(model, wanted) if wanted else None
    if row is None or (not getattr(row, "active", True) and row.id != kept):
        raise RuleViolation(field, _l("Choose one from the list."))
    return row.id


def _universities(value: Any, fair: Fair | None) -> list[University]:
    if value in (None, ""):
        return []
    if isinstance(value, str | int):
        value = [value]
    wanted = set()
    for item in value:
        ident = row_id(item)
        if ident is None:
            raise RuleViolation("university_ids", _l("Choose universities from the list."))
        wanted.add(ident)
    kept = {u.id for u in fair.universities} if fair is not None else set()
    found = list(db.session.scalars(select(University).where(University.id.in_(sorted(wanted)))))
    if len(found) != len(wanted) or any(not u.active and u.id not in kept for u in found):
        raise RuleViolation("university_ids", _l("Choose universities from the list."))
    return sorted(found, key=lambda u: u.name)


def _ticket(field: str, value: Any) -> Ticket:
    """A filed ticket by its id or its number."""
    ident = row_id(value)
    if ident is not None:
        ticket = db.session.get(Ticket, ident)
    else:
        number = " ".join(str(value or "").split()).upper()
        ticket = (
            db.session.scalar(select(Ticket).where(Ticket.number == number)) if number else None
        )
    if ticket is None or ticket.state == State.DRAFT:
        raise RuleViolation(field, _l("No ticket has this number."))
    return ticket


def add_problem(fair: Fair, actor: User, *, ticket_id: Any) -> FairTicket:
    """Present an open problem at the fair, after the ones already on its list."""
    permissions.require_admin(actor, ADMINS_ONLY)
    ticket = _ticket("ticket_id", ticket_id)
    if ticket.state not in PRESENTABLE:
        raise RuleViolation(
            "ticket_id", _l("Only open or resolved problems can be presented at a fair.")
        )
    rows = select(FairTicket.ticket_id).where(FairTicket.fair_id == fair.id)
    if db.session.scalar(rows.where(FairTicket.ticket_id == ticket.id)) is not None:
        raise RuleViolation("ticket_id", _l("This problem is on the fair's list already."))
    last, count = db.session.execute(
        select(func.max(FairTicket.position), func.count()).where(FairTicket.fair_id == fair.id)
    ).one()
    if count >= MAX_PROBLEMS:
        raise RuleViolation(
            "ticket_id", _l("A fair presents at most %(n)d problems.", n=MAX_PROBLEMS)
        )
    row = FairTicket(fair_id=fair.id, ticket_id=ticket.id, position=(last or 0) + 1)
    db.session.add(row)
    db.session.flush()
    return row


def remove_problem(fair: Fair, actor: User, *, ticket_id: Any) -> None:
    permissions.require_admin(actor, ADMINS_ONLY)
    ident = row_id(ticket_id)
    done = db.session.execute(
        delete(FairTicket).where(
            FairTicket.fair_id == fair.id, FairTicket.ticket_id == (ident or 0)
        )
    )
    if not done.rowcount:
        raise RuleViolation("ticket_id", _l("This problem is not on the fair's list."))
    db.session.flush()


def move_problem(fair: Fair, actor: User, *, ticket_id: Any, direction: Any) -> None:
    """Move a problem one place up or down the fair's list (swaps it with its neighbour)."""
    permissions.require_admin(actor, ADMINS_ONLY)
    if direction not in ("up", "down"):
        raise RuleViolation("direction", _l("Choose one from the list."))
    rows = list(
        db.session.scalars(
            select(FairTicket)
            .where(FairTicket.fair_id == fair.id)
            .order_by(FairTicket.position, FairTicket.ticket_id)
        )
    )
    ident = row_id(ticket_id)
    at = next((n for n, row in enumerate(rows) if row.ticket_id == ident), None)
    if at is None:
        raise RuleViolation("ticket_id", _l("This problem is not on the fair's list."))
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(rows):
        return
    for n, row in enumerate(rows):  # renumber 1…n so that equal positions cannot stick
        row.position = n + 1
    rows[at].position, rows[other].position = rows[other].position, rows[at].position
    db.session.flush()


def link_cooperation(fair: Fair, cooperation: Outcome, stage: Any, actor: User) -> Outcome:
    """Record that `cooperation`'s intention was reached (stage "intention") or its agreement
    signed (stage "agreement") at `fair`, with an event in its ticket's history. A ceremony
    takes agreements only; an agreement must have been signed; a cooperation is linked to one
    fair per stage."""
    ticket = db.session.get(Ticket, cooperation.ticket_id)
    if ticket is None or not permissions.holds(actor, Who.ADMIN, ticket) or not actor.is_active:
        raise NotAllowed(ADMINS_ONLY)
    if stage not in set(Stage):
        raise RuleViolation("stage", _l("Choose one from the list."))
    if stage == Stage.INTENTION and fair.kind == FairKind.CEREMONY:
        raise RuleViolation(
            "stage", _l("A signing ceremony records agreements, not cooperation intentions.")
        )
    if stage == Stage.AGREEMENT and cooperation.agreement_date is None:
        raise RuleViolation("stage", _l("This cooperation has no signed agreement yet."))
    column = "intention_fair_id" if stage == Stage.INTENTION else "agreement_fair_id"
    linked = getattr(cooperation, column)
    if linked == fair.id:
        raise RuleViolation("number", _l("This cooperation is recorded at this fair already."))
    if linked is not None:
        raise RuleViolation(
            "number", _l("This cooperation is recorded at another fair for this stage.")
        )
    setattr(cooperation, column, fair.id)
    db.session.flush()
    details = {
        "fair_id": fair.id,
        "fair": fair.title,
        "stage": str(stage),
        "cooperation_id": cooperation.id,
    }
    history.record(ticket, actor, "fair_link", None, None, details)
    return cooperation


def link_by_number(fair: Fair, actor: User, *, number: Any, stage: Any) -> Outcome:
    """From the fair page: the cooperation of the ticket with this number that the stage
    fits (the latest one not yet recorded at a fair for it), linked by link_cooperation()."""
    permissions.require_admin(actor, ADMINS_ONLY)
    ticket = _ticket("number", number)
    if stage not in set(Stage):
        raise RuleViolation("stage", _l("Choose one from the list."))
    cooperations = list(
        db.session.scalars(
            select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id.desc())
        )
    )
    if not cooperations:
        raise RuleViolation("number", _l("This ticket has no cooperation yet."))
    column = "intention_fair_id" if stage == Stage.INTENTION else "agreement_fair_id"
    fitting = [
        c
        for c in cooperations
        if getattr(c, column) is None and (stage == Stage.INTENTION or c.agreement_date is not None)
    ]
    return link_cooperation(fair, (fitting or cooperations)[0], stage, actor)
