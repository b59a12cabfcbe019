"""The /ops map with context, and every ops page at 1440x900 and 390x844: stations that
would overlap are spread apart, popups give value, unit, time, trend, levels and a link as
text (never HTML), the badge says the same as the list, Natural Earth context is drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.conftest import World, shot, wait_until
from tests.browser.test_pages import login

WIDE, NARROW = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
PAGES = ["/ops", "/ops/alerts", "/ops/data", "/ops/network", "/ops/programmes", "/ops/stations/1"]
TRICKY = "Rain <b>gauge</b> & co"


def _neighbour(world: World) -> None:
    """A second station 250 m from the river gauge: overlapping markers at city zoom."""
    thing = {
        "name": TRICKY,
        "description": "tipping bucket",
        "@cityops.organisation": "danang",
        "Locations": [
            {
                "name": "bucket",
                "description": "bucket",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [108.2223, 16.0710]},
            }
        ],
    }
    ok = world.api.post("/v1.1/Things", json=thing)
    assert ok.status_code == 201, ok.text


def _boxes(page: Any) -> list[dict[str, float]]:
    return [
        page.locator("path.station-marker").nth(i).bounding_box()
        for i in range(page.locator("path.station-marker").count())
    ]


def _boxes_at_rest(page: Any, timeout: float = 10.0) -> list[dict[str, float]]:
    """Marker boxes once no zoom animation scales them and no live redraw replaces them
    (circles of 8-11 px radius)."""
    found: list[Any] = []

    def settled() -> bool:
        found[:] = _boxes(page)
        return bool(found) and all(b is not None and b["width"] < 40 for b in found)

    wait_until(settled, "the map at rest", timeout)
    return found


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_ops_map_popups_spread_and_context(browser: Any, world: World) -> None:
    world.setup_city()
    _neighbour(world)
    now = datetime.now(UTC)
    world.observe(2.0, (now - timedelta(minutes=80)).isoformat())
    world.observe(2.45, now.isoformat())  # above warning (2.0 m), rising
    for label, viewport in (("1440x900", WIDE), ("390x844", NARROW)):
        page = world.page(browser, viewport)
        login(page, world.url)
        markers = page.locator("path.station-marker")
        wait_until(lambda markers=markers: markers.count() == 2, "two station markers")
        ctx = page.locator(".leaflet-context-pane path")  # rivers, lakes, provinces
        wait_until(lambda ctx=ctx: ctx.count() > 100, "Natural Earth context on the map")
        boxes = _boxes_at_rest(page)
        assert not _overlap(boxes[0], boxes[1]), f"markers overlap at {label}: {boxes}"

        item = page.locator("#station-list li[data-state=warning]")
        item.wait_for()
        assert item.locator(".badge").inner_text() == "Warning"
        assert "2.45 m ↑" in item.inner_text()

        page.locator("path.station-marker.state-warning").click()
        popup = page.locator(".leaflet-popup-content .station-popup")
        popup.wait_for()
        text = popup.inner_text()
        for part in (
            "Han River at Da Nang",
            "Warning",
            "2.45 m ↑",
            "Trend: rising",
            "+0.45 m",
            "Levels: warning 2.00 m · danger 3.00 m",
            "Open station",
        ):
            assert part in text, (part, text)
        assert "GMT+7" in text  # the reading's time, in the city's zone
        link = popup.get_by_role("link", name="Open station").get_attribute("href")
        assert link is not None and link.startswith("/ops/stations/")
        shot(page, f"ops-map-popup-{label}")
        if viewport is NARROW:  # (last) a live update redraws the map and keeps the popup open
            world.observe(2.5, datetime.now(UTC).isoformat())
            fresh = page.locator(".leaflet-popup-content .station-popup", has_text="2.50 m")
            fresh.wait_for(timeout=5000)
        page.keyboard.press("Escape")

        page.locator("path.station-marker.state-nodata").click(force=True)
        other = page.locator(".leaflet-popup-content .station-popup", has_text="Rain")
        other.wait_for()
        assert TRICKY in other.inner_text()  # shown as text
        assert other.locator("b").count() == 0  # never parsed as HTML

        for path in PAGES:
            page.goto(world.url + path)
            page.wait_for_load_state("networkidle")
            shot(page, f"ops{path.replace('/', '-')}-{label}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} scrolls sideways at {label}"
        page.context.close()
    assert world.foreign == [], world.foreign
    assert world.errors == [], world.errors


def test_station_page_state_follows_live_values(browser: Any, world: World) -> None:
    """The station page's badges, reason and trend change with a live value, judged as
    the map judges them (they stayed as first rendered)."""
    world.setup_city()
    now = datetime.now(UTC)
    world.observe(1.2, (now - timedelta(minutes=70)).isoformat())
    world.observe(1.3, now.isoformat())
    page = world.page(browser, WIDE)
    login(page, world.url)
    page.goto(world.url + "/ops/stations/1")
    badge = page.locator("#station-state")
    assert badge.inner_text() == "Normal"
    page.locator(".uplot").first.wait_for()
    world.observe(3.4, datetime.now(UTC).isoformat())  # above danger (3.0 m)
    wait_until(lambda: badge.inner_text() == "Danger", "the badge to turn Danger")
    ds_badge = page.locator("[data-ds-state]").first
    wait_until(lambda: "danger" in ds_badge.inner_text(), "the datastream's level")
    assert "↑" in page.locator("[data-trend]").first.inner_text()
    assert "danger" in page.locator("#station-reason").inner_text()
    shot(page, "ops-station-live-danger")
    page.context.close()
    assert world.errors == [], world.errors
