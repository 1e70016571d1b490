"""The figures read from the database each time Prometheus asks, in the process it asks.

None of them reads the ticket table's rows: tickets by state sum the dashboard's TicketTally
(a few rows per state, kept in step with every change; reports/tallies.py), the outbox counts
are ranges of ix_outbox_status_next (status, next_attempt_at, id), and the overdue steps are
one range of ix_ticket_state_due (state, due_at, id) per running state. Two statements a
scrape, whatever the number of tickets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from ticketing import db
from ticketing.notify.models import OutboxMessage
from ticketing.reports.models import TicketTally
from ticketing.tickets.deadlines import STEP_TARGET
from ticketing.tickets.models import Ticket
from ticketing.workflow import State

FILED_STATES = tuple(state.value for state in State if state != State.DRAFT)
OUTBOX_STATUSES = ("pending", "failed")
NOW = bindparam("now", type_=db.UTCDateTime())


def tickets_by_state() -> Select[Any]:
    return select(TicketTally.state, func.sum(TicketTally.n)).group_by(TicketTally.state)


def _count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def backlog_and_overdue() -> Select[Any]:
    """One row: the outbox's pending and failed messages, then the overdue running steps in
    the order of STEP_TARGET (the time is the parameter `now`)."""
    outbox = [_count(OutboxMessage, OutboxMessage.status == status) for status in OUTBOX_STATUSES]
    overdue = [_count(Ticket, Ticket.state == state, Ticket.due_at < NOW) for state in STEP_TARGET]
    return select(*outbox, *overdue)


class DatabaseCollector(Collector):
    """The database's figures, read when collected (inside a request: /metrics)."""

    def collect(self) -> Iterator[Metric]:
        try:
            by_state = dict(db.rows(tickets_by_state()))
            [row] = db.rows(backlog_and_overdue(), {"now": db.utcnow()})
        except SQLAlchemyError:
            db.session.rollback()
            yield GaugeMetricFamily(
                "ticketing_database_up", "1 when the figures below could be read", value=0
            )
            return
        finally:
            db.session.rollback()  # only read
        yield GaugeMetricFamily(
            "ticketing_database_up", "1 when the figures below could be read", value=1
        )
        tickets = GaugeMetricFamily(
            "ticketing_tickets", "Filed tickets (drafts not counted) by state", labels=["state"]
        )
        for state in FILED_STATES:
            tickets.add_metric([state], int(by_state.get(state) or 0))
        yield tickets
        pending, failed, *overdue = row
        yield GaugeMetricFamily(
            "ticketing_outbox_pending",
            "Notification messages (e-mail, group robot, webhooks) waiting to be sent",
            value=pending,
        )
        yield GaugeMetricFamily(
            "ticketing_outbox_failed",
            "Notification messages given up on after their last attempt",
            value=failed,
        )
        steps = GaugeMetricFamily(
            "ticketing_overdue_steps",
            "Tickets whose running step (route, assign, start, resolve) is past its due time",
            labels=["step"],
        )
        for step, n in zip(STEP_TARGET.values(), overdue, strict=True):
            steps.add_metric([step], n)
        yield steps
