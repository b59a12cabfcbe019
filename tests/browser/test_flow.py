"""The duty operator's flow in a real browser: a danger-level observation turns the
station red and opens an incident, live; the operator acknowledges it and issues the
drafted alert (English and Vietnamese); the public page shows it in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import PHONE, World, shot
from tests.browser.test_pages import login

LIVE_MS = 1000  # the promise: live changes appear within a second


def test_operator_flow(browser: Any, world: World) -> None:
    world.setup_city()
    world.observe(1.5, datetime.now(UTC).isoformat())
    page = world.page(browser)
    login(page, world.url)
    station = page.locator("#station-list li[data-station]")
    station.first.wait_for()
    assert station.first.get_attribute("data-state") == "normal"

    world.observe(3.4, datetime.now(UTC).isoformat())  # above danger (3.0 m)
    page.locator("path.station-marker.state-danger").wait_for(timeout=LIVE_MS)
    page.locator("#station-list li[data-state=danger]").wait_for(timeout=LIVE_MS)
    incident = page.locator("article.incident[data-state=open]")
    incident.wait_for(timeout=LIVE_MS)
    shot(page, "flow-1-danger")

    incident.get_by_role("button", name="Acknowledge").click()
    page.locator("article.incident[data-state=acknowledged]").wait_for()

    page.goto(world.url + "/ops/alerts")
    draft = page.locator("#alert-items li[data-alert] button").first
    draft.wait_for(timeout=10_000)
    draft.click()
    page.locator("#editor-tabs [data-lang^=vi]").wait_for()
    page.locator("#editor-tabs [data-lang^=en]").wait_for()
    shot(page, "flow-2-composer")
    page.get_by_role("button", name="Issue", exact=True).click()
    dialog = page.locator("#confirm-dialog")
    dialog.get_by_role("button", name="Go back").click()  # nothing is sent without a yes
    page.get_by_text("Nothing was sent.").wait_for()
    assert world.api.get("/api/alerts?status=issued").json()["value"] == []
    page.get_by_role("button", name="Issue", exact=True).click()
    dialog.get_by_role("button", name="Issue now").click()
    page.get_by_text("Alert issued.").wait_for()

    alert = world.api.get("/api/alerts?status=issued").json()["value"][0]
    texts = {i["language"].split("-")[0]: i for i in alert["infos"]}
    assert {"en", "vi"} <= set(texts)
    public = world.page(browser, PHONE)
    for lang in ("vi", "en"):
        public.goto(f"{world.url}/public?lang={lang}")
        item = public.locator(f"li.warning[data-alert='{alert['id']}']")
        item.wait_for()
        assert item.get_attribute("lang", timeout=1000).startswith(lang)
        assert texts[lang]["instruction"] in item.inner_text()
        cap_link = item.locator("a[type='application/cap+xml']")
        assert cap_link.get_attribute("href") == alert["xml_url"]
        shot(public, f"flow-3-public-{lang}")
    assert world.foreign == [], world.foreign
    assert world.errors == [], world.errors
