"""gunicorn settings for ticketing: `gunicorn -c deploy/gunicorn.conf.py 'ticketing:create_app()'`.

Every value can be changed from the environment (the systemd unit's EnvironmentFile), so this
file stays as shipped:

- BIND: where to listen, default 127.0.0.1:8000 (nginx in front, on the same machine);
  several addresses separated by commas.
- WEB_CONCURRENCY: worker processes, default 2 per CPU plus 1, at most 9 (each holds a pool
  of database connections: workers × 5 must stay under PostgreSQL's max_connections).
- GUNICORN_TIMEOUT: seconds a request may run before its worker is replaced, default 60 (a
  spreadsheet export of a year of tickets takes a few seconds at a million tickets).
- GUNICORN_ACCESS_LOG: gunicorn's access log ("-": standard output, or a file), off by
  default: the app writes one line per request itself (ticketing/logs.py).
- LOG_FORMAT: json (the default in production) writes gunicorn's own lines as JSON objects
  too, through the app's formatter; text leaves gunicorn's format as it is.
- PROMETHEUS_MULTIPROC_DIR: the folder where each worker writes its metrics for /metrics to
  add up, default ticketing-metrics-<BIND> in the temporary folder; emptied when gunicorn
  starts.

Served on an address other than loopback with TICKETING_ENV unset, the app starts in
production mode (secure cookies, the start-up checks), never in development mode.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
import re
import tempfile
from pathlib import Path
from typing import Any

# before prometheus-client is first imported, here or in a worker: it keeps its values in
# files in this folder (multiprocess mode) when the variable is set then
# (one folder per address served: two instances on one machine must not mix their figures)
_served = re.sub(r"[^A-Za-z0-9]+", "-", os.environ.get("BIND", "127.0.0.1:8000")).strip("-")
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"ticketing-metrics-{_served}")
)

from prometheus_client import multiprocess  # noqa: E402 - after the variable is set


def _workers() -> int:
    raw = os.environ.get("WEB_CONCURRENCY", "")
    if raw.strip():
        return max(1, int(raw))
    return min(multiprocessing.cpu_count() * 2 + 1, 9)


def is_loopback(address: str) -> bool:
    """True for 127.0.0.1:8000, [::1]:8000, localhost:8000 and unix:/run/… sockets."""
    if address.startswith(("unix:", "fd://")):
        return True
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or "]" in address else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


bind = [part.strip() for part in os.environ.get("BIND", "127.0.0.1:8000").split(",") if part]
workers = _workers()
# the count each worker's settings check reads (one worker may keep counters in memory)
os.environ.setdefault("WEB_CONCURRENCY", str(workers))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to us open between requests
# a worker is replaced after this many requests (with jitter, so not all at once): memory a
# long-lived process collects is given back
max_requests = 2000
max_requests_jitter = 200
# request lines and headers: what nginx would pass anyway, no more
limit_request_line = 8190
limit_request_fields = 100
# X-Forwarded-* are believed from the local nginx only; the app's TRUSTED_PROXIES decides
# how many proxies to trust for the client address
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "ticketing"

if os.environ.get("TICKETING_ENV", "") == "" and not all(is_loopback(b) for b in bind):
    os.environ["TICKETING_ENV"] = "production"

log_format = os.environ.get(
    "LOG_FORMAT", "json" if os.environ.get("TICKETING_ENV") == "production" else "text"
).lower()


def json_logging(level: str, access: bool) -> dict[str, Any]:
    """Every line on standard error one JSON object: gunicorn's, the app's, the libraries'.
    gunicorn writes its access lines whenever a logging dict is given: to nothing unless
    asked for."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ticketing.logs.JsonFormatter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "nowhere": {"class": "logging.NullHandler"},
        },
        "root": {"level": level.upper(), "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["json"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["json" if access else "nowhere"],
                "propagate": False,
            },
        },
    }


if log_format == "json":
    logconfig_dict = json_logging(loglevel, access=accesslog is not None)


def on_starting(server: Any) -> None:
    """Before the workers start: the metrics folder, empty (the last run's figures are gone)."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges leave the sums (its counters stay counted)."""
    multiprocess.mark_process_dead(worker.pid)
