"""Map tooltips and popups show names as text: a Thing named like HTML is shown literally
and its markup never becomes an element, let alone runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import World, wait_until
from tests.browser.test_pages import login

HOSTILE = "<img src=x onerror=window.__xss=1>"


def shown(page: Any, selector: str) -> list[tuple[str, int]]:
    """(text, number of <img> inside) of each element matching ``selector``."""
    return [
        (str(text), int(images))
        for text, images in page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)]"
            ".map((e) => [e.textContent, e.querySelectorAll('img').length])",
            selector,
        )
    ]


def test_station_tooltip_and_popup_render_text(browser: Any, world: World) -> None:
    world.setup_city()
    thing = world.api.get("/v1.1/Things").json()["value"][0]["@iot.id"]
    r = world.api.patch(f"/v1.1/Things({thing})", json={"name": HOSTILE})
    assert r.status_code == 200, r.text
    world.observe(1.2, datetime.now(UTC).isoformat())
    page = world.page(browser)
    login(page, world.url)
    marker = page.locator("path.station-marker").first
    marker.wait_for()
    marker.hover()
    station_tip = ".leaflet-tooltip:not(.place-label)"  # place names are labels too
    wait_until(lambda: bool(shown(page, station_tip)), "the tooltip")
    assert [text for text, _ in shown(page, station_tip)] == [f"{HOSTILE}: Normal"]
    assert all(elements == 0 for _, elements in shown(page, ".leaflet-tooltip"))
    marker.click()
    wait_until(lambda: bool(shown(page, ".leaflet-popup-content")), "the popup")
    assert HOSTILE in shown(page, ".leaflet-popup-content")[0][0]
    assert page.locator(".leaflet-pane img[src='x']").count() == 0
    assert page.evaluate("window.__xss") is None
    assert world.errors == [], world.errors
