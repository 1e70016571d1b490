"""Time targets in working days: the calendar (weekends, public holidays, 调休), the settings
page, recounting running steps when a target or a day changes, and the due-soon badge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.test_queues import _all_pages, _link, _order
from ticketing import db, writes
from ticketing.notify import services as notify
from ticketing.notify.models import Notification
from ticketing.tickets import deadlines
from ticketing.tickets.models import Ticket
from ticketing.worktime import official
from ticketing.worktime.calendar import WorkCalendar
from ticketing.worktime.models import CalendarDay, TimeTarget

Z = db.ZONE_TIME
OFFICIAL = WorkCalendar(
    {day: working for year in official.YEARS for day, working, _n in official.days(year)}
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=Z)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday afternoon: Friday's rest, Monday, Tuesday, and Wednesday until 15:00
        (local(2026, 12, 4, 15), 3, local(2026, 12, 9, 15)),
        # on a Saturday the clock waits for Monday: due at the end of Wednesday
        (local(2026, 12, 5, 10), 3, local(2026, 12, 10)),
        # 国庆节 1–7 October 2026 is off; Saturday 10 October is worked (调休)
        (local(2026, 9, 30, 10), 3, local(2026, 10, 10, 10)),
        # Sunday 20 September 2026 is an adjusted working day
        (local(2026, 9, 19, 12), 1, local(2026, 9, 21)),
        # Saturday 14 February is worked, then 春节 15–23 February is off
        (local(2026, 2, 13, 9), 2, local(2026, 2, 24, 9)),
        # 元旦 2026: 1–3 January off, Sunday 4 January worked
        (local(2025, 12, 31, 18), 1, local(2026, 1, 4, 18)),
    ],
)
def test_working_days_skip_weekends_and_holidays_and_count_make_up_days(start, days, due) -> None:  # type: ignore[no-untyped-def]
    assert OFFICIAL.add(start.astimezone(UTC), days) == due.astimezone(UTC)


def test_days_beyond_the_calendar_are_weekdays_only() -> None:
    assert WorkCalendar().add(local(2030, 5, 1, 9).astimezone(UTC), 1) == local(2030, 5, 2, 9)
    assert not OFFICIAL.is_working(date(2026, 10, 1)) and OFFICIAL.is_working(date(2026, 10, 10))


def test_a_step_is_due_soon_on_its_due_day_and_the_working_day_before() -> None:
    # due on Monday: due soon from Friday
    assert OFFICIAL.soon_from(local(2026, 12, 7, 10)) == local(2026, 12, 4)
    # due at the end of Wednesday (Thursday 00:00): due soon from Tuesday
    assert OFFICIAL.soon_from(local(2026, 12, 10)) == local(2026, 12, 8)
    # due on 8 October 2026, after the 国庆 days off: due soon from 30 September
    assert OFFICIAL.soon_from(local(2026, 10, 8, 9)) == local(2026, 9, 30)
    # due on Sunday 11 October: Saturday 10 October is worked (调休)
    assert OFFICIAL.soon_from(local(2026, 10, 11, 9)) == local(2026, 10, 10)


def test_the_official_calendar_is_in_the_database(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        listed = dict(db.session.execute(select(CalendarDay.day, CalendarDay.working)).all())
    assert listed[date(2026, 10, 1)] is False and listed[date(2026, 10, 10)] is True
    assert listed[date(2025, 1, 28)] is False and listed[date(2025, 2, 8)] is True


def test_a_step_started_before_a_holiday_is_due_after_it(make, world, app) -> None:  # type: ignore[no-untyped-def]
    with db.frozen_clock(local(2026, 9, 30, 10).astimezone(UTC)):
        ticket = make.ticket(world, "submitted", title="节前提交的问题")
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        assert row.due_at == local(2026, 10, 10, 10)
        assert row.step_started_at == local(2026, 9, 30, 10)
        assert row.due_soon_at == local(2026, 10, 9)  # Friday 9 October, the working day before


def _targets_form(client, **changes: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    page = client.get("/admin/working-time").get_data(as_text=True)
    data: dict[str, object] = {}
    for step in ("route", "assign", "start", "resolve"):
        for priority in ("urgent", "high", "normal", "low"):
            name = f"{step}_{priority}"
            marker = f'name="{name}"'
            assert marker in page, name
            value = page.split(marker, 1)[1].split('value="', 1)[1].split('"', 1)[0]
            data[name] = changes.get(name, value)
    return data


def test_admin_changes_a_target_and_running_steps_are_recounted(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    moment = local(2026, 11, 2, 9).astimezone(UTC)  # a Monday
    with db.frozen_clock(moment):
        normal = make.ticket(world, "submitted", title="普通问题")
        urgent = make.ticket(world, "submitted", title="紧急问题", priority="urgent")
        routed = make.ticket(world, "university_assigned", title="已分派问题")
    admin = login(world.admin)
    page = admin.get("/admin/working-time")
    assert page.status_code == 200 and "工作日" in page.get_data(as_text=True)
    response = admin.post(
        "/admin/working-time/targets",
        data=_targets_form(admin, route_normal=5),
        token_from="/admin/working-time",
    )
    assert response.status_code == 302
    with app.app_context():
        due = {t.id: t.due_at for t in db.session.scalars(select(Ticket))}
        assert db.session.get(TimeTarget, ("route", "normal")).days == 5
    assert due[normal.id] == local(2026, 11, 9, 9)  # five working days: next Monday
    assert due[urgent.id] == local(2026, 11, 5, 9)  # urgent keeps three
    assert due[routed.id] == local(2026, 11, 5, 9)  # the assign step keeps three
    # a ticket routed afterwards counts the new target too
    with db.frozen_clock(moment):
        later = make.ticket(world, "submitted", title="之后提交的问题")
    with app.app_context():
        assert db.session.get(Ticket, later.id).due_at == local(2026, 11, 9, 9)


def test_bad_target_is_refused_and_nothing_is_saved(world, login, app) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    data = _targets_form(admin, route_normal=9, resolve_low=0)
    response = admin.post(
        "/admin/working-time/targets", data=data, token_from="/admin/working-time"
    )
    assert response.status_code == 422
    assert "1 到 365" in response.get_data(as_text=True)
    data = _targets_form(admin, route_normal=9, start_high="两天")
    assert (
        admin.post(
            "/admin/working-time/targets", data=data, token_from="/admin/working-time"
        ).status_code
        == 422
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TimeTarget)) == 0


@pytest.mark.parametrize("who", ["liaison_u1", "expert_u1", "commissioner_a"])
def test_only_admins_see_the_settings(who, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(getattr(world, who))
    assert client.get("/admin/working-time").status_code in (403, 404)
    response = client.post(
        "/admin/working-time/days",
        data={"day": "2026-12-07", "working": "0", "name": "x"},
        token_from="/notifications",
    )
    assert response.status_code in (403, 404)


def test_a_new_holiday_and_its_removal_move_running_steps(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    with db.frozen_clock(local(2027, 3, 1, 9).astimezone(UTC)):  # Monday, beyond the notices
        ticket = make.ticket(world, "submitted", title="三月的问题")
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).due_at == local(2027, 3, 4, 9)
    admin = login(world.admin)
    response = admin.post(
        "/admin/working-time/days?year=2027",
        data={"day": "2027-03-03", "working": "0", "name": "区庆"},
        token_from="/admin/working-time",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).due_at == local(2027, 3, 5, 9)
    page = admin.get("/admin/working-time?year=2027").get_data(as_text=True)
    assert "区庆" in page
    response = admin.post(
        "/admin/working-time/days/remove?year=2027",
        data={"day": "2027-03-03"},
        token_from="/admin/working-time",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).due_at == local(2027, 3, 4, 9)
        assert db.session.get(CalendarDay, date(2027, 3, 3)) is None


def test_a_make_up_day_must_be_a_weekend_day(world, login, app) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    response = admin.post(
        "/admin/working-time/days",
        data={"day": "2027-03-03", "working": "1", "name": "调休"},
        token_from="/admin/working-time",
    )
    assert response.status_code == 422
    assert "工作日" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CalendarDay, date(2027, 3, 3)) is None


def test_restoring_the_official_year(world, login, app) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    admin.post(
        "/admin/working-time/days/remove?year=2026",
        data={"day": "2026-10-01"},
        token_from="/admin/working-time",
    )
    with app.app_context():
        assert db.session.get(CalendarDay, date(2026, 10, 1)) is None
    response = admin.post(
        "/admin/working-time/official?year=2026",
        data={"year": "2026"},
        token_from="/admin/working-time",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CalendarDay, date(2026, 10, 1)).working is False
        count = db.session.scalar(
            select(func.count()).where(
                CalendarDay.day.between(date(2026, 1, 1), date(2026, 12, 31))
            )
        )
    assert count == len(official.days(2026))


def test_the_page_warns_when_next_years_holidays_are_missing(world, login) -> None:  # type: ignore[no-untyped-def]
    with db.frozen_clock(local(2026, 12, 4, 9).astimezone(UTC)):
        page = login(world.admin).get("/admin/working-time").get_data(as_text=True)
    assert "国务院" in page


def test_due_soon_and_overdue_badges(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    soon = make.ticket(world, "submitted", title="明天到期的问题")
    later = make.ticket(world, "submitted", title="还早的问题")
    with app.app_context():
        now = db.utcnow()
        first, second = db.session.get(Ticket, soon.id), db.session.get(Ticket, later.id)
        first.due_at, first.due_soon_at = now + timedelta(minutes=30), now - timedelta(hours=9)
        second.due_at, second.due_soon_at = now + timedelta(days=20), now + timedelta(days=18)
        db.session.commit()
    page = login(world.admin).get("/queue/to_route").get_data(as_text=True)
    soon_row = page.split(soon.number, 1)[1].split("</li>", 1)[0]
    later_row = page.split(later.number, 1)[1].split("</li>", 1)[0]
    assert "即将到期" in soon_row and "即将到期" not in later_row
    detail = login(world.admin).get(f"/tickets/{soon.number}").get_data(as_text=True)
    assert "即将到期" in detail


def test_steps_done_late_are_not_counted_within_target(make, world, app, ctx) -> None:  # type: ignore[no-untyped-def]
    start = local(2026, 11, 2, 9).astimezone(UTC)
    mask = deadlines.steps_on_time(0, "submitted", "university_assigned", start, start)
    assert mask == deadlines.ROUTE
    late = deadlines.steps_on_time(mask, "university_assigned", "expert_assigned", start,
                                   start + timedelta(seconds=1))  # fmt: skip
    assert late == deadlines.ROUTE
    assert deadlines.steps_on_time(late, "in_progress", "resolved", None, start) & deadlines.RESOLVE
    # routed after its due time, then routed again in time: the latest counts
    assert deadlines.steps_on_time(mask, "submitted", "university_assigned", start,
                                   start + timedelta(days=9)) == 0  # fmt: skip


def test_queue_in_order_of_due_time_page_after_page(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    made = [make.ticket(world, "submitted", title=f"到期顺序 {n}") for n in range(25)]
    finished = make.ticket(world, "closed", title="已办结的问题")
    hours = [(n * 7) % 25 for n in range(25)]  # a shuffled order of due times
    with app.app_context():
        now = db.utcnow()
        for ticket, h in zip(made, hours, strict=True):
            db.session.get(Ticket, ticket.id).due_at = now + timedelta(hours=h)
        db.session.commit()
    expected = [t.number for _h, t in sorted(zip(hours, made, strict=True), key=lambda p: p[0])]
    admin = login(world.admin)
    for url in ("/queue/to_route?sort=due", "/queue/all?sort=due"):
        seen = _all_pages(admin, url)
        assert seen == expected, url
        assert finished.number not in seen
    second = admin.get(_link(admin.get("/queue/to_route?sort=due").get_data(as_text=True), "next"))
    back = admin.get(_link(second.get_data(as_text=True), "prev")).get_data(as_text=True)
    assert _order(back) == expected[: len(_order(back))]
    assert "最早到期" in back


def test_the_due_reminder_goes_out_on_the_working_day_before(make, world, app) -> None:  # type: ignore[no-untyped-def]
    # routed on Wednesday 30 September 2026 at 10:00: the assign step is due on Saturday
    # 10 October (a 调休 working day) at 10:00, after the 国庆 days off
    with db.frozen_clock(local(2026, 9, 30, 10).astimezone(UTC)):
        ticket = make.ticket(world, "university_assigned", title="节前分派的问题")

    def reminders() -> int:
        with app.app_context():
            return db.session.scalar(
                select(func.count()).where(
                    Notification.ticket_id == ticket.id, Notification.kind == "due"
                )
            )

    for day in (1, 5, 7):  # days off: nothing yet
        with app.app_context():
            writes.run(lambda d=day: notify.write_due(local(2026, 10, d, 9).astimezone(UTC)))
    assert reminders() == 0
    for day in (9, 9, 10):  # Friday 9 October, the working day before: once
        with app.app_context():
            writes.run(lambda d=day: notify.write_due(local(2026, 10, d, 8).astimezone(UTC)))
    assert reminders() == 1
