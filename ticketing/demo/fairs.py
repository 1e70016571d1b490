"""The demo world's matchmaking fairs and signing ceremonies (推介洽谈会、签约仪式), made through
the fairs' services after the tickets have run: each presents open problems and has the
cooperations reached (a fair: intentions) or signed (a ceremony: agreements) linked to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select, true

from ticketing import db
from ticketing.fairs import services as fair_services
from ticketing.fairs.models import FairKind
from ticketing.fairs.services import PRESENTABLE
from ticketing.orgs.models import Park
from ticketing.outcomes.models import Outcome

OPTIONAL = ("fairs",)  # tables a world may leave out
REQUIRED = ("kind", "title", "days_ago", "place", "links")
KEYS = (*REQUIRED, "park", "universities", "agenda", "problems")


def check(w: Mapping[str, Any], say: Callable[[str], None]) -> None:
    """What is wrong with the world's [[fairs]]."""
    parks = set(w.get("zone", {}).get("parks", ()))
    universities = {u.get("key") for u in w.get("universities", ())}
    for i, spec in enumerate(w.get("fairs", ())):
        where = f"fairs[{i}]"
        if not isinstance(spec, dict) or set(REQUIRED) - set(spec):
            say(f"{where}: expected a table with keys {sorted(REQUIRED)}")
            continue
        for key in sorted(set(spec) - set(KEYS)):
            say(f"{where}: unknown key '{key}'")
        if spec["kind"] not in set(FairKind):
            say(f"{where}.kind: expected one of {sorted(FairKind)}")
        for key in ("title", "place"):
            if not isinstance(spec[key], str) or not spec[key].strip():
                say(f"{where}.{key}: expected text")
        if "park" in spec and spec["park"] not in parks:
            say(f"{where}.park: unknown park '{spec['park']}'")
        for key in spec.get("universities", ()):
            if key not in universities:
                say(f"{where}.universities: unknown university key '{key}'")
        for key in ("days_ago", "links", "problems"):
            value = spec.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                say(f"{where}.{key}: expected a whole number of at least 0")


def add_fairs(builder: Any) -> None:
    """The world's fairs and ceremonies, in the order given: each presents `problems` open
    problems (one of them confidential), and the next `links` cooperations not linked yet
    (a ceremony: signed ones) are linked to it."""
    linked: set[int] = set()
    for spec in builder.world.get("fairs", ()):
        held_on = builder.end.date() - timedelta(days=spec["days_ago"])
        with db.frozen_clock(builder.end - timedelta(days=spec["days_ago"])):
            park = db.session.scalar(select(Park.id).where(Park.name == spec.get("park")))
            fair = fair_services.save_fair(
                None,
                builder.admin,
                kind=spec["kind"],
                title=spec["title"],
                held_on=held_on,
                place=spec["place"],
                park_id=park,
                agenda=spec.get("agenda", ""),
                university_ids=[builder.universities[k].id for k in spec.get("universities", [])],
            )
            _present(builder, fair, spec.get("problems", 0))
            stage = "agreement" if spec["kind"] == FairKind.CEREMONY else "intention"
            query = select(Outcome).where(Outcome.id.not_in(linked) if linked else true())
            if stage == "agreement":
                query = query.where(Outcome.agreement_date.is_not(None))
            chosen = db.session.scalars(query.order_by(Outcome.id).limit(spec["links"]))
            for cooperation in chosen:
                fair_services.link_cooperation(fair, cooperation, stage, builder.admin)
                linked.add(cooperation.id)


def _present(builder: Any, fair: Any, wanted: int) -> None:
    """`wanted` open problems, the first confidential one (one at most) among them."""
    tickets = [p.ticket for p in builder.plans if p.ticket]
    open_ = [t for t in tickets if t.state in PRESENTABLE]
    secret = [t for t in open_ if t.confidential][:1]
    plain = [t for t in open_ if not t.confidential][: max(wanted - len(secret), 0)]
    for ticket in [*plain[:3], *secret, *plain[3:]]:
        fair_services.add_problem(fair, builder.admin, ticket_id=ticket.id)
