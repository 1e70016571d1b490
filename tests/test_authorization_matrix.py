"""Every registered route × every actor: who may use it, and what everybody else gets.

ROUTES below is the reviewed table: one row per (endpoint, method) registered in the app. A
route the app registers without a row here fails the test ("add it to the table"), and so
does a row whose route is gone, so that no new page, form or API call slips in unreviewed.

Each row maps every actor to the answer they must get on a real object of the world:
  OK     allowed: 2xx, or a 3xx that is not the sign-in page (for a write with an empty
         body anything but 403/404/500: a 400/409/422 for the missing fields is fine; with
         the row's valid `body`, a real success, below 400)
  DENY   403: the actor sees the object but may not do this
  HIDE   404: the actor may not see the object (the visibility rule)
  LOGIN  anonymous (or a disabled account's old session): the sign-in page, 401 on /api/
  BACK   a redirect back with an error message, nothing done (a form that names someone
         else's token or saved search answers "not found" this way)
A refused POST (DENY, HIDE, LOGIN) must also leave every row of every table as it was.
No cell may answer 500. API rows are tried with the actor's token and again with their
session cookie (and CSRF header). The test prints one line starting with AUTHZ-MATRIX:.

Adding a route: add a row `("blueprint.endpoint", "METHOD"): row(ok=(...), deny=(...))` (or
one of ADMIN_ONLY, SIGNED, PUBLIC, SEES_TICKET); `others` is what the remaining signed-in
actors get (HIDE by default), `outside` what anonymous and the disabled account get (LOGIN).
A new URL argument needs a value in BY_ARGUMENT (or BY_ENDPOINT), taken from `objects`; for
a write whose refusal matters, give `body=` a valid body so that only the permission check
stands between a refused actor and the change.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, MetaData, select
from werkzeug.routing import Rule

from tests.api_client import ApiClient, token_for
from tests.conftest import Browser
from ticketing import db
from ticketing.accounts.models import SignIn, User
from ticketing.api.tokens import create_token
from ticketing.campaigns.services import save_campaign
from ticketing.challenges import services as challenges
from ticketing.db import local_today
from ticketing.fairs.services import save_fair
from ticketing.orgs.agreements import save_region_agreement
from ticketing.orgs.models import Park
from ticketing.orgs.services import save_place
from ticketing.records.services import nominate
from ticketing.search.services import save_search
from ticketing.tickets import services as tickets
from ticketing.tickets.models import Ticket
from ticketing.webhooks import services as webhooks

OK, DENY, HIDE, LOGIN, BACK = "ok", "403", "404", "login", "back"

# actor name → the world's person (None: nobody signed in)
ACTORS: dict[str, str | None] = {
    "anonymous": None,
    "commissioner": "commissioner_a",  # of the ticket's enterprise
    "other_commissioner": "commissioner_b",  # of another enterprise
    "liaison": "liaison_u1",  # of the university the ticket is routed to
    "other_liaison": "liaison_u2",
    "expert": "expert_u1",  # the assigned expert
    "other_expert": "expert2_u1",  # same university, not assigned
    "admin": "admin",
    "disabled": "disabled",  # an admin whose account was disabled after signing in
}
SIGNED_IN = tuple(a for a in ACTORS if a not in ("anonymous", "disabled"))


@dataclass
class Objects:
    """One real object of each kind the URLs name, owned by the world."""

    app: Flask
    ids: dict[str, Any] = field(default_factory=dict)
    number: str = ""  # the ticket the URL being tried names

    def version(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(Ticket.version).where(Ticket.number == self.number))


@pytest.fixture
def objects(app: Flask, make, world, monkeypatch) -> Objects:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    ticket = make.ticket(world, "in_progress")
    waiting = make.ticket(world, "submitted")
    found = Objects(app)
    with app.app_context():
        user = lambda person: db.session.get(User, person.id)  # noqa: E731
        admin, commissioner = user(world.admin), user(world.commissioner_a)
        ticket = db.session.get(Ticket, ticket.id)
        today = local_today()
        tickets.add_comment(ticket, commissioner, body="请尽快安排专家。")
        attachment = tickets.add_attachment(
            ticket,
            user(world.expert_u1),
            stream=io.BytesIO(b"public notes"),
            filename="notes.txt",
            folder=app.config["UPLOAD_FOLDER"],
            max_bytes=10**6,
        )
        challenge = challenges.publish(
            db.session.get(Ticket, waiting.id), admin, deadline=today + timedelta(days=7)
        )
        campaign = save_campaign(
            None, admin, name="博士专家企业行", starts_on=today, ends_on=today + timedelta(days=90)
        )
        fair = save_fair(
            None,
            admin,
            kind="fair",
            title="装备制造专场",
            held_on=today + timedelta(days=30),
            place="园区会展中心",
            university_ids=[world.u1.id],
            agenda="",
        )
        hook = webhooks.register(
            admin, name="集团平台", url="http://127.0.0.1:9/hook", events=["ticket.routed"]
        )
        delivery = webhooks.ping(hook, admin)
        api_token, _secret = create_token(commissioner, name="自用")
        saved = save_search(commissioner, name="我的", queue="mine", args="q=主轴")
        park = save_place(Park, None, admin, name="高新园区")
        agreement = save_region_agreement(
            None,
            admin,
            university_id=world.u1.id,
            park_id=park.id,
            title="校地合作协议",
            signed_on=today,
            scope="",
        )
        reward = nominate(
            admin,
            subject="commissioner",
            commissioner_id=commissioner.id,
            name="优秀科技特派员",
            year=today.year,
            reason="全年走访企业四十家。",
        )
        stranger = db.session.get(User, world.commissioner_b.id)
        sign_in = SignIn(
            user_id=stranger.id,
            secret_hash="0" * 64,
            user_token=stranger.session_token,
            remember=False,
            created_at=db.utcnow(),
            last_seen_at=db.utcnow(),
        )
        db.session.add(sign_in)
        db.session.commit()
        found.ids = {
            "number": ticket.number,
            "waiting_number": waiting.number,
            "ticket_id": ticket.id,
            "attachment_id": attachment.id,
            "challenge_id": challenge.id,
            "campaign_id": campaign.id,
            "fair_id": fair.id,
            "hook_id": hook.id,
            "delivery_id": delivery.id,
            "token_id": api_token.id,
            "saved_id": saved.id,
            "place_id": park.id,
            "agreement_id": agreement.id,
            "reward_id": reward.id,
            "enterprise_id": world.enterprise_a.id,
            "university_id": world.u1.id,
            "user_id": world.commissioner_b.id,
            "sign_in_id": sign_in.id,
            "commissioner_id": world.commissioner_a.id,
            "expert_id": world.expert_u1.id,
        }
    return found


# Values of URL arguments: by (endpoint, argument) first, then by argument name.
BY_ENDPOINT: dict[tuple[str, str], Callable[[Objects], Any]] = {
    ("records.commissioner", "person_id"): lambda o: o.ids["commissioner_id"],
    ("records.expert", "person_id"): lambda o: o.ids["expert_id"],
    ("challenges.publish", "number"): lambda o: o.ids["waiting_number"],
    ("api.unknown", "_rest"): lambda o: "no-such-thing",
}
BY_ARGUMENT: dict[str, Callable[[Objects], Any]] = {
    "number": lambda o: o.ids["number"],
    "action": lambda o: "resolve",
    "attachment_id": lambda o: o.ids["attachment_id"],
    "challenge_id": lambda o: o.ids["challenge_id"],
    "campaign_id": lambda o: o.ids["campaign_id"],
    "fair_id": lambda o: o.ids["fair_id"],
    "change": lambda o: "add",
    "hook_id": lambda o: o.ids["hook_id"],
    "delivery_id": lambda o: o.ids["delivery_id"],
    "token_id": lambda o: o.ids["token_id"],
    "saved_id": lambda o: o.ids["saved_id"],
    "kind": lambda o: "park",
    "place_id": lambda o: o.ids["place_id"],
    "agreement_id": lambda o: o.ids["agreement_id"],
    "reward_id": lambda o: o.ids["reward_id"],
    "enterprise_id": lambda o: o.ids["enterprise_id"],
    "university_id": lambda o: o.ids["university_id"],
    "user_id": lambda o: o.ids["user_id"],
    "sign_in_id": lambda o: o.ids["sign_in_id"],
    "entity": lambda o: "enterprises",
    "form": lambda o: "csv",
    "subject": lambda o: "commissioner",
    "key": lambda o: "all",
    "token": lambda o: "not-a-real-reset-link",
    "filename": lambda o: "css/app.css",
}


def url_of(rule: Rule, objects: Objects, use: dict[str, str] | None = None) -> str:
    values = {}
    for argument in rule.arguments:
        if use and argument in use:
            values[argument] = objects.ids[use[argument]]
        elif (rule.endpoint, argument) in BY_ENDPOINT:
            values[argument] = BY_ENDPOINT[rule.endpoint, argument](objects)
        else:
            values[argument] = BY_ARGUMENT[argument](objects)
    objects.number = values.get("number", "")
    return rule.build(values, append_unknown=False)[1]


def routes(app: Flask) -> Iterator[tuple[str, str, Rule]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


# ---------------------------------------------------------------- the actors' clients


@dataclass
class Actor:
    name: str
    web: Browser
    api: ApiClient | None
    csrf: str


def _actors(app: Flask, world) -> dict[str, Actor]:  # type: ignore[no-untyped-def]
    """A signed-in browser and an API token per actor. The disabled actor signs in and makes
    its token while active, then its account is disabled: both must stop working."""
    disabled = world.disabled
    with app.app_context():
        db.session.get(User, disabled.id).active = True
        db.session.commit()
    actors = {}
    for name, person in ACTORS.items():
        browser = Browser(app.test_client())
        if person is None:
            actors[name] = Actor(name, browser, None, browser.token("/login"))
            continue
        user = getattr(world, person)
        browser.login(user.login)
        api = ApiClient(app, token_for(app, user))
        actors[name] = Actor(name, browser, api, browser.token("/account"))
    with app.app_context():
        db.session.get(User, disabled.id).active = False
        db.session.commit()
    return actors


# ---------------------------------------------------------------- the database snapshot


def _connection(app: Flask) -> Connection:
    """The connection the test's outer transaction holds (conftest binds the sessions to it)."""
    return app.extensions["ticketing.db"].factory.kw["bind"]


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, so that a refused request can be shown to change nothing."""
    connection = _connection(app)
    if not TABLES:
        metadata = MetaData()
        metadata.reflect(bind=connection)
        TABLES.extend(metadata.sorted_tables)
    rows = {}
    for table in TABLES:
        if table.name in SESSION_STATE:
            continue
        columns = [c for c in table.columns if c.name not in VOLATILE]
        query = select(*columns)
        if table.name == "security_event":  # the log is meant to note refusals and sign-outs
            query = query.where(table.c.kind.not_in(NOTED_REFUSALS))
        found = connection.execute(query).all()
        rows[table.name] = sorted(tuple(map(repr, r)) for r in found)
    return rows


# columns a request may touch without changing anything a person did: a token's last use
VOLATILE = {"last_used_at", "last_seen_at"}
# the sign-ins themselves (signing out deletes one), and what the security log notes of a
# refused request or a sign-out
SESSION_STATE = {"sign_in"}
NOTED_REFUSALS = ("access_refused", "forged_request", "throttled", "sign_out")
TABLES: list[Any] = []


# ---------------------------------------------------------------- one cell


def outcome(response: Any, method: str, api: bool) -> str:
    """OK, DENY, HIDE or LOGIN as the table names them, else the bare status code."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if (api and status == 401) or (status in (301, 302, 303) and "/login" in location):
        return LOGIN
    if status in (403, 404):
        return str(status)
    if status < 400 or (method != "GET" and status < 500):
        return OK
    return str(status)


def call(
    actor: Actor, method: str, url: str, endpoint: str, row: Row, objects: Objects, via: str
) -> Any:
    """One request; an API call goes `via` the actor's "token" or their session "cookie"
    (with the CSRF header a cookie call needs for a write)."""
    body = row.body(objects) if row.body else {}
    if url.startswith("/api/"):
        by_token = via == "token" and actor.api is not None
        headers = actor.api._headers(None) if by_token else {"X-CSRFToken": actor.csrf}
        if objects.number and method != "GET":
            headers["If-Match"] = f'"{objects.version()}"'
        client = actor.api.client if by_token else actor.web.client
        if method == "GET":
            return client.get(url, headers=headers)
        return client.open(url, method=method, json=body, headers=headers)
    if method == "GET":
        return actor.web.get(url)
    data = {"csrf_token": actor.csrf, **body}
    if endpoint == "tickets.act":
        action = url.rsplit("/", 1)[1]
        data[f"{action}-csrf_token"] = actor.csrf
    cookies = dict(actor.web.client._cookies)  # a sign-out or sign-in must not last
    try:
        return actor.web.client.open(url, method=method, data=data)
    finally:
        actor.web.client._cookies.clear()
        actor.web.client._cookies.update(cookies)


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    """What each actor gets on one (endpoint, method); `body` is sent with a POST/PATCH (a
    valid one where it matters, so that only the permission check can stop a refused actor),
    `use` swaps an object for the URL (e.g. a submitted ticket where editing is possible)."""

    expect: dict[str, str]
    body: Callable[[Objects], dict[str, Any]] | None = None
    use: dict[str, str] = field(default_factory=dict)


def row(
    ok: tuple[str, ...] = (),
    deny: tuple[str, ...] = (),
    others: str = HIDE,
    outside: str = LOGIN,
    **options: Any,
) -> Row:
    """`ok` may, `deny` get 403, every other signed-in actor gets `others`; anonymous and the
    disabled account get `outside`. ok=ALL: every signed-in actor."""
    expect = {}
    for actor in ACTORS:
        if actor in ("anonymous", "disabled"):
            expect[actor] = outside
        elif actor in ok:
            expect[actor] = OK
        elif actor in deny:
            expect[actor] = DENY
        else:
            expect[actor] = others
    return Row(expect, **options)


ALL = SIGNED_IN
ADMIN = ("admin",)
PUBLIC = row(ok=ALL, outside=OK)  # no sign-in needed
SIGNED = row(ok=ALL)
ADMIN_ONLY = row(ok=ADMIN)
# the in-progress ticket of enterprise A at university 1 with expert 1
TICKET_SEEN = ("commissioner", "liaison", "expert", "admin")
SEES_TICKET = row(ok=TICKET_SEEN)


def _comment(_o: Objects) -> dict[str, Any]:
    return {"body": "已收到。"}


def _visit(_o: Objects) -> dict[str, Any]:
    return {
        "visited_on": local_today().isoformat(),
        "place": "企业车间",
        "participants": "张工",
        "findings": "主轴轴承磨损",
    }


# fmt: off
ROUTES: dict[tuple[str, str], Row] = {
    # signing in and out, the account, public pages
    ("static", "GET"): PUBLIC,
    ("health.healthz", "GET"): PUBLIC,
    ("health.readyz", "GET"): PUBLIC,
    ("metrics.metrics", "GET"): PUBLIC,  # to loopback (the test client) or with METRICS_TOKEN
    ("accounts.login", "GET"): PUBLIC,  # signed in: sent to the home page
    ("accounts.login", "POST"): PUBLIC,
    ("accounts.logout", "POST"): row(others=LOGIN),  # everybody lands on the sign-in page
    ("accounts.language", "POST"): row(ok=ALL, outside=OK, body=lambda o: {"locale": "en"}),
    ("password.forgot", "GET"): PUBLIC,
    ("password.forgot", "POST"): PUBLIC,
    ("password.with_link", "GET"): row(outside=HIDE),  # an unknown link: 404 for everybody
    ("password.with_link", "POST"): row(outside=HIDE),
    ("tickets.home", "GET"): SIGNED,
    ("accounts.account", "GET"): SIGNED,
    ("accounts.account", "POST"): SIGNED,
    # sign-ins: one's own only (someone else's id changes nothing), the sign-in code
    ("accounts.sign_ins", "GET"): SIGNED,
    ("accounts.end_sign_in", "POST"): SIGNED,
    ("accounts.end_other_sign_ins", "POST"): SIGNED,
    ("two_factor.settings", "GET"): SIGNED,
    ("two_factor.settings", "POST"): SIGNED,
    ("two_factor.code", "GET"): row(others=LOGIN),  # no password given first: back to sign in
    ("two_factor.code", "POST"): row(others=LOGIN),
    ("notify.choices", "GET"): SIGNED,
    ("notify.choices", "POST"): SIGNED,
    ("notify.index", "GET"): SIGNED,
    ("notify.read", "POST"): SIGNED,
    ("api_tokens.index", "GET"): SIGNED,
    ("api_tokens.index", "POST"): SIGNED,
    # a token of commissioner A: its owner revokes it; for anyone else it does not exist
    ("api_tokens.revoke", "POST"): row(ok=("commissioner",), others=BACK),
    ("search.save", "POST"): SIGNED,
    # a saved search of commissioner A
    ("search.delete", "POST"): row(ok=("commissioner",), others=BACK),
    ("tickets.new", "GET"): SIGNED,
    ("tickets.new", "POST"): SIGNED,
    ("tickets.queue", "GET"): ADMIN_ONLY,  # the queue "all"
    # the ticket and what hangs on it
    ("tickets.detail", "GET"): SEES_TICKET,
    ("tickets.download", "GET"): SEES_TICKET,
    ("tickets.edit", "GET"): row(ok=("commissioner", "admin"), use={"number": "waiting_number"}),
    ("tickets.edit", "POST"): row(ok=("commissioner", "admin"), use={"number": "waiting_number"}),
    ("tickets.act", "POST"): row(  # resolve: the assigned expert's action
        ok=("expert",), deny=("commissioner", "liaison", "admin"),
        body=lambda o: {"resolve-resolution": "更换主轴轴承。", "resolve-version": o.version()},
    ),
    ("tickets.comment", "POST"): row(ok=TICKET_SEEN, body=_comment),
    ("tickets.attach", "POST"): SEES_TICKET,
    ("tickets.visit", "POST"): row(
        ok=("expert",), deny=("commissioner", "liaison", "admin"), body=_visit
    ),
    ("tickets.confidential", "POST"): row(  # the filer or an admin
        ok=("commissioner", "admin"), deny=("liaison", "expert"),
        body=lambda o: {"confidential": "1", "version": o.version()},
    ),
    ("enterprises.enterprise", "GET"): SEES_TICKET,  # enterprise A
    # the zone's administration
    ("orgs.enterprises", "GET"): ADMIN_ONLY,
    ("orgs.edit_enterprise", "GET"): ADMIN_ONLY,
    ("orgs.edit_enterprise", "POST"): ADMIN_ONLY,
    ("orgs.universities", "GET"): ADMIN_ONLY,
    ("orgs.edit_university", "GET"): ADMIN_ONLY,
    ("orgs.edit_university", "POST"): ADMIN_ONLY,
    ("orgs.places", "GET"): ADMIN_ONLY,
    ("orgs.edit_place", "GET"): ADMIN_ONLY,
    ("orgs.edit_place", "POST"): ADMIN_ONLY,
    ("accounts.users", "GET"): ADMIN_ONLY,
    ("accounts.edit_user", "GET"): ADMIN_ONLY,
    ("accounts.edit_user", "POST"): ADMIN_ONLY,
    ("accounts.end_user_sign_ins", "POST"): ADMIN_ONLY,
    ("accounts.unlock_user", "POST"): ADMIN_ONLY,
    ("two_factor.reset", "POST"): ADMIN_ONLY,
    ("audit.index", "GET"): ADMIN_ONLY,
    ("password.new_password", "POST"): ADMIN_ONLY,
    ("imports.page", "GET"): ADMIN_ONLY,
    ("imports.page", "POST"): ADMIN_ONLY,
    ("imports.confirm", "POST"): ADMIN_ONLY,
    ("imports.export", "GET"): ADMIN_ONLY,
    ("imports.template", "GET"): ADMIN_ONLY,
    ("notify.outbox", "GET"): ADMIN_ONLY,
    ("webhooks.index", "GET"): ADMIN_ONLY,
    ("webhooks.page", "GET"): ADMIN_ONLY,
    ("webhooks.edit", "GET"): ADMIN_ONLY,
    ("webhooks.edit", "POST"): ADMIN_ONLY,
    ("webhooks.set_active", "POST"): ADMIN_ONLY,
    ("webhooks.delete", "POST"): ADMIN_ONLY,
    ("webhooks.retry", "POST"): ADMIN_ONLY,
    ("webhooks.ping", "POST"): ADMIN_ONLY,
    ("webhooks.secret", "POST"): ADMIN_ONLY,
    ("worktime.settings", "GET"): ADMIN_ONLY,
    ("worktime.set_day", "POST"): ADMIN_ONLY,
    ("worktime.remove_day", "POST"): ADMIN_ONLY,
    ("worktime.load_official", "POST"): ADMIN_ONLY,
    ("worktime.save_targets", "POST"): ADMIN_ONLY,
    ("campaigns.index", "GET"): ADMIN_ONLY,
    ("campaigns.page", "GET"): ADMIN_ONLY,
    ("campaigns.edit", "GET"): ADMIN_ONLY,
    ("campaigns.edit", "POST"): ADMIN_ONLY,
    ("campaigns.region_agreements", "GET"): ADMIN_ONLY,
    ("campaigns.edit_region_agreement", "GET"): ADMIN_ONLY,
    ("campaigns.edit_region_agreement", "POST"): ADMIN_ONLY,
    # fairs (university 1 is invited), challenges (open to every university's liaison)
    ("fairs.index", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("fairs.detail", "GET"): row(ok=("liaison", "admin")),
    ("fairs.edit", "GET"): ADMIN_ONLY,
    ("fairs.edit", "POST"): ADMIN_ONLY,
    ("fairs.link", "POST"): ADMIN_ONLY,
    ("fairs.pick", "GET"): ADMIN_ONLY,
    ("fairs.change_problem", "POST"): ADMIN_ONLY,
    ("challenges.index", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("challenges.detail", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("challenges.propose", "POST"): row(ok=("liaison", "other_liaison", "admin")),
    ("challenges.pick", "POST"): ADMIN_ONLY,
    ("challenges.withdraw", "POST"): ADMIN_ONLY,
    ("challenges.publish", "GET"): ADMIN_ONLY,
    ("challenges.publish", "POST"): ADMIN_ONLY,
    # figures and records
    ("reports.overview", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("reports.tickets", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("reports.monthly", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("reports.yearly", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("reports.cooperations", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("records.commissioners", "GET"): row(ok=("commissioner", "other_commissioner", "admin")),
    ("records.commissioner", "GET"): row(ok=("commissioner", "admin")),  # commissioner A
    ("records.experts", "GET"): row(
        ok=("liaison", "other_liaison", "expert", "other_expert", "admin")
    ),
    ("records.expert", "GET"): row(ok=("liaison", "expert", "admin")),  # expert 1
    ("records.university", "GET"): row(ok=("liaison", "admin")),  # university 1
    ("records.rewarded", "GET"): SIGNED,
    ("records.rewards", "GET"): ADMIN_ONLY,
    ("records.nominate", "GET"): ADMIN_ONLY,
    ("records.nominate", "POST"): ADMIN_ONLY,
    ("records.decide", "GET"): ADMIN_ONLY,
    ("records.decide", "POST"): ADMIN_ONLY,
    # the JSON API (a token per actor; none for anonymous: 401)
    ("api.docs", "GET"): PUBLIC,
    ("api.openapi", "GET"): PUBLIC,
    ("api.unknown", "GET"): row(),
    ("api.unknown", "POST"): row(),
    ("api.unknown", "PUT"): row(),
    ("api.unknown", "PATCH"): row(),
    ("api.unknown", "DELETE"): row(),
    ("api.list_tickets", "GET"): SIGNED,
    ("api.create_ticket", "POST"): SIGNED,
    ("api.list_enterprises", "GET"): SIGNED,
    ("api.list_universities", "GET"): SIGNED,
    ("api.list_experts", "GET"): SIGNED,
    ("api.list_campaigns", "GET"): ADMIN_ONLY,
    ("api.list_fairs", "GET"): row(ok=("liaison", "other_liaison", "admin")),
    ("api.get_ticket", "GET"): SEES_TICKET,
    ("api.edit_ticket", "PATCH"): row(
        ok=("commissioner", "admin"), use={"number": "waiting_number"},
        body=lambda o: {"title": "主轴温升问题（补充）"},
    ),
    ("api.list_actions", "GET"): SEES_TICKET,
    ("api.perform_action", "POST"): row(
        ok=("expert",), deny=("commissioner", "liaison", "admin"),
        body=lambda o: {"resolution": "更换主轴轴承。"},
    ),
    ("api.list_comments", "GET"): SEES_TICKET,
    ("api.add_comment", "POST"): row(ok=TICKET_SEEN, body=_comment),
    ("api.list_attachments", "GET"): SEES_TICKET,
    ("api.add_attachment", "POST"): SEES_TICKET,
    ("api.download", "GET"): SEES_TICKET,
    ("api.set_confidential", "POST"): row(
        ok=("commissioner", "admin"), deny=("liaison", "expert"),
        body=lambda o: {"confidential": True},
    ),
    ("api.list_cooperations", "GET"): SEES_TICKET,
    ("api.list_visits", "GET"): SEES_TICKET,
    ("api.add_visit", "POST"): row(
        ok=("expert",), deny=("commissioner", "liaison", "admin"), body=_visit
    ),
}
# fmt: on


# ---------------------------------------------------------------- the tests


def judge(response: Any, got: str, expected: str, *, has_body: bool) -> str | None:
    """What is wrong with one cell's answer, or None."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if expected == BACK and got == OK and status in (302, 303):
        return None
    if got != expected:
        return f"expected {expected}, got {got} ({status} {response.headers.get('Location', '')})"
    if expected == OK and has_body and status >= 400:  # the valid body must work for them
        return f"allowed with a valid body, but {status}"
    return None


def test_every_registered_route_has_a_row_and_every_row_a_route(app: Flask) -> None:
    registered = {(endpoint, method) for endpoint, method, _rule in routes(app)}
    missing = sorted(registered - set(ROUTES))
    gone = sorted(set(ROUTES) - registered)
    assert not missing, f"routes without a row in ROUTES, add it to the table: {missing}"
    assert not gone, f"rows in ROUTES for routes the app no longer has: {gone}"
    for key, entry in ROUTES.items():
        assert set(entry.expect) == set(ACTORS), key


def test_authorization_matrix(app: Flask, world, objects: Objects) -> None:  # type: ignore[no-untyped-def]
    """Every route × every actor answers as the table says; no 500; a refused write changes
    no row of any table."""
    actors = _actors(app, world)
    connection = _connection(app)
    failures: list[str] = []
    leaks = cells = api_cells = 0
    tried = set()
    for endpoint, method, rule in routes(app):
        entry = ROUTES.get((endpoint, method))
        if entry is None:
            failures.append(f"{method} {rule.rule} ({endpoint}): add it to the table")
            continue
        url = url_of(rule, objects, entry.use)
        tried.add((rule.rule, method))
        ways = ("token", "cookie") if url.startswith("/api/") else ("page",)
        api_cells += len(ways) - 1
        for (name, actor), via in itertools.product(actors.items(), ways):
            expected = entry.expect[name]
            refused_write = method != "GET" and expected != OK
            savepoint = connection.begin_nested()
            try:
                before = snapshot(app) if refused_write else None
                response = call(actor, method, url, endpoint, entry, objects, via)
                got = outcome(response, method, url.startswith("/api/"))
                cells += 1
                problem = judge(response, got, expected, has_body=entry.body is not None)
                if problem is None and before is not None and snapshot(app) != before:
                    problem = f"refused ({got}) but the database changed"
                if problem:
                    leaks += expected != OK and got == OK or "database" in problem
                    failures.append(f"{method} {url} as {name} ({via}): {problem}")
            finally:
                savepoint.rollback()
    grid = len(tried) * len(actors)
    print(
        f"\nAUTHZ-MATRIX: {len(tried)} routes × {len(actors)} actors = {grid} cells, "
        f"{leaks} leaks, {len(failures)} failures ({cells} requests: the API cells "
        "by token and again by session cookie)"
    )
    assert cells == (len(tried) + api_cells) * len(actors)
    assert not failures, "\n".join(failures)
