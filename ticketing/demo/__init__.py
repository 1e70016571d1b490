"""The demo world: a zone with its partners, people and tickets in every state.

The world is data (`changzhi.toml`, the Changzhi development zone of the seed reports; the
format is in docs/demo.md), and `builder.py` makes it through the real services. `flask demo`
calls load() inside an app context and commits; `flask demo --world PATH` loads another
zone's file of the same format.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.demo import fairs, results
from ticketing.demo.builder import Builder
from ticketing.demo.world import DEFAULT_WORLD, World, WorldError, read_world
from ticketing.orgs.models import Zone
from ticketing.outcomes.models import Outcome
from ticketing.tickets.models import Comment, Ticket, TicketEvent, Visit
from ticketing.workflow import State

__all__ = [
    "DEFAULT_WORLD",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "WorldError",
    "load",
    "logins",
    "logins_text",
    "read_world",
]

DEMO_PASSWORD = "demo-pass-2026"
DEMO_URL = "http://127.0.0.1:5000"
# The logins the built-in world shows off (logins(read_world()) gives the same; a test checks).
DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "zone administrator of 长治经济技术开发区 (园区管理员)"),
    ("commissioner", "tech commissioner of 6 enterprises (科技特派员)"),
    ("liaison", "liaison of 中北大学, also an expert there (高校联络员 + 专家)"),
    ("expert", "expert of 中北大学 (专家)"),
]


def load(world: World | None = None) -> str:
    """Build `world` (default: the built-in one) in the current session; flush, never commit.

    Returns a summary of what the database holds afterwards. Raises WorldError if the world
    is not valid or is there already, before anything is written.
    """
    world = world if world is not None else read_world()
    refuse_if_loaded(world)
    builder = Builder(world, DEMO_PASSWORD)
    with db.frozen_clock(builder.start - timedelta(days=30)):
        builder.organisations()
        builder.people()
        results.add_campaigns(builder)  # before the tickets: their submit tags them
    builder.plan()
    builder.run()
    results.add_region_agreements(builder)
    fairs.add_fairs(builder)
    with db.frozen_clock(builder.end - timedelta(hours=8)):  # the afternoon before the last day
        results.add_rewards(builder)
    db.session.flush()
    return summary(world)


def refuse_if_loaded(world: World) -> None:
    """A second load would clash with the first: say so before writing anything."""
    clashes = [
        *db.session.scalars(select(User.login).where(User.login.in_(_logins_of(world)))),
        *db.session.scalars(select(Zone.code).where(Zone.code == world["zone"]["code"])),
    ]
    if clashes:
        listed = ", ".join(sorted(clashes)[:8])
        raise WorldError(f"The demo world is (partly) there already: {listed}")


def _logins_of(world: World) -> set[str]:
    people = (world["admin"], *world["experts"], *world["commissioners"])
    liaisons = {u["liaison"]["login"] for u in world["universities"]}
    return {person["login"] for person in people} | liaisons


def summary(world: World) -> str:
    """What the demo database holds: the figures the seed reports give, and a few more."""
    session = db.session
    states = dict(session.execute(select(Ticket.state, func.count()).group_by(Ticket.state)).all())
    intentions, agreements, landed = session.execute(
        select(
            func.count(Outcome.id),
            func.count(Outcome.agreement_date),
            func.count(Outcome.landed_date),
        )
    ).one()
    counts = {
        model.__tablename__: session.scalar(select(func.count(model.id)))
        for model in (Comment, Visit, TicketEvent)
    }
    titles = Counter(session.scalars(select(Ticket.title)))
    zone, enterprises = world["zone"], world["enterprises"]
    by_state = ", ".join(f"{state.value} {states.get(state.value, 0)}" for state in State)
    return (
        f"Demo data loaded: 1 zone ({zone['name']}), {len(zone['parks'])} parks, "
        f"{len(zone['counties'])} counties, {len(world['universities'])} universities, "
        f"{len(enterprises)} enterprises, {len(_logins_of(world))} users "
        f"({len(world['experts'])} experts, {len(world['commissioners'])} commissioners), "
        f"{sum(states.values())} tickets ({by_state}), {intentions} cooperation intentions, "
        f"{agreements} agreements, {landed} landed, {counts['comment']} comments, "
        f"{counts['visit']} visits, {counts['ticket_event']} history events; "
        f"the most used problem title is used {max(titles.values(), default=0)} time(s)."
    )


def logins(world: World) -> list[tuple[str, str]]:
    """The accounts a world shows off, with what each is: from its [showcase] table."""
    show = world["showcase"]
    university = next(u for u in world["universities"] if u["key"] == show["university"])
    liaison = university["liaison"]["login"]
    also = any(e["login"] == liaison for e in world["experts"])
    mine = sum(e["commissioner"] == show["commissioner"] for e in world["enterprises"])
    return [
        (world["admin"]["login"], f"zone administrator of {world['zone']['name']} (园区管理员)"),
        (show["commissioner"], f"tech commissioner of {mine} enterprises (科技特派员)"),
        (
            liaison,
            f"liaison of {university['name']}, also an expert there (高校联络员 + 专家)"
            if also
            else f"liaison of {university['name']} (高校联络员)",
        ),
        (show["expert"], f"expert of {university['name']} (专家)"),
    ]


def logins_text(world: World | None = None, url: str = DEMO_URL) -> str:
    """What `flask demo` prints after loading: where to go and who to sign in as."""
    shown = DEMO_LOGINS if world is None else logins(world)
    width = max(len(login) for login, _ in shown)
    lines = [f"Demo: open {url} and sign in as"]
    lines += [f"  {login.ljust(width)}  {role}" for login, role in shown]
    lines.append(f"Password for every demo account: {DEMO_PASSWORD}")
    return "\n".join(lines)
