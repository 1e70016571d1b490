"""Saving and deleting a person's searches (the writes of search/; they flush, never commit)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.errors import NotFound, RuleViolation
from ticketing.search.models import ARGS_MAX, NAME_MAX, SavedSearch
from ticketing.tickets.queues import QUEUE_BY_KEY, Filters, queues_for

MOST_SAVED = 30


def save_search(
    actor: User, *, name: str | None, queue: str | None, args: str | None
) -> SavedSearch:
    """Save the query and filters `args` of `queue` under `name` for `actor` (a name used
    before is overwritten). The filters are read as the queue reads them: what it would
    drop is not saved."""
    clean_name = " ".join((name or "").split())
    if not clean_name:
        raise RuleViolation("name", _l("Give the search a name."))
    if len(clean_name) > NAME_MAX:
        raise RuleViolation("name", _l("At most %(n)s characters.", n=NAME_MAX))
    chosen = QUEUE_BY_KEY.get(queue or "")
    if chosen is None or chosen not in queues_for(actor):
        raise RuleViolation("queue", _l("This queue is not yours."))
    filters = Filters.from_args(dict(parse_qsl(args or "", keep_blank_values=False)))
    kept = urlencode(filters.as_args())
    if not kept:
        raise RuleViolation("name", _l("Search or filter first, then save."))
    if len(kept) > ARGS_MAX:
        raise RuleViolation("name", _l("These filters are too long to save."))
    saved = db.session.scalar(
        select(SavedSearch).where(SavedSearch.user_id == actor.id, SavedSearch.name == clean_name)
    )
    if saved is None:
        count = select(func.count()).where(SavedSearch.user_id == actor.id)
        if (db.session.scalar(count) or 0) >= MOST_SAVED:
            raise RuleViolation(
                "name", _l("You have %(n)s saved searches; delete one first.", n=MOST_SAVED)
            )
        saved = SavedSearch(user_id=actor.id, name=clean_name, created_at=db.utcnow())
        db.session.add(saved)
    saved.queue, saved.args = chosen.key, kept
    db.session.flush()
    return saved


def delete_search(saved_id: int, actor: User) -> tuple[str, str]:
    """Delete one of `actor`'s saved searches (someone else's is not found); returns its name
    and queue."""
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != actor.id:
        raise NotFound(_l("No such saved search."))
    name, queue = saved.name, saved.queue
    db.session.delete(saved)
    db.session.flush()
    return name, queue
