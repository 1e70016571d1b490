"""Universities' strategic agreements with a county or a park (校地合作): admins record, change
and list them; bad input is refused on its field with nothing saved; the reports count them;
the campaign page lists those signed in its period with the places it covers."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.helpers import send_form
from tests.test_campaigns import campaign, places
from ticketing import db
from ticketing.db import local_today
from ticketing.orgs.agreements import region_agreement_count
from ticketing.orgs.models import RegionAgreement


def _agreements(app) -> list[RegionAgreement]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(RegionAgreement).order_by(RegionAgreement.id)))


def test_an_admin_records_changes_and_lists_an_agreement(app, world, login) -> None:  # type: ignore[no-untyped-def]
    ids = places(app, "县甲", "园区甲")
    admin = login(world.admin)
    signed = (local_today() - timedelta(days=3)).isoformat()
    data = {
        "university_id": str(world.u1.id),
        "county_id": str(ids["县甲"]),
        "park_id": "0",
        "title": "校地全面战略合作协议",
        "signed_on": signed,
        "scope": "共建研究院",
    }
    assert send_form(admin, "/region-agreements/new", data).status_code == 302
    [made] = _agreements(app)
    assert (made.university_id, made.county_id, made.park_id) == (world.u1.id, ids["县甲"], None)
    assert str(made.signed_on) == signed
    listing = admin.get("/region-agreements").get_data(as_text=True)
    assert "校地全面战略合作协议" in listing and "县甲" in listing
    changed = {**data, "park_id": str(ids["园区甲"]), "county_id": "0", "title": "园区合作协议"}
    assert send_form(admin, f"/region-agreements/{made.id}", changed).status_code == 302
    [again] = _agreements(app)
    assert (again.title, again.county_id, again.park_id) == ("园区合作协议", None, ids["园区甲"])


def test_bad_agreement_input_is_refused_on_its_field(app, world, login) -> None:  # type: ignore[no-untyped-def]
    ids = places(app, "县甲")
    admin = login(world.admin)
    good = {
        "university_id": str(world.u1.id),
        "county_id": str(ids["县甲"]),
        "park_id": "0",
        "title": "协议",
        "signed_on": local_today().isoformat(),
    }
    future = (local_today() + timedelta(days=2)).isoformat()
    for change, field in [
        ({"county_id": "0"}, "county_id"),
        ({"university_id": "0"}, "university_id"),
        ({"signed_on": future}, "signed_on"),
        ({"signed_on": "2026-02-31"}, "signed_on"),
        ({"title": " "}, "title"),
    ]:
        response = send_form(admin, "/region-agreements/new", {**good, **change})
        assert response.status_code == 422, change
        page = response.get_data(as_text=True)
        error = re.search(rf'id="{field}-error" class="error">([^<]+)<', page)
        assert error and error.group(1).strip(), change
    assert _agreements(app) == []


def test_only_admins_see_agreements(world, login) -> None:  # type: ignore[no-untyped-def]
    for who in (world.liaison_u1, world.commissioner_a, world.expert_u1):
        client = login(who)
        assert client.get("/region-agreements").status_code == 404
        assert client.get("/region-agreements/new").status_code == 404


def test_agreements_are_counted_and_shown_on_the_campaign_page(app, world, login) -> None:  # type: ignore[no-untyped-def]
    ids = places(app, "县甲", "县乙", "园区甲")
    today = local_today()
    with app.app_context():
        for title, county, park, days in [
            ("县甲协议", ids["县甲"], None, 0),
            ("园区甲协议", None, ids["园区甲"], 0),
            ("县乙协议", ids["县乙"], None, 0),
            ("旧协议", ids["县甲"], None, 400),
        ]:
            db.session.add(
                RegionAgreement(
                    university_id=world.u1.id,
                    county_id=county,
                    park_id=park,
                    title=title,
                    signed_on=today - timedelta(days=days),
                )
            )
        db.session.commit()
        since = today - timedelta(days=30)
        assert region_agreement_count() == 4
        assert region_agreement_count(since, today) == 3
        assert region_agreement_count(since, today, county_ids=[ids["县甲"]]) == 1
        assert region_agreement_count(university_id=world.u2.id) == 0
        independent = db.session.scalar(
            select(func.count()).where(RegionAgreement.signed_on >= since)
        )
        assert independent == 3
    made = campaign(app, world, county_ids=[ids["县甲"]], park_ids=[ids["园区甲"]])
    page = login(world.admin).get(f"/campaigns/{made}").get_data(as_text=True)
    section = page.split('id="agreements-h"', 1)[1]
    assert "县甲协议" in section and "园区甲协议" in section
    assert "县乙协议" not in section and "旧协议" not in section
