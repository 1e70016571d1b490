"""The demo world's campaigns (专项行动), key enterprises (重点企业), universities'
agreements with counties and parks (校地合作) and rewards (奖励), made through the real services.

A campaign is created before the tickets are filed and covers the demo's whole filing window,
so the tickets' submit tags them as in real life; the agreements and rewards are recorded at
the end (a reward of the year of the demo's last day, nominated and decided by the admin).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ticketing import db
from ticketing.campaigns.services import save_campaign
from ticketing.demo.cooperations import FURTHEST
from ticketing.orgs.agreements import save_region_agreement
from ticketing.orgs.models import County, Park
from ticketing.outcomes.models import RewardDecision, RewardSubject
from ticketing.records.services import decide, nominate

OPTIONAL = ("campaigns", "region_agreements", "rewards")  # tables a world may leave out
REWARD_KEYS = {"name", "reason", "decision", "amount", "commissioner", "enterprise", "problem"}


def check(w: Mapping[str, Any], say: Callable[[str], None]) -> None:
    """What is wrong with the world's campaigns, agreements and key enterprises."""
    zone = w.get("zone", {})
    counties, parks = set(zone.get("counties", {})), set(zone.get("parks", ()))
    universities = {u.get("key") for u in w.get("universities", ())}
    for i, c in enumerate(w.get("campaigns", ())):
        where = f"campaigns[{i}]"
        if not isinstance(c, dict) or not str(c.get("name", "")).strip():
            say(f"{where}: expected a table with a name")
            continue
        for key in sorted(set(c) - {"name", "description", "universities", "counties", "parks"}):
            say(f"{where}: unknown key '{key}'")
        for key, known in (
            ("universities", universities),
            ("counties", counties),
            ("parks", parks),
        ):
            for value in c.get(key, ()):
                if value not in known:
                    say(f"{where}.{key}: unknown '{value}'")
    required = {"university", "title", "days_back"}
    for i, a in enumerate(w.get("region_agreements", ())):
        where = f"region_agreements[{i}]"
        if not isinstance(a, dict) or required - set(a):
            say(f"{where}: expected keys {sorted(required)} and a county or a park")
            continue
        for key in sorted(set(a) - required - {"county", "park", "scope"}):
            say(f"{where}: unknown key '{key}'")
        if a["university"] not in universities:
            say(f"{where}.university: unknown university key '{a['university']}'")
        if a.get("county") not in counties and a.get("park") not in parks:
            say(f"{where}: expected a known county or park")
    for e in w.get("enterprises", ()):
        if "key" in e and not isinstance(e["key"], bool):
            say(f"enterprises ({e.get('name')}).key: expected true or false")
    for i, r in enumerate(w.get("rewards", ())):
        _check_reward(f"rewards[{i}]", r, w, say)


def _check_reward(where: str, r: Any, w: Mapping[str, Any], say: Callable[[str], None]) -> None:
    """A reward names a commissioner, or an enterprise's problem (by its title) pinned to end
    with a cooperation, and its `cooperation` (1: the first, 2: its second_cooperation)."""
    if not isinstance(r, dict) or not {"name", "reason"} <= set(r):
        say(f"{where}: expected a table with a name and a reason")
        return
    for key in sorted(set(r) - REWARD_KEYS - {"cooperation"}):
        say(f"{where}: unknown key '{key}'")
    if r.get("decision", "nominated") not in set(RewardDecision):
        say(f"{where}.decision: expected one of {', '.join(RewardDecision)}")
    amount = r.get("amount")
    if amount is not None and (
        r.get("decision") != "awarded" or not isinstance(amount, int | float) or amount < 0
    ):
        say(f"{where}.amount: an amount (万元, at least 0) goes only with decision = 'awarded'")
    if ("commissioner" in r) == ("enterprise" in r):
        say(f"{where}: name a commissioner, or an enterprise and its problem")
    elif "commissioner" in r:
        if r["commissioner"] not in {c.get("login") for c in w.get("commissioners", ())}:
            say(f"{where}.commissioner: unknown commissioner '{r['commissioner']}'")
    else:
        problem = _problem(w, r.get("enterprise"), r.get("problem"))
        which = r.get("cooperation", 1)
        if problem is None:
            say(f"{where}: enterprise '{r['enterprise']}' has no problem '{r.get('problem')}'")
        elif problem.get("state") not in FURTHEST:
            say(f"{where}: the problem must be pinned to a state with a cooperation")
        elif which not in (1, 2) or (which == 2 and "second_cooperation" not in problem):
            say(f"{where}.cooperation: expected 1, or 2 for a problem's second_cooperation")


def _problem(w: Mapping[str, Any], enterprise: Any, title: Any) -> dict[str, Any] | None:
    found = [
        p
        for e in w.get("enterprises", ())
        if e.get("name") == enterprise
        for p in e.get("problems", ())
        if p.get("title") == title
    ]
    return found[0] if found else None


def _places(model: type[County] | type[Park], names: Any) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.name.in_(list(names)))))


def add_campaigns(builder: Any) -> None:
    """Mark the key enterprises, then create the world's campaigns over its filing window,
    with the experts of the universities taking part (all of them unless it names some)."""
    world = builder.world
    for e in world["enterprises"]:
        builder.enterprises[e["name"]].key_enterprise = bool(e.get("key", False))
    for c in world.get("campaigns", ()):
        keys = c.get("universities") or list(builder.universities)
        universities = [builder.universities[key].id for key in keys]
        experts = [e.id for uid in universities for e in builder.experts.get(uid, [])]
        save_campaign(
            None,
            builder.admin,
            name=c["name"],
            description=c.get("description", ""),
            starts_on=(builder.start - timedelta(days=1)).date(),
            ends_on=builder.end.date(),
            university_ids=universities,
            expert_ids=experts,
            county_ids=_places(County, c.get("counties", ())),
            park_ids=_places(Park, c.get("parks", ())),
        )


def add_region_agreements(builder: Any) -> None:
    for a in builder.world.get("region_agreements", ()):
        county = _places(County, [a["county"]]) if "county" in a else []
        park = _places(Park, [a["park"]]) if "park" in a else []
        save_region_agreement(
            None,
            builder.admin,
            university_id=builder.universities[a["university"]].id,
            county_id=county[0] if county else None,
            park_id=park[0] if park else None,
            title=a["title"],
            signed_on=(builder.end - timedelta(days=a["days_back"])).date(),
            scope=a.get("scope", ""),
        )


def add_rewards(builder: Any) -> None:
    """The world's rewards: nominated by the admin, then decided if the world says so."""
    users, year = builder.users, builder.end.year
    numbers = {(p.enterprise["name"], p.problem["title"]): p.ticket.number for p in builder.plans}
    for r in builder.world.get("rewards", ()):
        if "commissioner" in r:
            subject = {"commissioner_id": users[r["commissioner"]].id}
        else:
            number = numbers[(r["enterprise"], r["problem"])]
            subject = {"ticket_number": number, "cooperation": r.get("cooperation", 1)}
        kind = RewardSubject.COMMISSIONER if "commissioner" in r else RewardSubject.OUTCOME
        reward = nominate(
            builder.admin, subject=kind, name=r["name"], year=year, reason=r["reason"], **subject
        )
        if r.get("decision", "nominated") != RewardDecision.NOMINATED:
            amount = str(r["amount"]) if "amount" in r else None
            decide(reward, builder.admin, decision=r["decision"], amount=amount)
