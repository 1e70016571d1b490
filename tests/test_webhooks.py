"""Webhooks: deliveries written with the event (one per hook that chose it, none for a change
that rolled back or an internal note), sent by the worker with an HMAC signature to a real
local HTTP server, retried, logged; the SSRF guard; the admin pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import subprocess
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation
from ticketing.notify import worker
from ticketing.notify.models import OutboxMessage
from ticketing.tickets import services as ticket_services
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket
from ticketing.webhooks import services
from ticketing.webhooks.models import EVENTS, Webhook, WebhookAttempt

ALL = ["ticket.routed", "ticket.assigned", "ticket.commented", "ticket.resolved"]


@pytest.fixture
def private_ok(app, monkeypatch):  # type: ignore[no-untyped-def]
    """The test receivers live on 127.0.0.1: allow private addresses."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


def _hook(app, world, url="http://127.0.0.1:9/hook", events=ALL, name="集团平台"):  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        hook = writes.run(lambda: services.register(admin, name=name, url=url, events=events))
        return hook.id, hook.secret


def _deliveries(app, hook_id=None):  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.channel == "hook")
        if hook_id is not None:
            query = query.where(OutboxMessage.webhook_id == hook_id)
        rows = db.session.scalars(query.order_by(OutboxMessage.id)).all()
        return [(row.id, row.subject, json.loads(row.body), row.status) for row in rows]


def test_an_event_writes_one_delivery_per_active_hook_that_chose_it(
    app, make, world, private_ok
) -> None:  # type: ignore[no-untyped-def]
    first, _s = _hook(app, world)
    second, _s = _hook(app, world, events=["ticket.resolved"], name="只要解决")
    paused, _s = _hook(app, world, name="暂停的")
    with app.app_context():
        hook = db.session.get(Webhook, paused)
        writes.run(
            lambda: services.set_active(hook, db.session.get(User, world.admin.id), active=False)
        )
    ticket = make.ticket(world, "university_assigned")
    found = _deliveries(app)
    assert [(subject, body["event"]) for _id, subject, body, _st in found] == [
        ("ticket.routed", "ticket.routed")
    ]
    [(delivery_id, _subject, body, status)] = found
    assert status == "pending" and body["delivery_id"] == delivery_id
    assert body["ticket"]["number"] == ticket.number
    assert body["ticket"]["title"] == ticket.title
    assert body["ticket"]["university"] and body["actor_role"] == "admin"
    assert _deliveries(app, second) == [] and _deliveries(app, paused) == []
    assert _deliveries(app, first)


def test_a_change_that_rolls_back_writes_no_delivery(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world)
    ticket = make.ticket(world, "in_progress")
    before = len(_deliveries(app))
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)

        def resolve_then_fail() -> None:
            transitions.perform(row, "resolve", expert, resolution="换了轴承")
            assert (
                db.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.channel == "hook")
                )
                == before + 1
            )
            raise RuleViolation(None, "stop")

        with pytest.raises(RuleViolation):
            writes.run(resolve_then_fail)
    assert len(_deliveries(app)) == before


def test_internal_notes_never_leave_and_confidential_titles_are_masked(
    app, make, world, private_ok
) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world)
    ticket = make.ticket(world, "in_progress", confidential=True)
    before = len(_deliveries(app))
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        writes.run(
            lambda: ticket_services.add_comment(row, expert, body="内部：报价", internal=True)
        )
        assert len(_deliveries(app)) == before
        writes.run(lambda: ticket_services.add_comment(row, expert, body="公开：已到现场"))
    *_, (_id, subject, body, _st) = _deliveries(app)
    assert subject == "ticket.commented"
    assert body["ticket"]["title"] == "保密问题" and ticket.title not in json.dumps(body)
    assert body["comment"] == {"text": None}  # even public words of a confidential ticket stay
    assert "内部" not in json.dumps(body, ensure_ascii=False)


def test_a_public_comment_carries_its_text(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world, events=["ticket.commented"])
    ticket = make.ticket(world, "in_progress")
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        writes.run(lambda: ticket_services.add_comment(row, expert, body="明天到厂"))
    [(_id, _subject, body, _st)] = _deliveries(app)
    assert body["comment"] == {"text": "明天到厂"} and body["actor_role"] == "expert"


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers the statuses it is told, in turn, and
    keeps what it received (headers, body, and whether the signature checked out)."""

    def __init__(self, secret: str = "", answers: tuple[int, ...] = (200,)) -> None:
        self.secret, self.answers = secret, list(answers)
        self.received: list[dict] = []
        self.location = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "headers": dict(self.headers),
                        "body": body,
                        "verified": receiver.verify(self.headers, body),
                    }
                )
                status = (
                    receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                )
                answer = b'{"ok": true}' if status < 300 else b"boom " * 400
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/ticketing?k=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verify(self, headers, body: bytes) -> bool:  # type: ignore[no-untyped-def]
        """What the README tells a receiver to do."""
        timestamp = headers["X-Ticketing-Timestamp"]
        expected = hmac.new(
            self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest("sha256=" + expected, headers["X-Ticketing-Signature"])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    made: list[Receiver] = []

    def start(**kwargs) -> Receiver:  # type: ignore[no-untyped-def]
        made.append(Receiver(**kwargs))
        return made[-1]

    yield start
    for one in made:
        one.stop()


def _attempts(app, delivery_id: int) -> list[tuple[int | None, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.execute(
            select(WebhookAttempt.status_code, WebhookAttempt.error)
            .where(WebhookAttempt.outbox_id == delivery_id)
            .order_by(WebhookAttempt.id)
        ).all()


def _set_secret(app, hook_id: int, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        receiver.secret = db.session.get(Webhook, hook_id).secret


def test_the_worker_posts_signed_json_that_the_receiver_verifies(
    app, make, world, private_ok, receiver
) -> None:  # type: ignore[no-untyped-def]
    server = receiver()
    hook_id, secret = _hook(app, world, url=server.url)
    server.secret = secret
    ticket = make.ticket(world, "university_assigned")
    with app.app_context():
        assert worker.drain().sent == 1
    [got] = server.received
    [(delivery_id, _subject, body, status)] = _deliveries(app, hook_id)
    assert got["verified"] and status == "sent"
    assert got["headers"]["X-Ticketing-Event"] == "ticket.routed"
    assert got["headers"]["X-Ticketing-Delivery"] == str(delivery_id)
    assert json.loads(got["body"]) == body and body["ticket"]["number"] == ticket.number
    assert _attempts(app, delivery_id) == [(200, "")]


def test_a_500_is_retried_with_backoff_and_delivered_exactly_once(
    app, make, world, private_ok, receiver
) -> None:  # type: ignore[no-untyped-def]
    server = receiver(answers=(500, 200))
    hook_id, server.secret = _hook(app, world, url=server.url)
    make.ticket(world, "university_assigned")
    with app.app_context():
        first = worker.drain()
        assert (first.sent, first.retried) == (0, 1)
        assert worker.drain().sent == 0  # the backoff holds it back
        with db.frozen_clock(db.utcnow() + timedelta(minutes=2)):
            assert worker.drain().sent == 1
        with db.frozen_clock(db.utcnow() + timedelta(hours=2)):
            assert worker.drain().sent == 0
    [(delivery_id, _subject, _body, status)] = _deliveries(app, hook_id)
    assert status == "sent"
    assert [a[0] for a in _attempts(app, delivery_id)] == [500, 200]
    assert len(server.received) == 2 and all(r["verified"] for r in server.received)
    assert server.received[0]["body"] == server.received[1]["body"]  # fixed at write time


def test_a_stopped_receiver_is_tried_again_later(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook_id, _secret = _hook(app, world, url=f"http://127.0.0.1:{port}/hook")
    make.ticket(world, "university_assigned")
    with app.app_context():
        done = worker.drain()
        assert (done.sent, done.retried) == (0, 1)
        [row] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.webhook_id == hook_id)
        ).all()
        assert row.status == "pending" and row.attempts == 1
        assert row.next_attempt_at > db.utcnow()
    [(status_code, error)] = _attempts(app, row.id)
    assert status_code is None and "Connection" in error


def test_redirects_are_not_followed(app, make, world, private_ok, receiver) -> None:  # type: ignore[no-untyped-def]
    inside = receiver()
    door = receiver(answers=(302,))
    door.location = inside.url
    hook_id, _secret = _hook(app, world, url=door.url)
    make.ticket(world, "university_assigned")
    with app.app_context():
        assert worker.drain().retried == 1
    assert len(door.received) == 1 and inside.received == []
    [(delivery_id, *_rest)] = _deliveries(app, hook_id)
    [(status_code, error)] = _attempts(app, delivery_id)
    assert status_code == 302 and "redirect not followed" in error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
        "http://user:pw@93.184.216.34/hook",
        "not a url",
        "http://93.184.216.34/a b",
        "http://93.184.216.34/a\r\nX-Injected: 1",
    ],
)
def test_private_and_odd_addresses_are_refused_at_registration(app, world, url) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        with pytest.raises(RuleViolation) as refused:
            writes.run(lambda: services.register(admin, name="x", url=url, events=ALL))
        assert refused.value.field == "url"
        assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


def test_a_public_address_is_accepted(app, world) -> None:  # type: ignore[no-untyped-def]
    hook_id, secret = _hook(app, world, url="https://93.184.216.34/hooks/ticketing")
    assert hook_id and len(secret) == 64


def test_the_address_is_checked_again_at_send_time(app, make, world, receiver, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = receiver()
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    hook_id, _secret = _hook(app, world, url=server.url)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    make.ticket(world, "university_assigned")
    with app.app_context():
        assert worker.drain().retried == 1
    assert server.received == []
    [(delivery_id, *_rest)] = _deliveries(app, hook_id)
    [(status_code, error)] = _attempts(app, delivery_id)
    assert status_code is None and error.startswith("refused")


def _hook_ids(app) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(Webhook.id).order_by(Webhook.id)))


def test_only_admins_reach_the_webhook_pages(app, world, login, private_ok) -> None:  # type: ignore[no-untyped-def]
    hook_id, _secret = _hook(app, world)
    for person in (world.liaison_u1, world.expert_u1, world.commissioner_a):
        client = login(person)
        for url in ("/admin/webhooks", f"/admin/webhooks/{hook_id}", "/admin/webhooks/new"):
            assert client.get(url).status_code in (403, 404)
        answer = client.post(f"/admin/webhooks/{hook_id}/delete", token_from="/account")
        assert answer.status_code in (403, 404)
    assert _hook_ids(app) == [hook_id]
    assert app.test_client().get("/admin/webhooks").status_code == 302  # to sign-in


def test_an_admin_creates_edits_pauses_pings_and_deletes_a_hook(
    app, world, login, private_ok, receiver
) -> None:  # type: ignore[no-untyped-def]
    server = receiver()
    admin = login(world.admin)
    created = admin.post(
        "/admin/webhooks/new",
        {"name": "集团平台", "url": server.url, "events": ["ticket.routed", "ticket.closed"]},
        token_from="/admin/webhooks/new",
    )
    assert created.status_code == 302
    [hook_id] = _hook_ids(app)
    page = admin.get(f"/admin/webhooks/{hook_id}").get_data(as_text=True)
    with app.app_context():
        hook = db.session.get(Webhook, hook_id)
        assert hook.events == ["ticket.routed", "ticket.closed"] and hook.active
        assert hook.secret in page  # admins can read the secret to give it to the receiver
        server.secret = hook.secret
    assert "集团平台" in admin.get("/admin/webhooks").get_data(as_text=True)
    here = f"/admin/webhooks/{hook_id}"
    edited = admin.post(
        f"{here}/edit",
        {"name": "集团平台二", "url": server.url, "events": ["ticket.resolved"]},
        token_from=f"{here}/edit",
    )
    assert edited.status_code == 302
    assert admin.post(f"{here}/active", {"active": "0"}, token_from=here).status_code == 302
    with app.app_context():
        hook = db.session.get(Webhook, hook_id)
        assert (hook.name, hook.events, hook.active) == ("集团平台二", ["ticket.resolved"], False)
    admin.post(f"{here}/active", {"active": "1"}, token_from=here)
    assert admin.post(f"{here}/ping", token_from=here).status_code == 302
    with app.app_context():
        assert db.session.get(Webhook, hook_id).active
        assert worker.drain().sent == 1
    [got] = server.received
    assert got["verified"] and got["headers"]["X-Ticketing-Event"] == "ping"
    log = admin.get(here).get_data(as_text=True)
    assert "ping" in log and "200" in log
    assert admin.post(f"{here}/delete", token_from=here).status_code == 302
    assert _hook_ids(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0


def test_a_bad_url_gets_a_clear_message_and_nothing_is_saved(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    for url, words in (
        ("http://192.168.0.10/hook", "内部网络"),
        ("ftp://example.com/x", "http:// 或 https://"),
    ):
        answer = admin.post(
            "/admin/webhooks/new",
            {"name": "内网", "url": url, "events": ["ticket.routed"]},
            token_from="/admin/webhooks/new",
        )
        assert answer.status_code == 422
        assert words in answer.get_data(as_text=True)
    no_events = admin.post(
        "/admin/webhooks/new",
        {"name": "无事件", "url": "https://93.184.216.34/x"},
        token_from="/admin/webhooks/new",
    )
    assert no_events.status_code == 422 and "请至少选择一个事件" in no_events.get_data(as_text=True)
    assert _hook_ids(app) == []


def test_the_log_shows_the_attempts_and_a_given_up_delivery_can_be_retried(
    app, make, world, login, private_ok, receiver, monkeypatch, count_queries
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 2)
    server = receiver(answers=(503, 503, 200))
    hook_id, server.secret = _hook(app, world, url=server.url)
    make.ticket(world, "university_assigned")
    with app.app_context():
        start = db.utcnow()
        for hours in range(2):
            with db.frozen_clock(start + timedelta(hours=hours)):
                worker.drain()
    [(delivery_id, _subject, _body, status)] = _deliveries(app, hook_id)
    assert status == "failed"
    admin = login(world.admin)
    here = f"/admin/webhooks/{hook_id}"
    page = admin.get(here).get_data(as_text=True)
    assert "503" in page and "重试" in page
    retried = admin.post(f"{here}/deliveries/{delivery_id}/retry", token_from=here)
    assert retried.status_code == 302
    with app.app_context():
        assert worker.drain().sent == 1
    assert [a[0] for a in _attempts(app, delivery_id)] == [503, 503, 200]
    # the log costs the same number of statements whatever its length
    admin.get(here)  # what the layout counts once a while is counted now
    count_queries.count = 0
    admin.get(here)
    few = count_queries.count
    make.ticket(world, "university_assigned")
    make.ticket(world, "university_assigned")
    with app.app_context():
        worker.drain()
    admin.get(here)
    count_queries.count = 0
    page = admin.get(here).get_data(as_text=True)
    assert count_queries.count == few and page.count("<code>ticket.routed</code></td>") == 3


def test_each_step_of_a_ticket_is_its_own_event(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world, events=list(EVENTS))
    make.ticket(world, "closed")
    assert [subject for _id, subject, _body, _st in _deliveries(app)] == [
        "ticket.submitted",
        "ticket.routed",
        "ticket.assigned",
        "ticket.started",
        "ticket.resolved",
        "ticket.closed",
    ]
    *_, (_id, _subject, body, _st) = _deliveries(app)
    assert body["ticket"]["state"] == "closed" and body["ticket"]["expert"]
    assert body["actor_role"] == "commissioner"


def test_a_cooperation_step_is_an_event(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world, events=["cooperation.intention"])
    make.ticket(world, "outcome_intention")
    assert [subject for _id, subject, _body, _st in _deliveries(app)] == ["cooperation.intention"]


def test_https_is_verified_against_the_host_name(app, make, world, private_ok, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A receiver with a certificate nobody vouches for is refused (TLS really runs)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    try:
        url = f"https://localhost:{server.server.server_port}/hook"
        hook_id, _secret = _hook(app, world, url=url)
        make.ticket(world, "university_assigned")
        with app.app_context():
            assert worker.drain().retried == 1
        [(delivery_id, *_rest)] = _deliveries(app, hook_id)
        [(status_code, error)] = _attempts(app, delivery_id)
        assert status_code is None and "CERTIFICATE_VERIFY_FAILED" in error
        assert server.received == []
    finally:
        server.stop()


def test_a_given_up_delivery_shows_on_the_outbox_page_with_its_hook(
    app, make, world, login, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 1)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    hook_id, _secret = _hook(app, world, url="http://127.0.0.1:9/closed")
    make.ticket(world, "university_assigned")
    with app.app_context():
        assert worker.drain().failed == 1
    page = login(world.admin).get("/admin/outbox").get_data(as_text=True)
    assert f'href="/admin/webhooks/{hook_id}"' in page and "ticket.routed" in page
