"""The resident's page in a real browser on a phone-sized screen: who issued the warning,
the city's time zone, the warning area and the places in it labelled on the offline map,
the region remembered, "Updated" after an Update, an all-clear notice after a Cancel, an
installable web app whose service worker shows the last warnings offline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import PHONE, World, shot, wait_until


def _issue(world: World) -> int:
    """The river above danger; the drafted alert is issued (as an operator would)."""
    world.setup_city()
    world.observe(3.4, datetime.now(UTC).isoformat())
    found: list[dict[str, Any]] = []

    def drafted() -> bool:
        found[:] = world.api.get("/api/alerts?status=draft,issued").json()["value"]
        return bool(found)

    wait_until(drafted, "a drafted alert")
    alert = found[0]
    if alert["status"] == "draft":
        r = world.api.post(f"/api/alerts/{alert['id']}/issue")
        assert r.status_code == 200, r.text
    return int(alert["id"])


def test_resident_page(browser: Any, world: World) -> None:
    alert_id = _issue(world)
    page = world.page(browser, PHONE)
    page.goto(f"{world.url}/public?lang=en")
    item = page.locator(f"li.warning[data-alert='{alert_id}']")
    item.wait_for()
    text = item.inner_text()
    assert "Issued by" in text and "Da Nang" in text
    assert "UTC+07:00" in text and "Asia/Ho_Chi_Minh" in text
    page.locator(".leaflet-tooltip.area-label").first.wait_for()
    assert "Han River" in page.locator(".leaflet-tooltip.area-label").first.inner_text()
    labels = page.locator(".leaflet-tooltip.area-place")
    wait_until(lambda: labels.count() > 0, "place labels on the warning area")
    assert "Da Nang" in labels.all_inner_texts()
    page.locator(".leaflet-overlay-pane path, .leaflet-context-pane path").first.wait_for(
        state="attached"
    )
    rivers = page.locator(".leaflet-context-pane path")
    wait_until(lambda: rivers.count() > 10, "rivers, lakes and boundaries on the map")
    shot(page, "public-resident-warning")

    # installable: manifest with icons, a service worker controlling /public
    manifest = page.request.get(world.url + "/public/manifest.webmanifest").json()
    assert manifest["start_url"] == "/public" and {i["sizes"] for i in manifest["icons"]} >= {
        "192x192",
        "512x512",
    }
    registered = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.ready; return r.scope; }"
    )
    assert registered == world.url + "/public"
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito, where Chromium never installs: every other
    # installability check (manifest, icons, service worker, start_url) must pass
    assert [e for e in errors if e["errorId"] != "in-incognito"] == [], errors
    assert cdp.send("Page.getAppManifest")["errors"] == []

    # the region is remembered on this phone
    page.select_option("#region-select", "danang")
    page.goto(f"{world.url}/public?lang=en")
    assert page.locator("#region-select").input_value() == "danang"

    # offline: the service worker shows the last warnings
    page.reload()
    item.wait_for()
    page.context.set_offline(True)
    page.reload()
    item.wait_for()
    assert "Da Nang" in item.inner_text()
    page.context.set_offline(False)

    # an Update is marked; a Cancel leaves an all-clear notice
    r = world.api.post(f"/api/alerts/{alert_id}/update")
    assert r.status_code == 201, r.text
    update_id = r.json()["id"]
    assert world.api.post(f"/api/alerts/{update_id}/issue").status_code == 200
    page.goto(f"{world.url}/public?lang=en")
    page.locator(f"li.warning[data-alert='{update_id}'] .updated-mark").wait_for()
    assert world.api.post(f"/api/alerts/{update_id}/cancel").status_code == 201
    page.locator("li.all-clear").wait_for()  # live, without a reload
    wait_until(lambda: page.locator("li.warning").count() == 0, "the warning withdrawn")
    assert "cancelled" in page.locator("li.all-clear").inner_text().lower()
    shot(page, "public-resident-all-clear")
    page.context.close()
    assert world.foreign == [], world.foreign
    assert world.errors == [], world.errors
