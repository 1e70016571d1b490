"""Writes on tickets outside the state machine: drafts, edits, comments, attachments.

Services take the object, then the actor, then keyword data; they flush, never commit,
and raise RuleViolation / NotAllowed with a message for the person at the other end.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import date
from pathlib import Path
from typing import IO, Any

import filetype
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from ticketing import db, permissions
from ticketing.accounts.models import Role, User
from ticketing.errors import NotAllowed, RuleViolation, StaleTicket
from ticketing.orgs.models import Enterprise
from ticketing.tickets import fields
from ticketing.tickets.history import record
from ticketing.tickets.models import (
    Attachment,
    Category,
    Comment,
    Priority,
    Ticket,
    TicketEvent,
    TicketSequence,
    Visit,
)
from ticketing.tickets.transitions import filed_on
from ticketing.values import clean_text, row_id
from ticketing.workflow import Field, Kind, State
from ticketing.worktime import services as worktime

EDITABLE = ("title", "description", "category", "priority", "enterprise_id")
# what a new ticket may be given: its fields, and whether it is confidential from the start
ON_CREATE = (*EDITABLE, "confidential")
TITLE_MAX = 200
TEXT_MAX = 10_000


def next_number(zone_code: str, year: int) -> str:
    """Hand out the next ticket number atomically (an upsert that returns the new value)."""
    dialect = db.dialect_name()
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(TicketSequence)
        .values(zone_code=zone_code, year=year, last=1)
        .on_conflict_do_update(
            index_elements=["zone_code", "year"], set_={"last": TicketSequence.last + 1}
        )
        .returning(TicketSequence.last)
    )
    last = db.session.execute(statement).scalar_one()
    return f"{zone_code}-{year}-{last:05d}"


def _clean(data: dict[str, Any], actor: User, ticket: Ticket | None = None) -> dict[str, Any]:
    unknown = set(data) - set(ON_CREATE if ticket is None else EDITABLE)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    clean: dict[str, Any] = {}
    if "title" in data:
        if _blank(data["title"]):
            raise RuleViolation("title", _l("Give the problem a short title."))
        clean["title"] = clean_text("title", data["title"], limit=TITLE_MAX, line=True)
    if "description" in data:
        if _blank(data["description"]):
            raise RuleViolation("description", _l("Describe the problem."))
        clean["description"] = clean_text("description", data["description"], limit=TEXT_MAX)
    if "category" in data:
        if data["category"] not in set(Category):
            raise RuleViolation("category", _l("Choose a category."))
        clean["category"] = data["category"]
    if "priority" in data:
        if data["priority"] not in set(Priority):
            raise RuleViolation("priority", _l("Choose a priority."))
        clean["priority"] = data["priority"]
    if "enterprise_id" in data:
        unchanged = ticket is not None and str(data["enterprise_id"]) == str(ticket.enterprise_id)
        clean["enterprise_id"] = (
            ticket.enterprise_id if unchanged else _enterprise_for(actor, data["enterprise_id"]).id
        )
    if "confidential" in data:
        clean["confidential"] = _flag("confidential", data["confidential"])
    return clean


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "off", 0):
        return False
    if value in ("1", "true", "on", "y", 1):
        return True
    raise RuleViolation(name, _l("Choose yes or no."))


def _enterprise_for(actor: User, enterprise_id: Any) -> Enterprise:
    wanted = row_id(enterprise_id)
    enterprise = db.session.get(Enterprise, wanted) if wanted else None
    if enterprise is None or not may_file_for(actor, enterprise):
        raise RuleViolation("enterprise_id", _l("Choose one of your enterprises."))
    return enterprise


def may_file_for(actor: User, enterprise: Enterprise) -> bool:
    """Whether `actor` files tickets for `enterprise`: an active one of their own (any, for
    an administrator)."""
    return enterprise.active and (
        Role.ADMIN in actor.roles or enterprise.id in actor.enterprise_ids
    )


def may_file(actor: User) -> bool:
    """Whether `actor` files tickets at all: an active commissioner or administrator."""
    return bool(actor.is_active and {Role.COMMISSIONER, Role.ADMIN} & actor.roles)


def ticket_values(data: dict[str, Any]) -> dict[str, Any]:
    """A new ticket's own fields (title, description, category, priority, confidential)
    checked and cleaned without the database: the rules create_draft applies, for the
    import's dry run."""
    data = {"priority": Priority.NORMAL, "title": None, "description": None, **data}
    data.setdefault("category", None)
    return _clean(data, None)  # type: ignore[arg-type]  # no enterprise: no actor needed


def create_draft(actor: User, *, zone_code: str, **data: Any) -> Ticket:
    """A commissioner (or an admin) starts a ticket for one of their enterprises."""
    if not may_file(actor):
        raise NotAllowed(_l("Only commissioners and zone administrators file tickets."))
    data.setdefault("priority", Priority.NORMAL)
    for name in ("title", "description", "category", "enterprise_id"):
        data.setdefault(name, None)
    clean = _clean(data, actor)
    now = db.utcnow()
    ticket = Ticket(
        number=next_number(zone_code, db.local_today().year),
        state=State.DRAFT,
        filer_id=actor.id,
        created_at=now,
        updated_at=now,
        **clean,
    )
    db.session.add(ticket)
    db.session.flush()
    record(ticket, actor, "create", None, State.DRAFT, {"title": ticket.title})
    return ticket


def edit_ticket(
    ticket: Ticket, actor: User, *, expected_version: int | None = None, **data: Any
) -> TicketEvent | None:
    """Change the fields of a draft or submitted ticket; the event lists old → new."""
    if not permissions.can(actor, "edit", ticket):
        raise NotAllowed(_l("This ticket can no longer be edited."))
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket()
    clean = _clean(data, actor, ticket)
    changes = {
        name: [_plain(getattr(ticket, name)), _plain(value)]
        for name, value in clean.items()
        if getattr(ticket, name) != value
    }
    if "enterprise_id" in changes:
        changes.pop("enterprise_id")
        new = db.session.get(Enterprise, clean["enterprise_id"])
        changes["enterprise"] = [ticket.enterprise.name, new.name if new else ""]
    if not changes:
        return None
    for name, value in clean.items():
        setattr(ticket, name, value)
    ticket.updated_at = db.utcnow()
    if "priority" in changes and ticket.due_at is not None:  # the step's target may differ
        worktime.set_due(ticket, ticket.step_started_at or ticket.updated_at)
    return record(ticket, actor, "edit", None, None, {"changes": changes})


def set_confidential(
    ticket: Ticket, actor: User, *, confidential: Any, expected_version: int | None = None
) -> TicketEvent | None:
    """The filer or an admin marks the ticket confidential (保密), or lifts the mark, in any
    state before the ticket ends; each change is one history event."""
    if not permissions.can(actor, "set_confidential", ticket):
        raise NotAllowed(_l("Only the filer or a zone administrator changes this, before the end."))
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket()
    wanted = _flag("confidential", confidential)
    if ticket.confidential == wanted:
        return None
    ticket.confidential = wanted
    action = "mark_confidential" if wanted else "unmark_confidential"
    return record(ticket, actor, action, None, None, {"confidential": wanted})


def _plain(value: Any) -> Any:
    return value if isinstance(value, bool | int | str) or value is None else str(value)


def add_comment(ticket: Ticket, actor: User, *, body: str, internal: bool = False) -> Comment:
    if not permissions.can(actor, "internal_note" if internal else "comment", ticket):
        raise NotAllowed(_l("You may not comment on this ticket now."))
    if _blank(body):
        raise RuleViolation("body", _l("Write something first."))
    body = clean_text("body", body, limit=TEXT_MAX)
    internal = _flag("internal", internal)
    comment = Comment(
        ticket_id=ticket.id,
        author_id=actor.id,
        body=body,
        internal=internal,
        created_at=db.utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    record(ticket, actor, "comment", None, None, {"comment_id": comment.id, "internal": internal})
    return comment


VISIT_TEXT_MAX = 2_000
VISIT_DATE = Field("visited_on", Kind.DATE, _l("Date of the visit"))


def record_visit(
    ticket: Ticket,
    actor: User,
    *,
    visited_on: date,
    place: str,
    participants: str,
    findings: str,
    agreed: str = "",
) -> Visit:
    """The assigned expert records a visit to the enterprise while working on the ticket."""
    if not permissions.can(actor, "record_visit", ticket):
        raise NotAllowed(_l("Only the assigned expert records visits, while the work is on."))
    visited_on = fields.coerce(VISIT_DATE, visited_on, not_before=filed_on(ticket))
    clean = {
        "place": clean_text("place", place, limit=200, line=True),
        "participants": clean_text("participants", participants, limit=VISIT_TEXT_MAX),
        "findings": clean_text("findings", findings, limit=VISIT_TEXT_MAX),
        "agreed": clean_text("agreed", agreed, limit=VISIT_TEXT_MAX, required=False),
    }
    visit = Visit(
        ticket_id=ticket.id,
        expert_id=actor.id,
        visited_on=visited_on,
        created_at=db.utcnow(),
        **clean,
    )
    db.session.add(visit)
    db.session.flush()
    record(
        ticket,
        actor,
        "visit",
        None,
        None,
        {"visit_id": visit.id, "visited_on": visited_on.isoformat()},
    )
    return visit


# Allowed attachment types: extension → (content type, how the bytes must start).
ALLOWED_TYPES: dict[str, tuple[str, str | None]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpg"),
    "jpeg": ("image/jpeg", "jpg"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "zip"),
    "doc": ("application/msword", "doc"),
    "xls": ("application/vnd.ms-excel", "doc"),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def clean_filename(name: str) -> str:
    name = unicodedata.normalize("NFKC", name or "")
    name = _INVISIBLE.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip(" .")
    if len(name) <= 200:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:200]
    return f"{stem[: 199 - len(extension)]}.{extension}"


def _sniff_ok(head: bytes, expected: str | None) -> bool:
    if expected is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the end of the sample is fine
            if exc.start < len(head) - 4:
                return False
        return b"\x00" not in head
    if expected == "doc":
        return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    kind = filetype.guess(head)
    return kind is not None and kind.extension == expected


def add_attachment(
    ticket: Ticket,
    actor: User,
    *,
    stream: IO[bytes],
    filename: str,
    folder: str,
    max_bytes: int,
    internal: bool = False,
) -> Attachment:
    """Store an upload under a generated name after checking its size, extension and bytes."""
    if not permissions.can(actor, "internal_note" if internal else "attach", ticket):
        raise NotAllowed(_l("You may not add files to this ticket now."))
    original = clean_filename(filename)
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if not original or extension not in ALLOWED_TYPES:
        raise RuleViolation(
            "file",
            _l("Allowed file types: %(types)s.", types=", ".join(sorted(ALLOWED_TYPES))),
        )
    content_type, expected = ALLOWED_TYPES[extension]
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RuleViolation(
            "file", _l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024))
        )
    if not data:
        raise RuleViolation("file", _l("The file is empty."))
    if not _sniff_ok(data[:8192], expected):
        raise RuleViolation("file", _l("The file's content does not match its type."))
    stored = secrets.token_hex(16)
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    (path / stored).write_bytes(data)
    db.remove_on_rollback(path / stored)
    attachment = Attachment(
        ticket_id=ticket.id,
        uploader_id=actor.id,
        original_name=original,
        stored_name=stored,
        content_type=content_type,
        size=len(data),
        internal=internal,
        created_at=db.utcnow(),
    )
    db.session.add(attachment)
    db.session.flush()
    record(
        ticket,
        actor,
        "attach",
        None,
        None,
        {"attachment_id": attachment.id, "name": original, "internal": internal},
    )
    return attachment


def add_uploads(
    ticket: Ticket,
    actor: User,
    uploads: list[tuple[IO[bytes], str]],
    *,
    folder: str,
    max_bytes: int,
    field: str,
    most: int,
) -> list[Attachment]:
    """Store several uploads sent with another change (filing a ticket, signing an agreement):
    each checked like a single one; anything wrong names the file, on `field`, and the caller's
    whole change is rolled back with it."""
    if len(uploads) > most:
        raise RuleViolation(field, _l("Send at most %(n)d files at once.", n=most))
    stored = []
    for stream, filename in uploads:
        try:
            stored.append(
                add_attachment(
                    ticket,
                    actor,
                    stream=stream,
                    filename=filename,
                    folder=folder,
                    max_bytes=max_bytes,
                )
            )
        except RuleViolation as error:
            name = clean_filename(filename) or "?"
            message = _l("%(name)s: %(problem)s", name=name, problem=error.message)
            raise RuleViolation(field, message) from None
    return stored


def attachment_path(folder: str, attachment: Attachment) -> Path:
    return Path(folder) / attachment.stored_name
