"""Requests by endpoint, method and status, and their durations by endpoint.

The labels take few values whatever the traffic: the endpoint is the Flask endpoint's name
("tickets.show"), never the path ("/tickets/CZ-2026-00012"); a path no route knows counts as
"none"; a method outside the usual ones as "other". Under gunicorn, prometheus-client writes
each worker's figures to files in PROMETHEUS_MULTIPROC_DIR (set before this module is first
imported: deploy/gunicorn.conf.py does) and /metrics adds them up; otherwise they live in this
process's REGISTRY.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request, request_finished
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, values

from ticketing import logs

REGISTRY = CollectorRegistry()
# no *_created series beside each counter (multiprocess mode has none either)
disable_created_metrics()
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# seconds: a page takes tens of milliseconds, a year's spreadsheet a few seconds
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "ticketing_http_requests",
    "Requests answered, by Flask endpoint, method and status code",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "ticketing_http_request_duration_seconds",
    "Time from a request's start until its answer was ready, by Flask endpoint",
    ["endpoint"],
    buckets=BUCKETS,
    registry=REGISTRY,
)


def multiprocess_mode() -> bool:
    """Whether prometheus-client keeps values in files (PROMETHEUS_MULTIPROC_DIR was set when
    it was first imported) rather than in this process's memory."""
    return values.ValueClass is not values.MutexValue


def _count(_app: Flask, response: Response, **_extra: Any) -> None:
    endpoint = request.endpoint or "none"
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    seconds = logs.request_seconds()
    if seconds is not None:
        DURATION.labels(endpoint).observe(seconds)


def instrument(app: Flask) -> None:
    request_finished.connect(_count, app)
