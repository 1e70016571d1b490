"""Where a request's work is done: in the app server or in PostgreSQL. The basis of
docs/scaling.md.

    .venv/bin/python bench/split.py --database-url URL [--seconds 30]

Starts the product under gunicorn (two sync workers) on a database made by bench/generate.py,
signs in as each role, and drives a mix of the read pages of bench/load.py (each role's
lists, search, the ticket page, the dashboard; every page equally often) with wrk, one
role in turn, eight connections. Before and after each, it reads the CPU time the gunicorn
workers and every PostgreSQL process have used (/proc), and prints the requests served and
the CPU milliseconds per request on each side, with the ceiling page measured in the same
run for comparison. PostgreSQL must run on this machine (its processes are read from /proc).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import LOGINS, Client, Scenario, app_env, free_port, scenarios, serve, wrk  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
ROLES = ("admin", "commissioner", "liaison", "expert")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def workers(master: subprocess.Popen[bytes]) -> list[int]:
    return [
        int(p) for p in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    ]


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    engine = create_engine(args.database_url)
    env = app_env(args.database_url)
    ceiling_port, app_port = free_port(), free_port()
    ceiling = serve("bench.ceiling:app", ceiling_port, env)
    product = serve("ticketing:create_app()", app_port, env)
    try:
        base = f"http://127.0.0.1:{app_port}"
        clients = {role: Client(base, login) for role, login in LOGINS.items()}
        mixes = {
            role: Scenario(
                f"{role}: mix",
                role,
                [
                    path
                    for s in scenarios(engine, clients)
                    if s.role == role and s.method == "GET" and not s.name.startswith("monitoring")
                    for path in s.paths[:3]
                ],
            )
            for role in ROLES
        }
        for role, mix in mixes.items():
            print(f"{role}: {len(mix.paths)} pages, e.g. {', '.join(mix.paths[:4])}")
        cookies = {role: clients[role].cookie for role in ROLES}
        for role in ROLES:  # warm
            wrk(base, mixes[role], cookies[role], 2, 2)
        ceiling_figure = wrk(
            f"http://127.0.0.1:{ceiling_port}",
            Scenario("ceiling", "admin", ["/"]),
            "",
            8,
            args.seconds,
        )
        print(f"ceiling at 8 clients: {ceiling_figure.rps:,.0f} req/s")
        app_pids = workers(product)
        for role in ROLES:  # one role at a time, so that each one's cost is its own
            pg_pids = postgres_pids()
            app_before, pg_before = cpu_seconds(app_pids), cpu_seconds(pg_pids)
            figure = wrk(base, mixes[role], cookies[role], 8, args.seconds)
            app_cpu = cpu_seconds(app_pids) - app_before
            pg_cpu = cpu_seconds(postgres_pids()) - pg_before
            served = figure.rps * args.seconds
            print(
                f"{role}: {figure.rps:,.0f} req/s at 8 clients, p50 {figure.p50:.1f} ms, "
                f"p95 {figure.p95:.1f} ms, {figure.errors} errors; per request "
                f"{1000 * app_cpu / served:.2f} ms of app CPU, "
                f"{1000 * pg_cpu / served:.2f} ms of PostgreSQL CPU"
            )
    finally:
        for process in (ceiling, product):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
