"""The composer in a real browser: "New alert" on the incident card opens the draft; the
operator sets severity and draws the area on the map; the preview shows each language as
the public will; after Issue the public page shows the drawn area by its name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import World, shot, wait_until
from tests.browser.test_pages import login


def test_composer_whole_message(browser: Any, world: World) -> None:
    world.setup_city()
    world.observe(3.4, datetime.now(UTC).isoformat())
    page = world.page(browser)
    login(page, world.url)
    card = page.locator("article.incident[data-state=open]")
    card.wait_for(timeout=10_000)
    card.get_by_role("button", name="New alert").click()
    page.wait_for_url("**/ops/alerts?alert=*")
    page.locator("#editor-tabs [data-lang^=vi]").wait_for()
    page.select_option("#msg-severity", "Extreme")
    page.select_option("#msg-urgency", "Immediate")
    page.select_option("#msg-response", ["Evacuate"])
    page.fill("#msg-hours", "6")
    drawing = page.locator("#composer-map")
    drawing.wait_for()
    box = drawing.bounding_box()
    assert box is not None
    for dx, dy in ((0.3, 0.3), (0.7, 0.3), (0.5, 0.7)):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    page.fill("#msg-area-name", "Hai Chau riverside")
    page.get_by_role("button", name="Save message").click()
    try:
        page.get_by_text("Message saved.").wait_for(timeout=5000)
    except Exception:
        raise AssertionError(page.locator("#editor-status").inner_text()) from None
    preview = page.locator("#preview section.preview")
    preview.first.wait_for()
    english_box = page.locator("#preview section.preview[data-lang^=en]")
    wait_until(lambda: "Extreme" in english_box.inner_text(), "the preview after the save")
    assert preview.count() == 2  # English and Vietnamese
    english = english_box.inner_text()
    assert "Extreme" in english and "Hai Chau riverside" in english and "Issued by" in english
    shot(page, "composer-preview")
    page.get_by_role("button", name="Issue", exact=True).click()
    page.locator("#confirm-dialog #confirm-ok").click()  # issuing asks first
    page.get_by_text("Alert issued.").wait_for()
    issued = world.api.get("/api/alerts?status=issued").json()["value"][0]
    info = issued["infos"][0]
    assert info["severity"] == "Extreme" and info["response_type"] == ["Evacuate"]
    assert info["areas"][0]["area_desc"] == "Hai Chau riverside"
    public = world.page(browser)
    public.goto(f"{world.url}/public?lang=en")
    public.locator(f"li.warning[data-alert='{issued['id']}']").wait_for()
    assert "Hai Chau riverside" in public.locator(".leaflet-tooltip.area-label").first.inner_text()
    assert world.foreign == [], world.foreign
    assert world.errors == [], world.errors
