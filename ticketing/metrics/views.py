"""`/metrics` in Prometheus's text format, for the zone's monitoring.

Answered to a loopback address (Prometheus or an agent on the same machine, straight to the
app: a request that came through a proxy carries X-Forwarded-For and is not taken as local),
or to a request carrying `Authorization: Bearer <METRICS_TOKEN>`; everyone else gets 404.
Nothing about people is in it: counts by endpoint, state, status and step only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, request
from flask.blueprints import BlueprintSetupState
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ticketing.metrics import http
from ticketing.metrics.queries import DatabaseCollector
from ticketing.web import limiter

bp = Blueprint("metrics", __name__)
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


@bp.record_once
def _instrument(state: BlueprintSetupState) -> None:
    http.instrument(state.app)


@bp.get("/metrics")
@limiter.exempt
def metrics() -> Response:
    if not (_bearer_matches() or _from_loopback()):
        abort(404)
    registry = CollectorRegistry(auto_describe=False)
    if http.multiprocess_mode():
        MultiProcessCollector(registry)  # every worker's files, the dead ones' too
    else:
        registry.register(http.REGISTRY)  # type: ignore[arg-type] # a registry collects
    registry.register(DatabaseCollector())
    response = Response(generate_latest(registry), mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer_matches() -> bool:
    expected = current_app.config["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not given.strip():
        return False
    # compared as digests: the same length whatever was sent, in constant time
    return hmac.compare_digest(
        hashlib.sha256(given.strip().encode()).digest(),
        hashlib.sha256(expected.encode()).digest(),
    )


def _from_loopback() -> bool:
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
