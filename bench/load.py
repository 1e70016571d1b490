"""Drive the product and the ceiling page with wrk, and write the figures down.

    .venv/bin/python bench/load.py --database-url URL --label "1,000,000 tickets, PostgreSQL"

Starts the product and the ceiling page (bench/ceiling.py) under gunicorn with two sync
workers each on the given database (made by bench/generate.py), signs in as each role, and
drives every page with wrk (Debian's) at 1 and 8 clients, three runs each, taking the median:
each role's home queue, the all-tickets queue, a filtered queue, a deep page, search by word
and by number, the ticket page with the longest history, the dashboard, filing a ticket, one
transition and one comment. For each page it prints requests per second, p50/p95/p99, the
share of the ceiling's throughput at 8 clients, and the SQL statements and SQL time the page
reports (SQL_STATS=1), then each worker's memory before and after 20,000 more requests.
With --out the table is written into that Markdown file under a heading for --label.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ticketing.tickets.queues import Cursor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "bench-pass-2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# who signs in for each role; the one who files in the write scenarios is another
# commissioner, so that what they file does not grow the queue the read scenarios measure
LOGINS = {"admin": "bench-admin", "commissioner": "bench-commissioner",
          "liaison": "bench-liaison", "expert": "bench-expert", "filer": "commissioner1"}  # fmt: skip


def app_env(database_url: str) -> dict[str, str]:
    """The product's settings for a benchmark run (no throttling, no log lines per request)."""
    return {"DATABASE_URL": database_url, "SECRET_KEY": "bench-" * 8, "RATELIMIT_ENABLED": "0",
            "TICKETING_ENV": "development", "LOG_LEVEL": "WARNING",
            "TODO_COUNT_SECONDS": "86400"}  # fmt: skip


@dataclass
class Scenario:
    name: str
    role: str
    paths: list[str]
    method: str = "GET"
    bodies: list[str] = field(default_factory=list)
    reset: str = ""  # SQL run before each run of a write that uses up its tickets


@dataclass
class Figure:
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            GUNICORN,
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],  # fmt: skip
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{app} did not start on port {port}")


class Client:
    """A signed-in person: cookies and the CSRF token of their session."""

    def __init__(self, base: str, login: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener = opener
        page = self.get("/login")
        token = CSRF.search(page).group(1)
        self.post("/login", {"login": login, "password": PASSWORD, "csrf_token": token})
        self.token = CSRF.search(self.get("/account")).group(1)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    def headers(self, path: str) -> dict[str, str]:
        with self.opener.open(self.base + path) as response:
            response.read()
            return dict(response.headers)

    def post(self, path: str, data: dict[str, str]) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, body) as response:
            return response.read().decode()

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


LUA = """
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local threads, counter, i = %(threads)d, 0, 0
wrk.headers["Cookie"] = %(cookie)s
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
function setup(thread) thread:set("slot", counter); counter = counter + 1 end
function request()
  local k = ((slot or 0) + i * threads) %% #paths + 1
  i = i + 1
  return wrk.format("%(method)s", paths[k], nil, bodies[k])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration": %%d, "errors": %%d, "p50": %%d, "p95": %%d, "p99": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def lua_list(items: list[str]) -> str:
    return ", ".join(json.dumps(item, ensure_ascii=False) for item in items)


def wrk(url: str, scenario: Scenario, cookie: str, clients: int, seconds: int) -> Figure:
    threads = min(2, clients)
    bodies = scenario.bodies or [""] * len(scenario.paths)
    script = LUA % {
        "paths": lua_list(scenario.paths),
        "bodies": lua_list(bodies) if scenario.bodies else lua_list([""]),
        "threads": threads,
        "cookie": json.dumps(cookie),
        "method": scenario.method,
    }
    if not scenario.bodies:
        script = script.replace("bodies[k]", "nil")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            handle.name,
            url,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(handle.name).unlink()
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return Figure(
        rps=result["requests"] / (result["duration"] / 1e6),
        p50=result["p50"] / 1000,
        p95=result["p95"] / 1000,
        p99=result["p99"] / 1000,
        errors=result["errors"],
    )


def median(figures: list[Figure]) -> Figure:
    return Figure(
        rps=statistics.median(f.rps for f in figures),
        p50=statistics.median(f.p50 for f in figures),
        p95=statistics.median(f.p95 for f in figures),
        p99=statistics.median(f.p99 for f in figures),
        errors=sum(f.errors for f in figures),
    )


def scenarios(engine: Any, clients: dict[str, Client]) -> list[Scenario]:
    with engine.connect() as db:
        one = lambda sql, **kw: db.execute(text(sql), kw).scalar()  # noqa: E731
        busy = one(
            "SELECT t.number FROM ticket t JOIN (SELECT ticket_id, count(*) n FROM ticket_event "
            "GROUP BY ticket_id ORDER BY n DESC LIMIT 1) e ON e.ticket_id = t.id"
        )
        number = one(
            "SELECT number FROM ticket WHERE state = 'closed' ORDER BY id LIMIT 1 OFFSET 5000"
        )
        submitted = [r[0] for r in db.execute(text(
            "SELECT number FROM ticket WHERE state = 'submitted' ORDER BY id LIMIT 5000"))]  # fmt: skip
        working = [r[0] for r in db.execute(text(
            "SELECT number FROM ticket WHERE state = 'in_progress' ORDER BY id DESC LIMIT 500"))]  # fmt: skip
        university = one("SELECT id FROM university ORDER BY id LIMIT 1")
        enterprise = one(
            'SELECT ce.enterprise_id FROM commissioner_enterprise ce JOIN "user" u '
            "ON u.id = ce.user_id WHERE u.login = 'commissioner1' ORDER BY 1 LIMIT 1"
        )
        experts_enterprise = one(
            'SELECT t.enterprise_id FROM ticket t JOIN "user" u ON u.id = t.expert_id '
            "WHERE u.login = 'bench-expert' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        to_assign = one(
            'SELECT t.number FROM ticket t JOIN "user" u ON u.university_id = t.university_id '
            "WHERE u.login = 'bench-liaison' AND t.state = 'university_assigned' "
            "ORDER BY t.id LIMIT 1"
        )
        # the routing suggestions: a submitted ticket the route scenario leaves alone, and
        # another ticket routed to bench-liaison's university
        to_route = one(
            "SELECT number FROM ticket WHERE state = 'submitted' ORDER BY id DESC LIMIT 1"
        )
        to_suggest = one(
            'SELECT t.number FROM ticket t JOIN "user" u ON u.university_id = t.university_id '
            "WHERE u.login = 'bench-liaison' AND t.state = 'university_assigned' "
            "ORDER BY t.id DESC LIMIT 1"
        )
        campaign = one("SELECT id FROM campaign ORDER BY id DESC LIMIT 1 OFFSET 1")
        year = str(one("SELECT starts_on FROM campaign WHERE id = :c", c=campaign))[:4]
    deep = deep_page(engine)
    token = {role: c.token for role, c in clients.items()}
    route = [
        urllib.parse.urlencode(
            {"route-csrf_token": token["admin"], "route-university_id": university}
        )
    ] * len(submitted)
    filing = urllib.parse.urlencode({
        "csrf_token": token["filer"], "title": "变频器散热风扇异响", "enterprise_id": enterprise,
        "category": "tech_upgrade", "priority": "normal", "description": "夏季高温时异响明显。",
    })  # fmt: skip
    comment = urllib.parse.urlencode({"csrf_token": token["admin"], "body": "已安排现场查看。"})
    reset = (
        "UPDATE ticket SET state = 'submitted', university_id = NULL, routed_at = NULL "
        "WHERE number IN ({})".format(", ".join(f"'{n}'" for n in submitted))
    )
    return [
        Scenario("admin: what waits for me (to-do lists)", "admin", ["/"]),
        Scenario("liaison: what waits for me", "liaison", ["/"]),
        Scenario("expert: what waits for me", "expert", ["/"]),
        Scenario("commissioner: what waits for me", "commissioner", ["/"]),
        Scenario("commissioner: my enterprises' queue", "commissioner", ["/queue/mine"]),
        Scenario("expert: assigned to me", "expert", ["/queue/assigned"]),
        Scenario("liaison: my university's queue", "liaison", ["/queue/university"]),
        Scenario("admin: to route", "admin", ["/queue/to_route"]),
        Scenario("admin: all tickets", "admin", ["/queue/all"]),
        Scenario("admin: all tickets, soonest due first", "admin", ["/queue/all?sort=due"]),
        Scenario("admin: to route, soonest due first", "admin", ["/queue/to_route?sort=due"]),
        Scenario(
            "liaison: my university's queue, soonest due first",
            "liaison",
            ["/queue/university?sort=due"],
        ),
        Scenario(
            "expert: assigned to me, soonest due first", "expert", ["/queue/assigned?sort=due"]
        ),
        Scenario("admin: working-time settings", "admin", ["/admin/working-time"]),
        # what Prometheus and a load balancer ask every few seconds (loopback: no sign-in)
        Scenario("monitoring: /metrics scrape", "admin", ["/metrics"]),
        Scenario("monitoring: /readyz", "admin", ["/readyz"]),
        Scenario("admin: API, all tickets", "admin", ["/api/v1/tickets?queue=all"]),
        Scenario("liaison: API, my university's tickets", "liaison", ["/api/v1/tickets"]),
        Scenario(
            f"expert: API, ticket with the longest history ({busy})",
            "expert",
            [f"/api/v1/tickets/{busy}"],
        ),  # fmt: skip
        Scenario(
            "admin: filtered queue", "admin", ["/queue/all?state=in_progress&category=tech_upgrade"]
        ),
        Scenario("admin: deep page (page 1,000)", "admin", [deep]),
        Scenario(
            "admin: search by word (变频器)", "admin", ["/queue/all?q=%E5%8F%98%E9%A2%91%E5%99%A8"]
        ),
        Scenario("admin: search by number", "admin", [f"/queue/all?q={number}"]),
        Scenario(
            "admin: search by word, latest first (变频器)",
            "admin",
            ["/queue/all?order=recent&q=%E5%8F%98%E9%A2%91%E5%99%A8"],
        ),
        Scenario(  # a word of the comments and visit records, in a quarter of the tickets
            "admin: search by word in notes (润滑)", "admin", ["/queue/all?q=%E6%B6%A6%E6%BB%91"]
        ),
        Scenario(
            "admin: search by word, ranked page 5 (润滑)",
            "admin",
            ["/queue/all?q=%E6%B6%A6%E6%BB%91&page=5"],
        ),
        Scenario(
            "admin: search by a rarer word (测序)", "admin", ["/queue/all?q=%E6%B5%8B%E5%BA%8F"]
        ),
        Scenario(
            "expert: search by word (润滑)", "expert", ["/queue/assigned?q=%E6%B6%A6%E6%BB%91"]
        ),
        Scenario(f"expert: ticket page, longest history ({busy})", "expert", [f"/tickets/{busy}"]),
        Scenario("admin: dashboard", "admin", ["/dashboard"]),
        Scenario("admin: dashboard, one year", "admin", [f"/dashboard?year={year}"]),
        Scenario(
            "admin: dashboard, a quarter, a park and a category",
            "admin",
            [f"/dashboard?year={year}&quarter=3&park=1&category=tech_upgrade"],
        ),
        Scenario("admin: dashboard, a campaign", "admin", [f"/dashboard?campaign={campaign}"]),
        # a park or a category alone: the medians count days from the tickets selected
        Scenario("admin: dashboard, a park (all years)", "admin", ["/dashboard?park=1"]),
        Scenario(
            "admin: dashboard, a category (all years)",
            "admin",
            ["/dashboard?category=tech_upgrade"],
        ),
        Scenario("liaison: dashboard (their university)", "liaison", ["/dashboard"]),
        Scenario(
            "admin: tickets behind a figure (a year's resolved)",
            "admin",
            [f"/reports/tickets?figure=resolved&year={year}"],
        ),
        Scenario(
            "admin: cooperations behind a figure (a year's agreements)",
            "admin",
            [f"/reports/cooperations?figure=agreements&year={year}"],
        ),
        Scenario("admin: yearly report", "admin", [f"/reports/yearly?year={year}"]),
        Scenario("admin: campaign page", "admin", [f"/campaigns/{campaign}"]),
        Scenario(
            "admin: experts' work records, one year", "admin", [f"/records/experts?year={year}"]
        ),
        Scenario(
            "admin: commissioners' work records, one year",
            "admin",
            [f"/records/commissioners?year={year}"],
        ),
        Scenario(
            "expert: enterprise page (their busiest enterprise)",
            "expert",
            [f"/enterprises/{experts_enterprise}"],
        ),
        Scenario(
            "liaison: ticket page with the expert picker", "liaison", [f"/tickets/{to_assign}"]
        ),
        Scenario(
            "admin: ticket page, routing suggestions (universities)",
            "admin",
            [f"/tickets/{to_route}"],
        ),
        Scenario(
            "liaison: ticket page, routing suggestions (experts)",
            "liaison",
            [f"/tickets/{to_suggest}"],
        ),
        Scenario("admin: enterprises list", "admin", ["/admin/enterprises"]),
        Scenario("commissioner: file a ticket (POST)", "filer", ["/tickets/new"], "POST", [filing]),
        Scenario(
            "admin: route a ticket (POST)",
            "admin",
            [f"/tickets/{n}/act/route" for n in submitted],
            "POST",
            route,
            reset,
        ),  # fmt: skip
        Scenario(
            "admin: comment (POST)",
            "admin",
            [f"/tickets/{n}/comments" for n in working],
            "POST",
            [comment] * len(working),
        ),  # fmt: skip
    ]


def deep_page(engine: Any) -> str:
    """The all-tickets queue 1,000 pages in (20 a page), as its Older link leads there."""
    with engine.connect() as db:
        row = db.execute(text(
            "SELECT updated_at, id FROM ticket WHERE state <> 'draft' "
            "ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET 19999"
        )).one()  # fmt: skip
    updated_at = row[0] if isinstance(row[0], datetime) else datetime.fromisoformat(row[0])
    return f"/queue/all?after={Cursor(updated_at.replace(tzinfo=UTC), row[1])}"


def sql_stats(client: Client, scenario: Scenario) -> dict[str, str]:
    """What the page reports of its SQL, warm (median of five requests); pages only."""
    if scenario.method != "GET":
        return {}
    seen = [client.headers(scenario.paths[0]) for _ in range(5)]
    times = sorted(float(h.get("X-SQL-Time-Ms", 0)) for h in seen)
    return {
        "X-SQL-Statements": seen[-1].get("X-SQL-Statements", ""),
        "X-SQL-Time-Ms": f"{times[2]:.2f}",
    }


def drain(base: str) -> None:
    """Wait until the server has worked off what a slow scenario left queued."""
    for _ in range(120):
        started = time.perf_counter()
        with urllib.request.urlopen(base + "/login") as response:
            response.read()
        if time.perf_counter() - started < 0.05:
            return
        time.sleep(1)


def rss_kb(master: subprocess.Popen[bytes]) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this")
    parser.add_argument("--out", help="Markdown file to write the table into")
    parser.add_argument("--memory", action="store_true", help="then 20,000 requests for RSS")
    args = parser.parse_args()
    engine = create_engine(args.database_url)
    # A browser keeps the to-do counts its last page left in the session (renewed every 30 s);
    # wrk sends one fixed cookie, taken at sign-in, so the counts it carries are kept for the
    # whole run. What counting costs shows in the home pages, which always count anew.
    env = {**app_env(args.database_url), "SQL_STATS": "1"}
    ceiling_port, app_port = free_port(), free_port()
    ceiling = serve("bench.ceiling:app", ceiling_port, env)
    product = serve("ticketing:create_app()", app_port, env)
    try:
        base = f"http://127.0.0.1:{app_port}"
        clients = {role: Client(base, login) for role, login in LOGINS.items()}
        plan = [s for s in scenarios(engine, clients) if args.only in s.name]
        ceiling_scenario = Scenario("ceiling: one indexed 50-row query", "admin", ["/"])
        rows = []
        ceiling_figures = {}
        for clients_n in (1, 8):
            ceiling_figures[clients_n] = median([
                wrk(f"http://127.0.0.1:{ceiling_port}", ceiling_scenario, "", clients_n, args.seconds)
                for _ in range(args.runs)
            ])  # fmt: skip
        rows.append((ceiling_scenario.name, ceiling_figures[1], ceiling_figures[8], "", ""))
        print(_line(rows[-1], ceiling_figures[8]), flush=True)
        for scenario in plan:
            client = clients[scenario.role]
            figures = {}
            for clients_n in (1, 8):
                runs = []
                for _ in range(args.runs):
                    if scenario.reset:
                        with engine.begin() as db:
                            db.execute(text(scenario.reset))
                    runs.append(wrk(base, scenario, client.cookie, clients_n, args.seconds))
                figures[clients_n] = median(runs)
                drain(base)
            stats = sql_stats(client, scenario)
            rows.append((scenario.name, figures[1], figures[8], stats.get("X-SQL-Statements", ""),
                         stats.get("X-SQL-Time-Ms", "")))  # fmt: skip
            print(_line(rows[-1], ceiling_figures[8]), flush=True)
        memory = ""
        if args.memory:
            before = rss_kb(product)
            mix = Scenario("memory", "admin", ["/queue/all", "/queue/to_route", "/dashboard"])
            served, deadline = 0, time.monotonic() + 600
            while served < 20_000 and time.monotonic() < deadline:
                figure = wrk(base, mix, clients["admin"].cookie, 8, 5)
                served += int(figure.rps * 5)
            after = rss_kb(product)
            memory = f"Worker RSS before {before} KB, after {served:,} more requests {after} KB"
            print(memory)
        table = _table(rows, ceiling_figures[8], memory, args)
        if args.out:
            _write(Path(args.out), args.label, table)
    finally:
        for process in (ceiling, product):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


def _line(row: tuple[Any, ...], ceiling: Figure) -> str:
    name, one, eight, statements, sql_ms = row
    share = eight.rps / ceiling.rps * 100
    return (f"{name:48} 1: {one.rps:7.0f}/s p95 {one.p95:6.1f} ms | 8: {eight.rps:7.0f}/s "
            f"p50 {eight.p50:6.1f} p95 {eight.p95:6.1f} p99 {eight.p99:6.1f} ms "
            f"{share:5.1f}% of ceiling | SQL {statements} ({sql_ms} ms) errors {eight.errors}")  # fmt: skip


def _table(rows: list[tuple[Any, ...]], ceiling: Figure, memory: str, args: Any) -> str:
    lines = [
        "| page | 1 client: req/s | p95 ms | 8 clients: req/s | p50 ms | p95 ms | p99 ms "
        "| share of ceiling | SQL statements | SQL ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, one, eight, statements, sql_ms in rows:
        lines.append(
            f"| {name} | {one.rps:,.0f} | {one.p95:.1f} | {eight.rps:,.0f} | {eight.p50:.1f} "
            f"| {eight.p95:.1f} | {eight.p99:.1f} | {eight.rps / ceiling.rps:.0%} "
            f"| {statements} | {sql_ms} |"
        )
    options = (f" --out {args.out}" if args.out else "") + (" --memory" if args.memory else "")
    options += f' --only "{args.only}"' if args.only else ""
    command = (
        f"`.venv/bin/python bench/load.py --database-url {args.database_url} "
        f'--label "{args.label}"{options} --seconds {args.seconds} --runs {args.runs}`'
    )
    return "\n".join([*lines, "", memory + "." if memory else "", "", f"Command: {command}"])


def _write(path: Path, label: str, table: str) -> None:
    heading = f"### {label}"
    content = path.read_text() if path.exists() else "# Benchmarks\n"
    if heading in content:
        start = content.index(heading)
        end = content.find("\n### ", start + 1)
        content = (
            content[:start] + heading + "\n\n" + table + "\n" + (content[end:] if end != -1 else "")
        )
    else:
        content = content.rstrip() + "\n\n" + heading + "\n\n" + table + "\n"
    path.write_text(content)


if __name__ == "__main__":
    main()
