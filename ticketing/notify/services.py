"""Who hears of what: notifications and outbox rows, written with the change that caused them.

`on_event()` is called by tickets.history.record() for every change of a ticket, after the
event is flushed and in its transaction: nothing is written for a change that rolls back.
Recipients come from the relations that decide visibility (permissions.holds), so a message
never reaches someone who could not open the ticket; the actor never hears of their own
change, and internal notes reach only the staff on the ticket. Texts are rendered in each
person's language when the row is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import undefer

from ticketing import db
from ticketing.accounts.models import Role, RoleGrant, User, commissioner_enterprise
from ticketing.challenges.models import Challenge, Proposal, ProposalStatus
from ticketing.errors import RuleViolation
from ticketing.notify.models import EmailOptOut, Kind, Notification, OutboxMessage
from ticketing.orgs.models import University
from ticketing.permissions import holds
from ticketing.tickets.deadlines import STEP_TARGET
from ticketing.tickets.models import Ticket
from ticketing.workflow import State, Who

ACTION_KINDS = {
    "route": (Kind.ROUTED,),
    "transfer": (Kind.ROUTED,),
    "assign_expert": (Kind.ASSIGNED,),
    "reassign_expert": (Kind.ASSIGNED,),
    "award": (Kind.ROUTED, Kind.ASSIGNED),  # a picked proposal routes and assigns at once
    "resolve": (Kind.RESOLVED,),
    "comment": (Kind.COMMENT,),
}
# news of an open challenge, to people who need not see the ticket (challenges/)
CHALLENGE_ACTIONS = {"challenge_published": Kind.CHALLENGE, "award": Kind.NOT_PICKED}
# who hears of each kind of change (their relation to the ticket at the time)
AUDIENCE = {
    Kind.ROUTED: (Who.LIAISON,),
    Kind.ASSIGNED: (Who.EXPERT,),
    Kind.RESOLVED: (Who.FILER, Who.COMMISSIONER),
    Kind.COMMENT: (Who.FILER, Who.COMMISSIONER, Who.LIAISON, Who.EXPERT),
}
STAFF = (Who.LIAISON, Who.EXPERT)
# who must act in each step, and to whom an overdue step is escalated
RESPONSIBLE = {
    State.SUBMITTED: (Who.ADMIN,),
    State.UNIVERSITY_ASSIGNED: (Who.LIAISON,),
    State.EXPERT_ASSIGNED: (Who.EXPERT,),
    State.IN_PROGRESS: (Who.EXPERT,),
}
ESCALATED = {
    State.SUBMITTED: (Who.ADMIN,),
    State.UNIVERSITY_ASSIGNED: (Who.LIAISON, Who.ADMIN),
    State.EXPERT_ASSIGNED: (Who.EXPERT, Who.LIAISON),
    State.IN_PROGRESS: (Who.EXPERT, Who.LIAISON),
}
WEBHOOK_KINDS = frozenset({Kind.ROUTED, Kind.RESOLVED, Kind.OVERDUE})


def on_event(ticket: Ticket, actor: User, action: str, details: dict[str, Any]) -> None:
    """Write the notifications one history event causes (the hook in history.record)."""
    if action in CHALLENGE_ACTIONS and "challenge_id" in details:
        _tell_of_challenge(ticket, actor, CHALLENGE_ACTIONS[action], details["challenge_id"])
    kinds = ACTION_KINDS.get(action, ())
    if not kinds or ticket.state == State.DRAFT:
        return
    everyone = _people(ticket)
    for kind in kinds:
        wanted = AUDIENCE[kind]
        if kind is Kind.COMMENT and details.get("internal"):
            wanted = STAFF  # internal notes never reach the enterprise side
        people = [
            person
            for person in everyone
            if person.id != actor.id and any(holds(person, who, ticket) for who in wanted)
        ]
        _notify(ticket, kind, people, key=None)
        if kind in WEBHOOK_KINDS:
            _post_to_robot(ticket, kind)


def _tell_of_challenge(ticket: Ticket, actor: User, kind: Kind, challenge_id: int) -> None:
    """A published challenge: the liaisons of every active university. A pick: the liaisons
    of the universities whose proposals were not picked (the picked one hears it is routed)."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        return
    query = (
        select(User)
        .options(undefer(User.role_list))
        .join(University, University.id == User.university_id)
        .where(
            User.active.is_(True),
            University.active.is_(True),
            exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LIAISON),
            User.id != actor.id,
        )
        .order_by(User.id)
    )
    if kind is Kind.NOT_PICKED:
        query = query.where(
            User.university_id.in_(
                select(Proposal.university_id).where(
                    Proposal.challenge_id == challenge.id,
                    Proposal.status == ProposalStatus.NOT_PICKED,
                )
            )
        )
    _notify(ticket, kind, list(db.session.scalars(query)), key=None, challenge=challenge)


SOON_AHEAD = timedelta(days=20)


def write_due(now: datetime) -> int:
    """Remind of steps due on the next working day (once per step, on the working day before:
    from its due_soon_at) and of overdue ones (escalated, once per ticket, step, person and
    day): running it twice writes nothing new, even at once on two servers. Returns how many."""
    db.one_at_a_time("notify due")
    today = now.astimezone(db.ZONE_TIME).date()
    tickets = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.state.in_(list(STEP_TARGET)),
            Ticket.due_at.is_not(None),
            # no step is due soon further ahead than the longest run of days off allows
            Ticket.due_at < now + SOON_AHEAD,
            or_(Ticket.due_soon_at <= now, Ticket.due_at < now),
        )
        .order_by(Ticket.id)
    ).all()
    written = 0
    for ticket in tickets:
        overdue = ticket.due_at < now
        due_day = ticket.due_at.astimezone(db.ZONE_TIME).date()
        if not overdue and due_day <= today:
            continue  # due later today: the reminder went out on the working day before
        kind = Kind.OVERDUE if overdue else Kind.DUE
        wanted = (ESCALATED if overdue else RESPONSIBLE)[State(ticket.state)]
        people = [p for p in _people(ticket) if any(holds(p, w, ticket) for w in wanted)]
        when = today.isoformat() if overdue else ticket.due_at.isoformat()
        key = f"{kind.value}:{ticket.id}:{ticket.state}:{when}"
        new = _notify(ticket, kind, people, key=key)
        if overdue and new:
            _post_to_robot(ticket, kind)
        written += new
    return written


def set_email_choices(user: User, actor: User, *, kinds: Iterable[str]) -> None:
    """Which kinds reach `user` by e-mail (the others stay in-app only)."""
    if actor.id != user.id:
        raise RuleViolation(None, _("You can only change your own notification settings."))
    chosen = set(kinds)
    unknown = chosen - {k.value for k in Kind}
    if unknown:
        raise RuleViolation("kinds", _("Unknown kind of notification."))
    db.session.execute(delete(EmailOptOut).where(EmailOptOut.user_id == user.id))
    for kind in Kind:
        if kind.value not in chosen:
            db.session.add(EmailOptOut(user_id=user.id, kind=kind.value))
    db.session.flush()


def mark_read(user: User, actor: User, *, notification_id: int | None = None) -> int:
    """Mark one of `user`'s notifications read, or all of them (notification_id None)."""
    if actor.id != user.id:
        raise RuleViolation(None, _("You can only change your own notification settings."))
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    now = db.utcnow()
    rows = db.session.scalars(query).all()
    for row in rows:
        row.read_at = now
    db.session.flush()
    return len(rows)


def _people(ticket: Ticket) -> list[User]:
    """Everyone who may stand in a relation to `ticket` (one statement); holds() decides."""
    role = exists().where(RoleGrant.user_id == User.id)
    return list(
        db.session.scalars(
            select(User)
            .options(undefer(User.role_list), undefer(User.enterprise_list))
            .where(
                User.active.is_(True),
                or_(
                    User.id.in_([i for i in (ticket.filer_id, ticket.expert_id) if i]),
                    User.university_id == (ticket.university_id or 0),
                    exists().where(
                        commissioner_enterprise.c.user_id == User.id,
                        commissioner_enterprise.c.enterprise_id == ticket.enterprise_id,
                    ),
                    role.where(RoleGrant.role == Role.ADMIN),
                ),
            )
            .order_by(User.id)
        )
    )


def _notify(
    ticket: Ticket,
    kind: Kind,
    people: list[User],
    key: str | None,
    challenge: Challenge | None = None,
) -> int:
    if not people:
        return 0
    if key is not None:
        taken = set(
            db.session.scalars(
                select(Notification.key).where(
                    Notification.key.in_([f"{key}:{p.id}" for p in people])
                )
            )
        )
        people = [p for p in people if f"{key}:{p.id}" not in taken]
    mail_on = bool(current_app.config["SMTP_HOST"])
    opted_out = set()
    if mail_on and people:
        opted_out = set(
            db.session.scalars(
                select(EmailOptOut.user_id).where(
                    EmailOptOut.kind == kind.value,
                    EmailOptOut.user_id.in_([p.id for p in people]),
                )
            )
        )
    for person in people:
        with force_locale(_locale(person)):
            if challenge is None:
                subject = _subject(ticket, kind)
                body = _body(subject, _("Open the ticket: %(link)s", link=_link(ticket)))
            else:
                subject = _challenge_subject(ticket, kind, challenge)
                opening = _("Open the challenge: %(link)s", link=_challenge_link(challenge))
                body = _body(subject, opening)
        db.session.add(
            Notification(
                user_id=person.id,
                ticket_id=ticket.id,
                challenge_id=challenge.id if challenge is not None else None,
                kind=kind.value,
                text=subject[:400],
                key=None if key is None else f"{key}:{person.id}",
            )
        )
        if mail_on and person.email and person.id not in opted_out:
            db.session.add(
                OutboxMessage(
                    channel="email", recipient=person.email, subject=subject[:300], body=body
                )
            )
    db.session.flush()
    return len(people)


def _post_to_robot(ticket: Ticket, kind: Kind) -> None:
    """One post to the zone's group robot (企业微信 or 钉钉); a confidential ticket's title
    stays out of the group."""
    url = current_app.config["NOTIFY_WEBHOOK_URL"]
    if not url:
        return
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _subject(ticket, kind)
        db.session.add(
            OutboxMessage(
                channel="webhook",
                recipient=url,
                subject=subject[:300],
                body=subject + "\n" + _link(ticket),
            )
        )


def _locale(person: User) -> str:
    return person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _title(ticket: Ticket) -> str:
    return _("Confidential problem") if ticket.confidential else ticket.title


def _link(ticket: Ticket) -> str:
    return f"{current_app.config['BASE_URL']}/tickets/{ticket.number}"


def _subject(ticket: Ticket, kind: Kind) -> str:
    values = {"number": ticket.number, "title": _title(ticket)}
    if kind is Kind.ROUTED:
        return _("Ticket %(number)s was routed to your university: %(title)s", **values)
    if kind is Kind.ASSIGNED:
        return _("Ticket %(number)s was assigned to you: %(title)s", **values)
    if kind is Kind.COMMENT:
        return _("New comment on ticket %(number)s: %(title)s", **values)
    if kind is Kind.RESOLVED:
        return _("Ticket %(number)s is resolved, please confirm: %(title)s", **values)
    if kind is Kind.DUE:
        return _("The current step of ticket %(number)s is due tomorrow: %(title)s", **values)
    return _("The current step of ticket %(number)s is overdue: %(title)s", **values)


def _challenge_link(challenge: Challenge) -> str:
    return f"{current_app.config['BASE_URL']}/challenges/{challenge.id}"


def _challenge_subject(ticket: Ticket, kind: Kind, challenge: Challenge) -> str:
    """No ticket number: the people told may see the problem only on the challenge's page."""
    values = {"title": _title(ticket), "deadline": challenge.deadline.isoformat()}
    if kind is Kind.CHALLENGE:
        return _("New open challenge, proposals until %(deadline)s: %(title)s", **values)
    return _("Your university's proposal was not picked: %(title)s", **values)


def _body(subject: str, opening: str) -> str:
    return "\n\n".join(
        [
            subject,
            opening,
            _("Choose which notifications you get by e-mail on your account page."),
        ]
    )
