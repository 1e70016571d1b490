"""The dashboard in a real browser: every chart drawn from its table, the year filter sent
through the form, and a click on a chart segment that opens the list of exactly the tickets
(or cooperations) it counts; no console error, axe clean, in Chinese and English, on a
desktop and on a 390 px phone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.conftest import Live
from tests.factories import World
from ticketing import db
from ticketing.orgs.models import County, Enterprise, Park, Zone

pytestmark = pytest.mark.no_transaction

CHARTS = ("funnel", "category", "trend", "park", "county")
_seeded: list[World] = []


def _seed(live: Live) -> World:
    """Once per run: a world whose enterprises are in a park and a county, with problems
    filed in 2025 and 2026 at several steps, cooperations among them."""
    if _seeded:
        return _seeded[0]
    world = live.make.world()
    with live.app.app_context():
        zone = Zone(code="DB", name="看板测试区")
        db.session.add(zone)
        db.session.flush()
        park = Park(zone_id=zone.id, name="看板测试园区")
        county = County(zone_id=zone.id, name="看板测试县")
        db.session.add_all([park, county])
        db.session.flush()
        for enterprise in (world.enterprise_a, world.enterprise_b):
            row = db.session.get(Enterprise, enterprise.id)
            row.park_id, row.county_id = park.id, county.id
        db.session.commit()
    for when, state in (
        (datetime(2025, 2, 10, 3, tzinfo=UTC), "outcome_landed"),
        (datetime(2025, 3, 3, 3, tzinfo=UTC), "outcome_agreement"),
        (datetime(2025, 5, 20, 3, tzinfo=UTC), "closed"),
        (datetime(2025, 5, 22, 3, tzinfo=UTC), "outcome_intention"),
        (datetime(2026, 1, 5, 3, tzinfo=UTC), "submitted"),
        (datetime(2026, 1, 7, 3, tzinfo=UTC), "in_progress"),
    ):
        with db.frozen_clock(when):
            live.make.ticket(world, state)
    _seeded.append(world)
    return world


CHART_STATE = """(id) => {
  const holder = document.getElementById(id);
  const chart = holder && window.echarts && echarts.getInstanceByDom(holder);
  const surface = holder && holder.querySelector('canvas, svg');
  const box = surface ? surface.getBoundingClientRect() : {width: 0, height: 0};
  const series = chart ? chart.getOption().series : [];
  return {
    drawn: !!chart, width: box.width, height: box.height,
    points: series.reduce((n, s) => n + s.data.length, 0),
  };
}"""

# the middle of a drawn segment (a bar, a funnel step) of series 0 in page coordinates, with
# the figure it shows: the first non-empty one, or the one at `index`
SEGMENT_POINT = """([id, wanted]) => {
  const holder = document.getElementById(id);
  const chart = echarts.getInstanceByDom(holder);
  const data = chart.getModel().getSeriesByIndex(0).getData();
  const values = chart.getOption().series[0].data.map(v => typeof v === 'object' ? v.value : v);
  const index = wanted === null ? values.findIndex(v => v > 0) : wanted;
  const rect = data.getItemGraphicEl(index).getBoundingRect();
  const box = holder.getBoundingClientRect();
  return {x: box.left + rect.x + rect.width / 2, y: box.top + rect.y + rect.height / 2,
          value: values[index], index: index};
}"""


def _charts_drawn(page: Page) -> None:
    for name in CHARTS:
        holder = page.locator(f"#chart-{name}")
        expect(holder).to_have_class("chart drawn")
        state = page.evaluate(CHART_STATE, f"chart-{name}")
        assert state["drawn"] and state["width"] > 0 and state["height"] > 0, (name, state)
        assert state["points"] > 0, (name, state)


def _figure(page: Page, name: str) -> int:
    return int(page.locator(f"a[data-figure='{name}']").inner_text())


def _open_segment(page: Page, chart: str, index: int | None = None) -> dict[str, Any]:
    """Click a segment of `chart` where it is drawn, as a person would."""
    page.locator(f"#chart-{chart}").scroll_into_view_if_needed()
    point = page.evaluate(SEGMENT_POINT, [f"chart-{chart}", index])
    with page.expect_navigation():
        page.mouse.click(point["x"], point["y"])
    return point


def _list_rows(page: Page) -> int:
    return page.locator("table.report-list tbody tr[data-id]").count()


@pytest.mark.parametrize(("lang", "device"), [("zh", "desktop"), ("en", "phone")])
def test_dashboard_charts_filter_and_open_a_segment(
    ui: support.UI, live: Live, screenshots: Path, lang: str, device: str
) -> None:
    world = _seed(live)
    page = ui.login(world.admin, device, lang, axe=True)
    page.goto("/dashboard")
    _charts_drawn(page)
    support.axe_check(page, "the dashboard")
    support.labels_and_ids(page)
    if device == "phone":
        support.no_sideways_scroll(page)
    support.screenshot(page, screenshots, f"dashboard-{lang}-{device}")

    # the year filter, through the form
    page.fill("input[name=year]", "2025")
    support.submit(page, page.locator("form.filters button[type=submit]"))
    assert "year=2025" in page.url
    _charts_drawn(page)
    filed = _figure(page, "filed")
    assert filed >= 4  # this run's four 2025 problems, and any other test's of that year
    assert page.locator("a[data-figure='month-filed-2026-01']").count() == 0

    # a bar of the category chart opens the list of the problems it counts
    point = _open_segment(page, "category")
    assert "/reports/tickets" in page.url and "year=2025" in page.url
    assert "category=" in page.url
    assert _list_rows(page) == point["value"]
    support.axe_check(page, "a list behind a figure")
    if device == "phone":
        support.no_sideways_scroll(page)

    # a bar of the coverage chart: the list of that park's problems
    page.go_back()
    _charts_drawn(page)
    point = _open_segment(page, "park")
    assert "park=" in page.url
    assert _list_rows(page) == point["value"]


def test_funnel_segment_opens_its_cooperations(ui: support.UI, live: Live) -> None:
    world = _seed(live)
    page = ui.login(world.admin, "desktop", "zh")
    page.goto("/dashboard?year=2025")
    _charts_drawn(page)
    agreements = _figure(page, "funnel-agreements")
    # the funnel's fourth step: the agreements
    point = _open_segment(page, "funnel", 3)
    assert point["value"] == agreements
    assert "/reports/cooperations" in page.url and "figure=agreements" in page.url
    assert _list_rows(page) == agreements
