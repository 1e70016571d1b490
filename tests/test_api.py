"""The JSON API: the same permissions, visibility and state machine as the pages."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from tests.api_client import api_for
from ticketing import db
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.fairs.services import save_fair

NEW = {"title": "废水处理工艺", "description": "COD 超标", "category": "tech_upgrade"}


def _etag(response) -> str:  # type: ignore[no-untyped-def]
    return response.headers["ETag"]


def test_file_submit_route_assign_start_resolve_close_through_the_api(app, world) -> None:
    filer = api_for(app, world.commissioner_a)
    made = filer.post("/api/v1/tickets", {**NEW, "enterprise_id": world.enterprise_a.id})
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["number"]
    assert made.headers["Location"].endswith(f"/api/v1/tickets/{number}")
    steps = [
        (filer, "submit", {}),
        (api_for(app, world.admin), "route", {"university_id": world.u1.id}),
        (api_for(app, world.liaison_u1), "assign_expert", {"expert_id": world.expert_u1.id}),
        (api_for(app, world.expert_u1), "start", {}),
        (api_for(app, world.expert_u1), "resolve", {"resolution": "更换滤料"}),
        (filer, "close", {"satisfaction": 5}),
    ]
    for client, action, data in steps:
        read = client.get(f"/api/v1/tickets/{number}/actions")
        assert action in [a["action"] for a in read.get_json()["actions"]], action
        done = client.post(
            f"/api/v1/tickets/{number}/actions/{action}", data, headers={"If-Match": _etag(read)}
        )
        assert done.status_code == 200, (action, done.get_json())
    ticket = filer.get(f"/api/v1/tickets/{number}").get_json()
    assert ticket["state"] == "closed"
    assert [e["action"] for e in ticket["history"]] == [
        "create",
        "submit",
        "route",
        "assign_expert",
        "start",
        "resolve",
        "close",
    ]


# who may take each action, as on the pages: (action, state it needs, allowed, refused)
PEOPLE = (
    "admin",
    "commissioner_a",
    "commissioner_b",
    "liaison_u1",
    "liaison_u2",
    "expert_u1",
    "expert_u2",
)
CASES = [
    ("submit", "draft", {"commissioner_a"}),
    ("route", "submitted", {"admin"}),
    ("assign_expert", "university_assigned", {"admin", "liaison_u1"}),
    ("start", "expert_assigned", {"expert_u1"}),
    ("resolve", "in_progress", {"expert_u1"}),
    ("close", "resolved", {"admin", "commissioner_a"}),
]


def _data(world, action):  # type: ignore[no-untyped-def]
    return {
        "route": {"university_id": world.u1.id},
        "assign_expert": {"expert_id": world.expert_u1.id},
        "resolve": {"resolution": "调整参数"},
    }.get(action, {})


@pytest.mark.parametrize(("action", "state", "allowed"), CASES)
def test_the_same_people_may_act_as_on_the_pages(app, make, world, action, state, allowed) -> None:
    for person in PEOPLE:
        ticket = make.ticket(world, state)
        client = api_for(app, getattr(world, person))
        read = client.get(f"/api/v1/tickets/{ticket.number}")
        offered = client.get(f"/api/v1/tickets/{ticket.number}/actions")
        if read.status_code == 404:
            assert offered.status_code == 404
            assert person not in allowed
            continue
        names = [a["action"] for a in offered.get_json()["actions"]]
        assert (action in names) == (person in allowed), (person, names)
        done = client.post(
            f"/api/v1/tickets/{ticket.number}/actions/{action}",
            _data(world, action),
            headers={"If-Match": _etag(read)},
        )
        assert done.status_code == (200 if person in allowed else 403), (person, done.get_json())
        assert done.mimetype == (
            "application/json" if person in allowed else "application/problem+json"
        )


@pytest.mark.parametrize(
    ("state", "seeing"),
    [
        ("draft", {"admin": False, "commissioner_a": True, "commissioner_a2": False}),
        ("submitted", {"commissioner_b": False, "liaison_u1": False, "expert_u1": False}),
        ("in_progress", {"liaison_u2": False, "expert_u2": False, "expert2_u1": False}),
        ("in_progress", {"admin": True, "liaison_u1": True, "expert_u1": True}),
    ],
)
def test_invisible_tickets_are_404_by_number(app, make, world, state, seeing) -> None:
    ticket = make.ticket(world, state)
    for person, sees in seeing.items():
        client = api_for(app, getattr(world, person))
        for url in ("", "/actions", "/comments", "/visits"):
            answer = client.get(f"/api/v1/tickets/{ticket.number}{url}")
            assert answer.status_code == (200 if sees else 404), (person, url)
        listed = client.get("/api/v1/tickets", query_string={"q": ticket.number})
        numbers = [row["number"] for row in listed.get_json()["items"]]
        assert (ticket.number in numbers) == sees, person


def test_if_match_is_required_and_checked_and_the_etag_moves(app, make, world) -> None:
    ticket = make.ticket(world, "draft")
    client = api_for(app, world.commissioner_a)
    url = f"/api/v1/tickets/{ticket.number}"
    first = client.get(url)
    etag = _etag(first)
    assert first.get_json()["version"] == int(etag.strip('"'))
    missing = client.patch(url, {"title": "新标题"})
    assert missing.status_code == 428 and missing.mimetype == "application/problem+json"
    assert client.patch(url, {"title": "新标题"}, headers={"If-Match": '"999"'}).status_code == 412
    done = client.patch(url, {"title": "新标题"}, headers={"If-Match": etag})
    assert done.status_code == 200 and done.get_json()["title"] == "新标题"
    assert _etag(done) != etag
    stale = client.patch(url, {"title": "再改"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    action = f"{url}/actions/submit"
    assert client.post(action).status_code == 428
    assert client.post(action, headers={"If-Match": etag}).status_code == 412
    assert client.post(action, headers={"If-Match": _etag(done)}).status_code == 200


def test_pages_run_through_all_visible_tickets_exactly_once(app, make, world) -> None:
    numbers = {make.ticket(world, "submitted").number for _ in range(7)}
    other = make.ticket(world, "draft").number  # a draft: the admin does not see it
    client = api_for(app, world.admin)
    seen: list[str] = []
    cursor = None
    while True:
        args = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/tickets", query_string=args).get_json()
        assert len(page["items"]) <= 3
        seen += [row["number"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and numbers <= set(seen) and other not in seen
    capped = client.get("/api/v1/tickets", query_string={"limit": 10**9})
    assert capped.status_code == 200 and len(capped.get_json()["items"]) <= 100


def test_the_list_takes_the_queue_filters(app, make, world) -> None:
    submitted = make.ticket(world, "submitted").number
    routed = make.ticket(world, "university_assigned").number
    client = api_for(app, world.admin)
    only = client.get("/api/v1/tickets", query_string={"state": "submitted", "queue": "all"})
    numbers = [row["number"] for row in only.get_json()["items"]]
    assert submitted in numbers and routed not in numbers
    wrong = client.get("/api/v1/tickets", query_string={"state": "nonsense"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "state"
    assert client.get("/api/v1/tickets", query_string={"queue": "mine"}).status_code == 404


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh", "请选择您负责的企业。"), ("en", "Choose one of your enterprises.")],
)
def test_errors_are_problems_naming_the_field_in_the_callers_language(
    app, world, language, message
) -> None:
    client = api_for(app, world.commissioner_a, language)
    refused = client.post("/api/v1/tickets", {**NEW, "enterprise_id": world.enterprise_b.id})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["errors"] == [{"field": "enterprise_id", "message": message}]
    missing = client.post("/api/v1/tickets", {"title": "x"})
    fields = {e["field"] for e in missing.get_json()["errors"]}
    assert fields == {"description", "category", "enterprise_id"}
    extra = client.post("/api/v1/tickets", {**NEW, "enterprise_id": 1, "state": "closed"})
    assert "state" in {e["field"] for e in extra.get_json()["errors"]}


def test_action_data_is_checked_by_the_transition_table(app, make, world) -> None:
    ticket = make.ticket(world, "submitted")
    client = api_for(app, world.admin, "en")
    url = f"/api/v1/tickets/{ticket.number}"
    etag = _etag(client.get(url))
    for body, field in (
        ({}, "university_id"),
        ({"university_id": "abc"}, "university_id"),
        ({"university_id": 1, "expected_version": 1}, "expected_version"),
    ):
        answer = client.post(f"{url}/actions/route", body, headers={"If-Match": etag})
        assert answer.status_code == 422, body
        assert field in {e["field"] for e in answer.get_json()["errors"]}
    resolve = client.post(f"{url}/actions/resolve", {"resolution": "x"}, headers={"If-Match": etag})
    assert resolve.status_code == 409
    assert client.post(f"{url}/actions/fly", {}, headers={"If-Match": etag}).status_code == 404
    schema = {a["action"]: a["schema"] for a in client.get(f"{url}/actions").get_json()["actions"]}
    assert schema["route"]["required"] == ["university_id"]
    assert schema["route"]["properties"]["university_id"]["type"] == "integer"


def test_comments_and_visits(app, make, world) -> None:
    ticket = make.ticket(world, "in_progress")
    url = f"/api/v1/tickets/{ticket.number}"
    expert = api_for(app, world.expert_u1)
    commissioner = api_for(app, world.commissioner_a)
    assert expert.post(f"{url}/comments", {"body": "内部意见", "internal": True}).status_code == 201
    assert commissioner.post(f"{url}/comments", {"body": "谢谢"}).status_code == 201
    refused = commissioner.post(f"{url}/comments", {"body": "想看内部", "internal": True})
    assert refused.status_code == 403
    assert [c["body"] for c in commissioner.get(f"{url}/comments").get_json()] == ["谢谢"]
    assert len(expert.get(f"{url}/comments").get_json()) == 2
    history = commissioner.get(url).get_json()["history"]
    assert "内部意见" not in str(history)
    visit = {
        "visited_on": local_today().isoformat(),
        "place": "车间",
        "participants": "张工",
        "findings": "密封老化",
    }
    assert expert.post(f"{url}/visits", visit).status_code == 201
    assert commissioner.post(f"{url}/visits", visit).status_code == 403
    assert [v["place"] for v in commissioner.get(f"{url}/visits").get_json()] == ["车间"]


def test_cooperations_are_read_where_the_ticket_is_visible(app, make, world) -> None:
    signed = make.ticket(world, "outcome_agreement")
    elsewhere = make.ticket(make.world(), "outcome_agreement")
    commissioner = api_for(app, world.commissioner_a)
    found = commissioner.get(f"/api/v1/tickets/{signed.number}/cooperations")
    assert found.status_code == 200
    [cooperation] = found.get_json()
    assert cooperation["stage"] == "agreement"
    assert cooperation["agreement_date"] is not None
    assert cooperation["amount"] is None or float(cooperation["amount"]) >= 0
    assert api_for(app, world.admin).get(f"/api/v1/tickets/{signed.number}/cooperations").get_json()
    missing = commissioner.get(f"/api/v1/tickets/{elsewhere.number}/cooperations")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    fresh = make.ticket(world, "in_progress")
    assert commissioner.get(f"/api/v1/tickets/{fresh.number}/cooperations").get_json() == []


def test_reference_lists_follow_what_the_pages_show(app, world) -> None:
    commissioner = api_for(app, world.commissioner_a)
    assert [e["id"] for e in commissioner.get("/api/v1/enterprises").get_json()] == [
        world.enterprise_a.id
    ]
    liaison = api_for(app, world.liaison_u1)
    experts = {e["id"] for e in liaison.get("/api/v1/experts").get_json()}
    assert experts == {world.expert_u1.id, world.expert2_u1.id}
    assert liaison.get(f"/api/v1/experts?university={world.u2.id}").get_json() == []
    admin = api_for(app, world.admin)
    assert {e["id"] for e in admin.get(f"/api/v1/experts?university={world.u2.id}").get_json()} == {
        world.expert_u2.id
    }
    assert {world.u1.id, world.u2.id} <= {
        u["id"] for u in admin.get("/api/v1/universities").get_json()
    }


def test_the_list_costs_the_same_statements_for_one_and_many_rows(
    app, make, world, count_queries
) -> None:
    client = api_for(app, world.admin)

    def statements() -> int:
        client.get("/api/v1/tickets")
        before = count_queries.count
        assert client.get("/api/v1/tickets").status_code == 200
        return count_queries.count - before

    make.ticket(world, "submitted")
    one = statements()
    for _ in range(5):
        make.ticket(world, "submitted")
    # the test's savepoint (2), the token with its person, the rows, their capped count
    assert statements() == one <= 5


def test_the_openapi_document_and_the_docs_page(app, world) -> None:
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["schemas"]["Action_route"]["required"] == ["university_id"]
    assert "/tickets/{number}/actions/resolve" in spec["paths"]
    assert "/tickets/{number}/actions/award" not in spec["paths"]  # picked beside the ticket
    links = spec["paths"]["/tickets"]["post"]["responses"]["201"]["links"]
    assert links["perform_submit"]["parameters"]["header.If-Match"] == "$response.header.ETag"
    for path in spec["paths"].values():
        for operation in path.values():
            if isinstance(operation, dict):
                assert "problem" in str(operation["responses"]["422"])
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html and "//cdn" not in html
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/swagger-ui/LICENSE").status_code == 200
    bundle = Path(app.static_folder) / "vendor" / "swagger-ui" / "swagger-ui-bundle.js"
    assert "isOAS31" in bundle.read_text(encoding="utf-8")  # Swagger UI 5 draws OpenAPI 3.1


def test_files_upload_list_and_download(app, make, world) -> None:
    ticket = make.ticket(world, "in_progress")
    url = f"/api/v1/tickets/{ticket.number}/attachments"
    expert = api_for(app, world.expert_u1)
    commissioner = api_for(app, world.commissioner_a)
    sent = expert.client.post(
        url,
        data={"file": (io.BytesIO("测试报告".encode()), "检测报告.txt")},
        headers=expert._headers(None),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201, sent.get_json()
    internal = expert.client.post(
        url,
        data={"file": (io.BytesIO(b"note"), "note.txt"), "internal": "true"},
        headers=expert._headers(None),
        content_type="multipart/form-data",
    )
    assert internal.status_code == 201
    listed = commissioner.get(url).get_json()
    assert [f["name"] for f in listed] == ["检测报告.txt"]
    got = commissioner.get(listed[0]["download"])
    assert got.status_code == 200 and got.data == "测试报告".encode()
    assert got.headers["Content-Disposition"].startswith("attachment")
    hidden = commissioner.get(internal.get_json()["download"])
    assert hidden.status_code == 404 and hidden.mimetype == "application/problem+json"
    stranger = api_for(app, world.commissioner_b)
    assert stranger.get(listed[0]["download"]).status_code == 404
    bad = expert.client.post(
        url,
        data={"file": (io.BytesIO(b"<script>"), "x.html")},
        headers=expert._headers(None),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "file"


def test_unknown_api_paths_are_problems(app, world) -> None:
    answer = api_for(app, world.admin).get("/api/v1/nothing/here")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_the_confidential_mark_by_the_filer_only(app, make, world) -> None:
    ticket = make.ticket(world, "in_progress")
    url = f"/api/v1/tickets/{ticket.number}"
    filer = api_for(app, world.commissioner_a)
    etag = _etag(filer.get(url))
    expert = api_for(app, world.expert_u1)
    refused = expert.post(f"{url}/confidential", {"confidential": True}, headers={"If-Match": etag})
    assert refused.status_code == 403
    done = filer.post(f"{url}/confidential", {"confidential": True}, headers={"If-Match": etag})
    assert done.status_code == 200 and done.get_json()["confidential"] is True
    assert done.get_json()["history"][-1]["action"] == "mark_confidential"
    assert filer.post(f"{url}/confidential", {"confidential": False}).status_code == 428


def test_campaigns_and_fairs_for_those_the_pages_show_them_to(app, world) -> None:
    with app.app_context():
        admin_user = db.session.get(User, world.admin.id)
        for title, invited in (("装备制造专场", world.u1.id), ("新材料专场", world.u2.id)):
            save_fair(
                None,
                admin_user,
                kind="fair",
                title=title,
                held_on=date(2026, 5, 20),
                place="园区会展中心",
                university_ids=[invited],
                agenda="",
            )
        db.session.commit()
    admin = api_for(app, world.admin)
    assert admin.get("/api/v1/campaigns").status_code == 200
    fairs = admin.get("/api/v1/fairs").get_json()
    assert {f["title"] for f in fairs["items"]} == {"装备制造专场", "新材料专场"}
    assert fairs["next_cursor"] is None and fairs["items"][0]["amount"] == "0.00"
    liaison = api_for(app, world.liaison_u1).get("/api/v1/fairs").get_json()
    assert [f["title"] for f in liaison["items"]] == ["装备制造专场"]
    commissioner = api_for(app, world.commissioner_a)
    for url in ("/api/v1/campaigns", "/api/v1/fairs"):
        answer = commissioner.get(url)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_a_ticket_costs_the_same_statements_with_a_short_or_long_history(
    app, make, world, count_queries
) -> None:
    client = api_for(app, world.expert_u1)

    def statements(number: str) -> int:
        client.get(f"/api/v1/tickets/{number}")
        before = count_queries.count
        assert client.get(f"/api/v1/tickets/{number}").status_code == 200
        return count_queries.count - before

    short = make.ticket(world, "in_progress").number
    long = make.ticket(world, "in_progress").number
    for n in range(8):
        assert (
            client.post(f"/api/v1/tickets/{long}/comments", {"body": f"第{n}条"}).status_code == 201
        )
    # the test's savepoint (2), the token with its person, the ticket, its history page
    assert statements(short) == statements(long) <= 5


@pytest.mark.parametrize(
    "state",
    ["draft", "submitted", "university_assigned", "expert_assigned", "in_progress", "resolved"],
)
def test_the_api_offers_the_actions_the_ticket_page_offers(app, make, world, login, state) -> None:
    ticket = make.ticket(world, state)
    offered_somewhere = set()
    for person in (*PEOPLE, "commissioner_a2", "expert2_u1"):
        user = getattr(world, person)
        offered = api_for(app, user).get(f"/api/v1/tickets/{ticket.number}/actions")
        page = login(user).get(f"/tickets/{ticket.number}")
        assert offered.status_code == page.status_code, person
        if page.status_code != 200:
            continue
        html = page.get_data(as_text=True)
        on_page = set(re.findall(r'name="(\w+)-version"', html))
        assert {a["action"] for a in offered.get_json()["actions"]} == on_page, person
        offered_somewhere |= on_page
    assert offered_somewhere  # someone can always move a ticket in these states
