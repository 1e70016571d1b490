"""/metrics: requests counted by endpoint (never by path), durations by endpoint, the
database's figures equal to the real counts, gunicorn's workers added up through
PROMETHEUS_MULTIPROC_DIR, and nothing answered to a stranger without the token."""

from __future__ import annotations

import json
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from ticketing import db
from ticketing.metrics import http
from ticketing.notify.models import OutboxMessage
from ticketing.tickets.deadlines import STEP_TARGET
from ticketing.tickets.models import Ticket
from ticketing.workflow import State

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient, **kwargs) -> Samples:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(response.get_data(as_text=True))


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_this_process_keeps_its_figures_in_memory() -> None:
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    assert not http.multiprocess_mode()


def test_a_request_moves_its_counter_and_its_histogram(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    before = scrape(client)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page/CZ-2026-99999").status_code == 404
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    assert moved("ticketing_http_requests_total", **ok) == 2
    # the first scrape counted itself once its answer was ready
    scrape_ok = {"endpoint": "metrics.metrics", "method": "GET", "status": "200"}
    assert moved("ticketing_http_requests_total", **scrape_ok) == 1
    # a path no route knows counts under "none", and no path is ever a label
    assert moved("ticketing_http_requests_total", endpoint="none", method="GET", status="404") == 1
    labels = {dict(key)["endpoint"] for name, key in after if dict(key).get("endpoint")}
    assert all("/" not in endpoint for endpoint in labels)
    duration = "ticketing_http_request_duration_seconds"
    assert moved(f"{duration}_count", endpoint="health.healthz") == 2
    assert moved(f"{duration}_bucket", endpoint="health.healthz", le="+Inf") == 2
    assert moved(f"{duration}_bucket", endpoint="health.healthz", le="30.0") == 2
    assert value(after, f"{duration}_sum", endpoint="health.healthz") > 0


def test_an_odd_method_is_counted_as_other(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    before = scrape(client)
    client.open("/healthz", method="BREW")
    after = scrape(client)
    other = {"endpoint": "none", "method": "other", "status": "405"}
    assert (
        value(after, "ticketing_http_requests_total", **other)
        - value(before, "ticketing_http_requests_total", **other)
        == 1
    )
    assert not any(dict(key).get("method") == "BREW" for _name, key in after)


def _real_counts(app) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with app.app_context():
        by_state = dict(
            db.session.execute(
                select(Ticket.state, func.count())
                .where(Ticket.state != State.DRAFT)
                .group_by(Ticket.state)
            ).all()
        )
        outbox = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        now = db.utcnow()
        overdue = {
            step: db.session.scalar(
                select(func.count()).where(Ticket.state == state, Ticket.due_at < now)
            )
            for state, step in STEP_TARGET.items()
        }
    return {"by_state": by_state, "outbox": outbox, "overdue": overdue}


def test_the_database_figures_are_the_real_counts(app, make, world) -> None:  # type: ignore[no-untyped-def]
    with db.frozen_clock(db.utcnow() - timedelta(days=200)):  # due long ago: overdue now
        make.ticket(world, "submitted")
        make.ticket(world, "in_progress")
    for state in ("draft", "submitted", "expert_assigned", "resolved", "closed", "withdrawn"):
        make.ticket(world, state)
    with app.app_context():
        for status in ("pending", "pending", "pending", "failed", "sent"):
            db.session.add(
                OutboxMessage(
                    channel="email", recipient="x@example.cn", subject="s", body="b", status=status
                )
            )
        db.session.commit()
    real = _real_counts(app)
    samples = scrape(app.test_client())
    assert value(samples, "ticketing_database_up") == 1
    by_state = real["by_state"]
    assert isinstance(by_state, dict) and len(by_state) >= 6
    for state in State:
        shown = value(samples, "ticketing_tickets", state=state.value)
        assert shown == (0 if state == State.DRAFT else by_state.get(state.value, 0)), state
    assert ("ticketing_tickets", frozenset({("state", "draft")})) not in samples
    outbox = real["outbox"]
    assert isinstance(outbox, dict)
    assert value(samples, "ticketing_outbox_pending") == outbox["pending"] == 3
    assert value(samples, "ticketing_outbox_failed") == outbox["failed"] == 1
    overdue = real["overdue"]
    assert isinstance(overdue, dict)
    assert overdue["route"] >= 1 and overdue["resolve"] >= 1
    for step, n in overdue.items():
        assert value(samples, "ticketing_overdue_steps", step=step) == n, step


def test_a_scrape_costs_the_same_statements_whatever_the_tickets(
    app, make, world, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    scrape(client)
    few = count_queries.count
    for state in ("submitted", "in_progress", "closed"):
        make.ticket(world, state)
    count_queries.count = 0
    scrape(client)
    # the two reads (the tally; the outbox and overdue counts), and under the tests'
    # transaction a savepoint and its rollback
    assert count_queries.count == few <= 4


def test_strangers_get_404_without_the_token(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    away = {"REMOTE_ADDR": "10.20.30.40"}
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    assert client.get("/metrics", environ_base=away).status_code == 404
    assert (
        client.get("/metrics", environ_base=away, headers={"Authorization": "Bearer "}).status_code
        == 404
    )
    token = "metrics-token-0123456789abcdef"
    monkeypatch.setitem(app.config, "METRICS_TOKEN", token)
    assert client.get("/metrics", environ_base=away).status_code == 404
    wrong = {"Authorization": "Bearer metrics-token-0123456789abcdeX"}
    assert client.get("/metrics", environ_base=away, headers=wrong).status_code == 404
    basic = {"Authorization": f"Basic {token}"}
    assert client.get("/metrics", environ_base=away, headers=basic).status_code == 404
    right = {"Authorization": f"Bearer {token}"}
    assert client.get("/metrics", environ_base=away, headers=right).status_code == 200
    # loopback, straight or through a proxy on the same machine
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/metrics", headers=proxied).status_code == 404
    assert client.get("/metrics", headers={**proxied, **right}).status_code == 200


def test_nothing_about_people(app, world, login) -> None:  # type: ignore[no-untyped-def]
    for person in (world.admin, world.commissioner_a, world.expert_u1):
        login(person).get("/account")
    text = app.test_client().get("/metrics").get_data(as_text=True)
    for person in (world.admin, world.commissioner_a, world.expert_u1):
        for detail in (person.login, person.name, person.email):
            assert not detail or detail not in text
    assert "@" not in text


WORKER = """
import sys
from ticketing import create_app

app = create_app({
    "ENV": "testing", "TESTING": True, "DATABASE_URL": sys.argv[1], "SECRET_KEY": "metrics-test",
    "RATELIMIT_ENABLED": False, "UPLOAD_FOLDER": sys.argv[3],
})
client = app.test_client()
if sys.argv[2] == "read":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
else:
    for _ in range(int(sys.argv[2])):
        assert client.get("/healthz").status_code == 200
"""


def test_processes_sharing_the_folder_are_added_up(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}

    def run(what: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, database_url, what, str(tmp_path / "uploads")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run("3")
    run("4")
    assert len(list(folder.glob("counter_*.db"))) == 2  # one file per process
    samples = parse(run("read"))
    ok = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    assert value(samples, "ticketing_http_requests_total", **ok) == 7
    duration = "ticketing_http_request_duration_seconds"
    assert value(samples, f"{duration}_count", endpoint="health.healthz") == 7
    assert value(samples, f"{duration}_bucket", endpoint="health.healthz", le="+Inf") == 7
    assert value(samples, "ticketing_database_up") == 1


def _conf(monkeypatch, tmp_path, **env: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The gunicorn settings file as gunicorn reads it, with `env` (restored afterwards)."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prometheus"))
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    for name in ("GUNICORN_ACCESS_LOG", "LOG_FORMAT", "TICKETING_ENV", "BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, given in env.items():
        monkeypatch.setenv(name, given)
    return runpy.run_path(str(CONF))


def test_gunicorn_hooks_empty_the_folder_and_mark_dead_workers(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    conf = _conf(monkeypatch, tmp_path)
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_111.db").write_bytes(b"old")
    (folder / "notes.txt").write_text("kept")
    conf["on_starting"](None)  # type: ignore[operator]
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    (folder / "gauge_livesum_4242.db").write_bytes(b"")
    (folder / "counter_4242.db").write_bytes(b"")
    conf["child_exit"](None, SimpleNamespace(pid=4242))  # type: ignore[operator]
    assert sorted(p.name for p in folder.glob("*.db")) == ["counter_4242.db"]


def test_gunicorn_access_log_and_json_lines_follow_the_settings(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plain = _conf(monkeypatch, tmp_path)
    assert plain["accesslog"] is None and "logconfig_dict" not in plain
    asked = _conf(monkeypatch, tmp_path, GUNICORN_ACCESS_LOG="-", LOG_FORMAT="json")
    assert asked["accesslog"] == "-"
    config = asked["logconfig_dict"]
    assert isinstance(config, dict)
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["json"]
    served = _conf(monkeypatch, tmp_path, BIND="0.0.0.0:8000")  # production: JSON by default
    config = served["logconfig_dict"]
    assert isinstance(config, dict)
    assert config["formatters"]["json"]["()"] == "ticketing.logs.JsonFormatter"
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["nowhere"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_under_gunicorn_two_workers_add_up_and_every_line_is_json(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left from the last run")
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "TICKETING_ENV": "development",
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        # gunicorn 24+ opens a control socket there: not shared with another run's
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("GUNICORN_ACCESS_LOG", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    errors = (tmp_path / "stderr").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "-c", str(CONF), "ticketing:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # until a worker answers (bounded)
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    "gunicorn did not start"
                )
                time.sleep(0.2)
        for _ in range(9):
            urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
        request = urllib.request.Request(
            f"{base}/metrics?x=1", headers={"X-Request-ID": "scrape-0001"}
        )
        samples = parse(urllib.request.urlopen(request, timeout=10).read().decode())
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors.close()
    ok = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    assert value(samples, "ticketing_http_requests_total", **ok) == 10
    assert (
        value(samples, "ticketing_http_request_duration_seconds_count", endpoint="health.healthz")
        == 10
    )
    assert not (folder / "counter_1.db").exists()
    lines = (tmp_path / "stderr").read_text().splitlines()
    parsed = [json.loads(line) for line in lines]  # every line one JSON object
    assert {"gunicorn.error", "ticketing.request"} <= {line["logger"] for line in parsed}
    assert not any(line["logger"] == "gunicorn.access" for line in parsed)  # off by default
    [scrape_line] = [line for line in parsed if line.get("request_id") == "scrape-0001"]
    assert scrape_line["path"] == "/metrics" and scrape_line["status"] == 200
    assert scrape_line["endpoint"] == "metrics.metrics" and scrape_line["time"].endswith("Z")
