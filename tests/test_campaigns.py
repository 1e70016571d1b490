"""Campaigns (专项行动): admins create and change them; tickets filed in their days and places
are tagged to them (on submit, and when a campaign is created later); the campaign page
states the results in the report's sentence, equal to independent SQL counts, and lists the
counties, parks and key enterprises not reached; partner universities come first in routing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.helpers import act, send_form
from ticketing import db
from ticketing.accounts.models import User
from ticketing.campaigns import services
from ticketing.campaigns.models import Campaign
from ticketing.db import local_today
from ticketing.errors import NotAllowed
from ticketing.orgs.models import County, Enterprise, Park, Zone
from ticketing.reports.models import TicketTally
from ticketing.tickets import services as ticket_services
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket


def places(app, *names: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Counties (names starting with 县) and parks (other names) of a zone, by name."""
    with app.app_context():
        zone = db.session.scalar(select(Zone).limit(1))
        if zone is None:
            zone = Zone(code="CZ", name="长治高新区")
            db.session.add(zone)
            db.session.flush()
        found = {}
        for name in names:
            model = County if name.startswith("县") else Park
            row = model(zone_id=zone.id, name=name)
            db.session.add(row)
            db.session.flush()
            found[name] = row.id
        db.session.commit()
        return found


def place_enterprise(app, enterprise, county=None, park=None, key=False):  # type: ignore[no-untyped-def]
    with app.app_context():
        row = db.session.get(Enterprise, enterprise.id)
        row.county_id, row.park_id, row.key_enterprise = county, park, key
        db.session.commit()


def campaign(app, world, name="博士专家企业行", days=(-1, 1), **data):  # type: ignore[no-untyped-def]
    """A campaign made through the service, around today by default."""
    with app.app_context():
        today = local_today()
        admin = db.session.get(User, world.admin.id)
        made = services.save_campaign(
            None,
            admin,
            name=name,
            starts_on=today + timedelta(days=days[0]),
            ends_on=today + timedelta(days=days[1]),
            **data,
        )
        db.session.commit()
        return made.id


def campaign_of(app, number: str) -> int | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(Ticket.campaign_id).where(Ticket.number == number))


def sentence_numbers(page: str) -> list[int]:
    match = re.search(r'id="report-sentence">([^<]*)<', page)
    assert match, "no report sentence on the page"
    return [int(n) for n in re.findall(r"\d+", match.group(1))]


# --- creating and changing campaigns -------------------------------------------------------


def test_an_admin_creates_a_campaign_with_its_universities_experts_and_places(app, world, login):  # type: ignore[no-untyped-def]
    ids = places(app, "县甲", "园区甲")
    admin = login(world.admin)
    today = local_today()
    form = admin.get("/campaigns/new").get_data(as_text=True)
    assert 'type="checkbox"' in form and world.expert_u1.name in form
    response = send_form(
        admin,
        "/campaigns/new",
        {
            "name": "博士专家企业行",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
            "university_ids": [str(world.u1.id)],
            "expert_ids": [str(world.expert_u1.id)],
            "county_ids": [str(ids["县甲"])],
            "park_ids": [str(ids["园区甲"])],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(Campaign))
        assert made.name == "博士专家企业行"
        assert [u.id for u in made.universities] == [world.u1.id]
        assert [e.id for e in made.experts] == [world.expert_u1.id]
        assert [c.id for c in made.counties] == [ids["县甲"]]
        assert [p.id for p in made.parks] == [ids["园区甲"]]
        made_id = made.id
    assert response.headers["Location"].endswith(f"/campaigns/{made_id}")
    assert "博士专家企业行" in admin.get("/campaigns").get_data(as_text=True)
    edit = send_form(
        admin,
        f"/campaigns/{made_id}/edit",
        {
            "name": "博士专家企业行（二期）",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "university_ids": [str(world.u1.id), str(world.u2.id)],
        },
    )
    assert edit.status_code == 302
    with app.app_context():
        changed = db.session.get(Campaign, made_id)
        assert changed.name == "博士专家企业行（二期）"
        assert changed.experts == [] and changed.counties == []
        assert len(changed.universities) == 2


def _count_campaigns(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count(Campaign.id))) or 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "START-1"}, "ends_on"),
        ({"name": ""}, "name"),
        ({"starts_on": "2026-13-45"}, "starts_on"),
        ({"expert_ids": ["EXPERT_U2"]}, "expert_ids"),
        ({"university_ids": ["999999"]}, "university_ids"),
        ({"name": "TAKEN"}, "name"),
    ],
)
def test_bad_campaign_input_is_refused_on_its_field_and_nothing_is_saved(
    app, world, login, change, field
):  # type: ignore[no-untyped-def]
    campaign(app, world, name="已有的行动")
    admin = login(world.admin)
    today = local_today()
    data = {
        "name": "新的行动",
        "starts_on": today.isoformat(),
        "ends_on": today.isoformat(),
        "university_ids": [str(world.u1.id)],
        "expert_ids": [str(world.expert_u1.id)],
    }
    for key, value in change.items():
        if value == "START-1":
            value = (today - timedelta(days=1)).isoformat()
        elif value == "TAKEN":
            value = "已有的行动"
        elif value == ["EXPERT_U2"]:
            value = [str(world.expert_u2.id)]
        data[key] = value
    response = send_form(admin, "/campaigns/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error" class="error">([^<]+)<', page)
    assert error and error.group(1).strip(), f"no message on {field}"
    assert _count_campaigns(app) == 1


def test_only_admins_manage_campaigns(app, world, login) -> None:  # type: ignore[no-untyped-def]
    made = campaign(app, world, university_ids=[world.u1.id])
    for who in (world.commissioner_a, world.expert_u1, world.liaison_u1):
        client = login(who)
        for url in ("/campaigns", "/campaigns/new", f"/campaigns/{made}/edit"):
            assert client.get(url).status_code == 404, (who.login, url)
    with app.app_context():
        expert = db.session.get(User, world.expert_u1.id)
        with pytest.raises(NotAllowed):
            services.save_campaign(
                None, expert, name="x", starts_on=local_today(), ends_on=local_today()
            )


# --- tagging ---------------------------------------------------------------------------------


def test_a_ticket_submitted_in_the_days_and_places_of_a_campaign_is_tagged(app, make, world):  # type: ignore[no-untyped-def]
    ids = places(app, "县甲", "县乙")
    place_enterprise(app, world.enterprise_a, county=ids["县甲"])
    place_enterprise(app, world.enterprise_b, county=ids["县乙"])
    covering = campaign(app, world, county_ids=[ids["县甲"]])
    campaign(app, world, name="已结束的行动", days=(-30, -2))
    campaign(app, world, name="将来的行动", days=(2, 30))
    inside = make.ticket(world, "submitted")
    assert campaign_of(app, inside.number) == covering
    draft = make.ticket(world, "draft")
    assert campaign_of(app, draft.number) is None  # a draft is not filed yet
    with app.app_context():  # enterprise B lies in a county the campaign does not cover
        filer = db.session.get(User, world.commissioner_b.id)
        other = ticket_services.create_draft(
            filer,
            zone_code="CZ",
            title="焦炉煤气净化",
            description="脱硫效率低。",
            category="tech_upgrade",
            enterprise_id=world.enterprise_b.id,
        )
        transitions.perform(other, "submit", filer)
        db.session.commit()
        assert other.campaign_id is None


def test_a_campaign_with_no_places_covers_the_whole_zone_and_the_latest_start_wins(
    app, make, world
):  # type: ignore[no-untyped-def]
    campaign(app, world, name="全区行动", days=(-10, 10))
    later = campaign(app, world, name="园区行动", days=(0, 3))
    assert campaign_of(app, make.ticket(world, "submitted").number) == later


def test_a_campaign_created_later_tags_the_tickets_already_filed(app, make, world):  # type: ignore[no-untyped-def]
    ids = places(app, "县甲")
    place_enterprise(app, world.enterprise_a, county=ids["县甲"])
    filed = make.ticket(world, "in_progress")
    draft = make.ticket(world, "draft")
    assert campaign_of(app, filed.number) is None
    elsewhere = campaign(app, world, name="县乙行动", county_ids=[places(app, "县乙")["县乙"]])
    assert campaign_of(app, filed.number) is None
    made = campaign(app, world, county_ids=[ids["县甲"]])
    assert campaign_of(app, filed.number) == made
    assert campaign_of(app, draft.number) is None
    with app.app_context():
        assert db.session.scalar(select(func.sum(TicketTally.n))) == 1  # the tallies rebuilt
        # moving its days away untags its tickets
        admin = db.session.get(User, world.admin.id)
        row = db.session.get(Campaign, made)
        services.save_campaign(
            row,
            admin,
            name=row.name,
            starts_on=local_today() + timedelta(days=5),
            ends_on=local_today() + timedelta(days=9),
            county_ids=[ids["县甲"]],
        )
        db.session.commit()
    assert campaign_of(app, filed.number) is None
    assert elsewhere


# --- the campaign page -----------------------------------------------------------------------


def independent_figures(campaign_id: int) -> list[int]:
    """The sentence's five figures, counted in plain SQL."""
    queries = [
        "SELECT COUNT(DISTINCT expert_id) FROM ticket WHERE campaign_id = :c AND state <> 'draft'",
        "SELECT COUNT(DISTINCT enterprise_id) FROM ticket WHERE campaign_id = :c"
        " AND state <> 'draft'",
        "SELECT COUNT(*) FROM ticket WHERE campaign_id = :c AND state <> 'draft'",
        "SELECT COUNT(*) FROM outcome o JOIN ticket t ON t.id = o.ticket_id"
        " WHERE t.campaign_id = :c AND t.state <> 'draft'",
        "SELECT COUNT(*) FROM outcome o JOIN ticket t ON t.id = o.ticket_id"
        " WHERE t.campaign_id = :c AND t.state <> 'draft' AND o.agreement_date IS NOT NULL",
    ]
    return [db.session.scalar(text(sql), {"c": campaign_id}) for sql in queries]


def test_the_campaign_page_states_the_figures_of_independent_sql(app, make, world, login):  # type: ignore[no-untyped-def]
    made = campaign(app, world, university_ids=[world.u1.id])
    other = make.world()
    for w, state in [
        (world, "submitted"),
        (world, "in_progress"),
        (world, "outcome_intention"),
        (world, "outcome_agreement"),
        (world, "closed"),
        (other, "outcome_landed"),
        (other, "draft"),
    ]:
        make.ticket(w, state)
    page = login(world.admin).get(f"/campaigns/{made}").get_data(as_text=True)
    with app.app_context():
        expected = independent_figures(made)
    assert sentence_numbers(page) == expected
    assert expected[0] == 2 and expected[1] == 2 and expected[2] == 6
    assert expected[3] == 3 and expected[4] == 2  # intention, agreement, landed
    assert "数控机床主轴温升过高" not in page  # no ticket titles on the page


def test_coverage_lists_the_places_and_key_enterprises_not_reached_first(app, make, world, login):  # type: ignore[no-untyped-def]
    ids = places(app, "县甲", "县乙", "园区甲")
    place_enterprise(app, world.enterprise_a, county=ids["县甲"], key=True)
    place_enterprise(app, world.enterprise_b, county=ids["县乙"], key=True)
    unreached = make.enterprise("未走访的重点企业")
    place_enterprise(app, unreached, park=ids["园区甲"], key=True)
    made = campaign(app, world, county_ids=[ids["县甲"], ids["县乙"]], park_ids=[ids["园区甲"]])
    make.ticket(world, "in_progress")  # enterprise A, in 县甲
    page = login(world.admin).get(f"/campaigns/{made}").get_data(as_text=True)
    gaps = re.search(r'id="place-gaps">(.*?)</p>', page, re.S).group(1)
    assert "县乙" in gaps and "园区甲" in gaps and "县甲" not in gaps
    key_gaps = re.search(r'id="enterprise-gaps">(.*?)</p>', page, re.S).group(1)
    assert "未走访的重点企业" in key_gaps and world.enterprise_b.name in key_gaps
    assert world.enterprise_a.name not in key_gaps
    table = page.split('id="key-h"', 1)[1]
    assert table.index("未走访的重点企业") < table.index(world.enterprise_a.name)
    assert table.index(world.enterprise_b.name) < table.index(world.enterprise_a.name)


def test_who_sees_the_campaign_page(app, world, login) -> None:  # type: ignore[no-untyped-def]
    made = campaign(app, world, university_ids=[world.u1.id])
    url = f"/campaigns/{made}"
    assert login(world.admin).get(url).status_code == 200
    assert login(world.liaison_u1).get(url).status_code == 200
    for who in (world.liaison_u2, world.commissioner_a, world.expert_u1):
        assert login(who).get(url).status_code == 404, who.login
    assert login(world.admin).get("/campaigns/999999").status_code == 404


# --- partner pairing and key enterprises ------------------------------------------------------


def test_routing_offers_the_partner_university_first(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    place_enterprise(app, world.enterprise_a)
    with app.app_context():
        db.session.get(Enterprise, world.enterprise_a.id).partner_university_id = world.u2.id
        db.session.commit()
    ticket = make.ticket(world, "submitted")
    page = login(world.admin).get(f"/tickets/{ticket.number}").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="route-university_id".*?</select>', page, re.S)
    assert select_html, "no route form"
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)<', select_html.group(0))
    assert options[0][0] == str(world.u2.id)
    assert world.u2.name in options[0][1] and options[0][1] != world.u2.name  # labelled
    assert [value for value, _label in options].count(str(world.u2.id)) == 1
    assert (
        act(login(world.admin), ticket.number, "route", university_id=str(world.u2.id)).status_code
        == 303
    )


def test_an_admin_marks_a_key_enterprise(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    url = f"/admin/enterprises/{world.enterprise_a.id}"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="key_enterprise"' in page
    with app.app_context():
        e = db.session.get(Enterprise, world.enterprise_a.id)
        data = {"name": e.name, "credit_code": e.credit_code, "key_enterprise": "y", "active": "y"}
    assert send_form(admin, url, data).status_code == 302
    with app.app_context():
        assert db.session.get(Enterprise, world.enterprise_a.id).key_enterprise is True
    assert "tag" in admin.get("/admin/enterprises").get_data(as_text=True)
