"""gunicorn settings for ticketing: `gunicorn -c deploy/gunicorn.conf.py 'ticketing:create_app()'`.

Every value can be changed from the environment (the systemd unit's EnvironmentFile), so this
file stays as shipped:

- BIND: where to listen, default 127.0.0.1:8000 (nginx in front, on the same machine);
  several addresses separated by commas.
- WEB_CONCURRENCY: worker processes, default 2 per CPU plus 1, at most 9 (each holds a pool
  of database connections: workers × 5 must stay under PostgreSQL's max_connections).
- GUNICORN_TIMEOUT: seconds a request may run before its worker is replaced, default 60 (a
  spreadsheet export of a year of tickets takes a few seconds at a million tickets).

Served on an address other than loopback with TICKETING_ENV unset, the app starts in
production mode (secure cookies, the start-up checks), never in development mode.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os


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
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "ticketing"

if os.environ.get("TICKETING_ENV", "") == "" and not all(is_loopback(b) for b in bind):
    os.environ["TICKETING_ENV"] = "production"
