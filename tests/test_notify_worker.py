"""The outbox worker against a real SMTP server (aiosmtpd) and a real HTTP robot: nothing is
lost while the worker or the server is down, every message arrives exactly once, and two
workers in parallel never send one message twice (PostgreSQL, FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select, update

from ticketing import db
from ticketing.accounts.models import User
from ticketing.notify import worker
from ticketing.notify.models import OutboxMessage
from ticketing.tickets.models import Ticket

ON_POSTGRES = os.environ.get("TEST_DB") == "postgresql" or "postgresql" in os.environ.get(
    "TEST_DATABASE_URL", ""
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses while `refusing` is set."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.refusing = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        if self.refusing:
            return "451 Requested action aborted: try again later"
        mail = message_from_bytes(envelope.content)
        subject = str(make_header(decode_header(mail["Subject"])))
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, subject))
        return "250 OK"


class Server:
    """A real SMTP server on a fixed local port that can be stopped and started again."""

    def __init__(self, inbox: Inbox, port: int) -> None:
        self.inbox, self.port = inbox, port
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app, monkeypatch):  # type: ignore[no-untyped-def]
    """A running SMTP server (its Inbox), and the app pointed at it."""
    inbox = Inbox()
    server = Server(inbox, free_port())
    server.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    inbox.server = server  # type: ignore[attr-defined]
    yield inbox
    server.stop()


def _queue(app, count: int, prefix: str = "msg") -> list[str]:  # type: ignore[no-untyped-def]
    subjects = [f"{prefix} {i} 通知" for i in range(count)]
    with app.app_context():
        for subject in subjects:
            db.session.add(
                OutboxMessage(
                    channel="email", recipient="liaison@example.cn", subject=subject, body="正文"
                )
            )
        db.session.commit()
    return subjects


def _statuses(app) -> Counter[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return Counter(dict(db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()))  # fmt: skip


def test_messages_wait_for_a_stopped_and_a_refusing_server_then_arrive_once(app, smtp) -> None:  # type: ignore[no-untyped-def]
    subjects = _queue(app, 3)
    smtp.server.stop()  # the server is down
    with app.app_context():
        first = worker.drain()
    assert (first.sent, first.retried) == (0, 3)
    assert smtp.received == []
    smtp.server.start()
    smtp.refusing = True  # up, but answering 451
    with app.app_context():
        assert worker.drain().sent == 0  # not due yet: the backoff holds them back
        with db.frozen_clock(db.utcnow() + timedelta(minutes=2)):
            second = worker.drain()
        assert (second.sent, second.retried) == (0, 3)
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {row.attempts for row in rows} == {2}
        assert all("451" in row.last_error for row in rows)
        assert all(row.next_attempt_at > db.utcnow() + timedelta(minutes=3) for row in rows)
    assert smtp.received == []
    smtp.refusing = False  # recovered
    with app.app_context(), db.frozen_clock(db.utcnow() + timedelta(hours=2)):
        third = worker.drain()
        again = worker.drain()
    assert (third.sent, again.sent) == (3, 0)
    assert sorted(s for _, s in smtp.received) == sorted(subjects)
    assert _statuses(app) == {"sent": 3}


def test_a_message_is_given_up_after_the_last_attempt_and_shown_to_the_admin(
    app, smtp, world, login, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 3)
    _queue(app, 1, prefix="不会送达")
    smtp.refusing = True
    with app.app_context():
        start = db.utcnow()
        for hours in range(3):
            with db.frozen_clock(start + timedelta(hours=hours)):
                worker.drain()
    assert _statuses(app) == {"failed": 1}
    page = login(world.admin).get("/admin/outbox").get_data(as_text=True)
    assert "不会送达 0 通知" in page and "451" in page
    assert login(world.liaison_u1).get("/admin/outbox").status_code in (403, 404)


def test_events_reach_the_smtp_server_through_the_outbox(app, make, world, smtp) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == world.liaison_u1.id).values(email="l1@example.cn")
        )
        db.session.commit()
    ticket = make.ticket(world, "university_assigned")
    with app.app_context():
        assert worker.drain().sent == 1
    [(rcpt, subject)] = smtp.received
    assert rcpt == "l1@example.cn" and ticket.number in subject


class Robot(BaseHTTPRequestHandler):
    posts: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        Robot.posts.append(json.loads(self.rfile.read(length)))
        body = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def test_the_webhook_channel_posts_a_text_message_to_the_group_robot(
    app, make, world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Robot.posts = []
    try:
        url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=k"
        monkeypatch.setitem(app.config, "NOTIFY_WEBHOOK_URL", url)
        ticket = make.ticket(world, "university_assigned")
        with app.app_context():
            assert worker.drain().sent == 1
    finally:
        server.shutdown()
        server.server_close()
    [post] = Robot.posts
    assert post["msgtype"] == "text" and ticket.number in post["text"]["content"]


@pytest.mark.no_transaction
@pytest.mark.skipif(not ON_POSTGRES, reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer")
def test_two_workers_in_parallel_send_each_message_once(app, smtp) -> None:  # type: ignore[no-untyped-def]
    subjects = _queue(app, 40, prefix="并行")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                worker.drain(limit=3)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors
        received = Counter(s for _, s in smtp.received)
        assert received == Counter(subjects)  # every one, none twice
        assert _statuses(app) == {"sent": 40}
    finally:
        with app.app_context():
            db.session.execute(delete(OutboxMessage))
            db.session.commit()


def test_the_commands_send_the_outbox_and_write_the_reminders(app, make, world, smtp) -> None:  # type: ignore[no-untyped-def]
    subjects = _queue(app, 2, prefix="命令")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    assert sorted(s for _, s in smtp.received) == sorted(subjects)
    ticket = make.ticket(world, "university_assigned")
    with app.app_context():
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(due_at=db.utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    first = runner.invoke(args=["notify", "due"])
    second = runner.invoke(args=["notify", "due"])
    assert first.exit_code == 0 and "2 reminders" in first.output  # the liaison and the admin
    assert "0 reminders" in second.output
