"""Several app servers over one PostgreSQL and one Redis, as a province runs them.

Two gunicorn servers (deploy/gunicorn.conf.py, production settings, two workers each) listen
on two ports over one database, one Redis and one shared upload folder. A person's requests
go to either, as behind a load balancer, and it makes no difference: a session made on one
works on the other, a change made on one is current on the other, a file uploaded to one is
served by the other, failed sign-ins are counted across both, a session ended on one is
ended on the other. Two notification workers over the same outbox never send a message
twice, and two due-reminder runs at once write each reminder once.

Runs in the PostgreSQL run (TEST_DB=postgresql) with Redis on 127.0.0.1:6379."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from alembic import command
from sqlalchemy import create_engine, func, select, text

from tests.helpers import scratch_postgres
from ticketing.cli import alembic_config
from ticketing.notify.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 120

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("TEST_DB") != "postgresql",
        reason="several servers share one PostgreSQL: runs in the PostgreSQL run",
    ),
    pytest.mark.no_transaction,
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


class Inbox:
    """An SMTP server that takes its time over each message and keeps each one's Message-ID."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        mail = message_from_bytes(envelope.content)
        time.sleep(0.02)  # a real server's pace: the two workers overlap
        with self.lock:
            self.ids.append(str(mail["Message-ID"]))
        return "250 OK"


class Browser:
    """One person's browser: keeps its cookies and sends them to whichever server it is told
    to (the production cookies are Secure; this browser sends them over the test's HTTP)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        response = requests.request(
            method, url, cookies=dict(self.cookies), allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in header or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, url: str) -> requests.Response:
        return self.request("GET", url)

    def post_form(
        self, page: str, action: str, data: dict[str, str], **kwargs: Any
    ) -> requests.Response:
        """Post `data` to `action` with the CSRF token of the form page `page`."""
        html = self.get(page).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token, f"no form on {page}"
        return self.request("POST", action, data={"csrf_token": token.group(1), **data}, **kwargs)

    def sign_in(self, server: str, login: str, password: str) -> requests.Response:
        return self.post_form(
            f"{server}/login", f"{server}/login", {"login": login, "password": password}
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    with scratch_postgres("servers") as url:
        yield from _cluster(url, tmp_path_factory)


def _cluster(url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    command.upgrade(alembic_config(url), "head")
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.servers_seed", str(MESSAGES)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(seeded.stdout.strip().splitlines()[-1])

    folder = tmp_path_factory.mktemp("servers")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        **os.environ,
        "TICKETING_ENV": "production",
        "SECRET_KEY": "several-servers-share-this-secret-of-48-bytes-xx",
        "DATABASE_URL": url,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"servers-{uuid.uuid4().hex[:8]}",
        "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
        "LOGIN_IP_RATE_LIMIT": "1000 per minute",
        "TRUSTED_HOSTS": "127.0.0.1",
        "UPLOAD_FOLDER": str(folder / "uploads"),  # the mount every server shares
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("FLASK_DEBUG", None)
    servers, processes = [], []
    for _ in range(2):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "deploy/gunicorn.conf.py",
                    "ticketing:create_app()",
                ],  # fmt: skip
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL,
                stderr=open(folder / f"server-{port}.log", "w"),  # noqa: SIM115 - closed with the process
            )
        )
        servers.append(f"http://127.0.0.1:{port}")
    try:
        for server, process in zip(servers, processes, strict=True):
            _wait_ready(server, process)
        yield {
            **data,
            "servers": servers,
            "url": url,
            "env": env,
            "inbox": inbox,
            "folder": folder,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        smtp.stop()


def _wait_ready(server: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped while starting"
        try:
            if requests.get(f"{server}/readyz", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{server} was not ready within a minute")


def test_a_session_made_on_one_server_works_on_the_other(cluster) -> None:  # type: ignore[no-untyped-def]
    a, b = cluster["servers"]
    person = Browser()
    assert person.sign_in(a, cluster["admin"], cluster["password"]).status_code == 302
    page = person.get(f"{b}/tickets/{cluster['ticket']}")
    assert page.status_code == 200
    assert 'name="route-csrf_token"' in page.text  # the administrator's route form, on B


def test_a_change_on_one_server_is_current_on_the_other(cluster) -> None:  # type: ignore[no-untyped-def]
    a, b = cluster["servers"]
    number = cluster["ticket"]
    zone = Browser()
    zone.sign_in(b, cluster["admin"], cluster["password"])
    liaison = Browser()
    liaison.sign_in(a, cluster["liaison_u1"], cluster["password"])
    assert liaison.get(f"{b}/tickets/{number}").status_code == 404  # not routed to them yet

    page = zone.get(f"{a}/tickets/{number}").text
    version = re.search(r'name="route-version"[^>]*value="(\d+)"', page)
    token = re.search(r'name="route-csrf_token"[^>]*value="([^"]+)"', page)
    assert version and token
    routed = zone.request(
        "POST",
        f"{a}/tickets/{number}/act/route",
        data={
            "route-csrf_token": token.group(1),
            "route-version": version.group(1),
            "route-university_id": str(cluster["university"]),
        },
    )
    assert routed.status_code in (302, 303)

    on_b = liaison.get(f"{b}/tickets/{number}")
    assert on_b.status_code == 200
    assert 'name="assign_expert-csrf_token"' in on_b.text  # the liaison's next step, at once
    assert 'name="route-csrf_token"' not in zone.get(f"{b}/tickets/{number}").text


def test_a_file_uploaded_to_one_server_is_served_by_the_other(cluster) -> None:  # type: ignore[no-untyped-def]
    a, b = cluster["servers"]
    number = cluster["ticket"]
    person = Browser()
    person.sign_in(a, cluster["commissioner_a"], cluster["password"])
    content = "主轴温度记录\n".encode() * 200
    added = person.post_form(
        f"{a}/tickets/{number}",
        f"{a}/tickets/{number}/attachments",
        {},
        files={"file": ("温度记录.txt", content, "text/plain")},
    )
    assert added.status_code == 303
    page = person.get(f"{b}/tickets/{number}").text
    links = re.findall(r'href="/files/(\d+)"', page)
    assert links, "the file is listed on the other server"
    download = person.get(f"{b}/files/{links[-1]}")
    assert download.status_code == 200
    assert download.content == content


def test_failed_sign_ins_are_counted_across_both_servers(cluster) -> None:  # type: ignore[no-untyped-def]
    a, b = cluster["servers"]
    login = cluster["expert_u1"]
    for attempt in range(5):  # the limit, spread over the two servers
        stranger = Browser()
        refused = stranger.sign_in((a, b)[attempt % 2], login, "not-the-password")
        assert refused.status_code == 422
    for server in (a, b):
        late = Browser().sign_in(server, login, cluster["password"])
        assert late.status_code == 422, "the right password is refused while the login is locked"
        assert "Too many failed sign-ins" in late.text or "登录失败次数过多" in late.text


def test_a_session_ended_on_one_server_is_ended_on_the_other(cluster) -> None:  # type: ignore[no-untyped-def]
    a, b = cluster["servers"]
    person = Browser()
    assert person.sign_in(a, cluster["commissioner_a"], cluster["password"]).status_code == 302
    assert person.get(f"{b}/").status_code == 200
    copied = dict(person.cookies)  # what someone who copied the cookies would hold

    out = person.post_form(f"{b}/", f"{b}/logout", {})
    assert out.status_code in (302, 303)

    thief = Browser()
    thief.cookies = copied
    for server in (a, b):
        answer = thief.get(f"{server}/")
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]


def _run(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "ticketing", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_notification_workers_never_send_a_message_twice(cluster) -> None:  # type: ignore[no-untyped-def]
    workers = [_run(cluster["env"], "notify", "run", "--once") for _ in range(2)]
    sent = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        sent.append(int(re.search(r"sent (\d+)", out).group(1)))  # type: ignore[union-attr]

    engine = create_engine(cluster["url"])
    with engine.connect() as connection:
        ids = connection.scalars(select(OutboxMessage.id)).all()
        statuses = dict(
            connection.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
    engine.dispose()
    received = Counter(cluster["inbox"].ids)
    assert sum(sent) == len(received) >= MESSAGES
    assert all(n == 1 for n in received.values()), "a message was sent twice"
    assert {f"outbox-{i}" for i in ids} == {
        re.search(r"(outbox-\d+)@", m).group(1) for m in received
    }  # type: ignore[union-attr]
    assert statuses == {"sent": len(ids)}
    assert all(n > 0 for n in sent), f"the workers did not work side by side: {sent}"


def test_two_reminder_runs_at_once_write_each_reminder_once(cluster) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(cluster["url"])
    with engine.begin() as connection:  # the routed ticket's step is three days late
        connection.execute(
            text(
                "UPDATE ticket SET due_at = now() - interval '3 days',"
                " due_soon_at = now() - interval '4 days' WHERE number = :number"
            ),
            {"number": cluster["ticket"]},
        )
    # Both runs are made to meet: while the test holds the notification table, each run can
    # read but not write, so both get as far as they can before either writes anything.
    gate = engine.connect()
    held = gate.begin()
    gate.execute(text("LOCK TABLE notification IN EXCLUSIVE MODE"))
    runs = [_run(cluster["env"], "notify", "due") for _ in range(2)]
    deadline = time.monotonic() + 60
    while _waiting_on_locks(engine) < 2:
        assert time.monotonic() < deadline, "the two runs did not both reach the database"
        assert all(run.poll() is None for run in runs)
        time.sleep(0.1)
    held.rollback()
    gate.close()
    written = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        written.append(int(re.search(r"(\d+) reminders written", out).group(1)))  # type: ignore[union-attr]
    with engine.connect() as connection:
        keys = connection.scalars(text("SELECT key FROM notification WHERE kind = 'overdue'")).all()
    engine.dispose()
    assert keys, "the overdue step was reminded of"
    assert len(keys) == len(set(keys)) == sum(written)
    assert sorted(written)[0] == 0, f"both runs wrote reminders: {written}"


def _waiting_on_locks(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
