"""The public page of a CAP message in a real browser: reached from the document's <web>
link, in the browser's language, its area drawn on the map, Khmer and Thai text set in the
Noto fonts CityOps serves (no empty boxes), nothing loaded from another host."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lxml import etree

from tests.browser.conftest import PHONE, World, shot, wait_until

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def _issued_alert(world: World) -> int:
    world.setup_city()
    world.observe(3.4, datetime.now(UTC).isoformat())  # above the 3.0 m danger level
    drafts: list[Any] = []
    wait_until(
        lambda: (
            bool(drafts.extend(world.api.get("/api/alerts?status=draft").json()["value"]))
            or bool(drafts)
        ),
        "a draft",
    )
    alert_id = int(drafts[0]["id"])
    ok = world.api.post(f"/api/alerts/{alert_id}/issue")
    assert ok.status_code == 200, ok.text
    return alert_id


def test_alert_page_from_its_web_link(browser: Any, world: World) -> None:
    alert_id = _issued_alert(world)
    doc = etree.fromstring(world.api.get(f"/alerts/{alert_id}.xml").content)
    web = doc.findtext(f"{CAP}info/{CAP}web")
    assert web and web.endswith(f"/alerts/{alert_id}")
    page = world.page(browser, PHONE, locale="vi-VN")
    page.goto(web)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Asia/Ho_Chi_Minh" in page.locator(".zone-note").inner_text()
    page.locator("#alert-map path.alert-area").first.wait_for()  # the warning area
    shot(page, "alert-page-vi")
    for lang, font, sample in (("km", "Noto Sans Khmer", "ក"), ("th", "Noto Sans Thai", "ก")):
        page.goto(f"{web}?lang={lang}")
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        assert page.evaluate(f"document.fonts.check('16px \"{font}\"', '{sample}')"), font
        loaded = page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.endsWith('.woff2'))"
        )
        assert any(font.lower().replace(" ", "-") in url for url in loaded), loaded
        shot(page, f"alert-page-{lang}")
    page.context.close()
    assert world.foreign == [], f"requests to other hosts: {world.foreign}"
    assert world.errors == [], f"script errors: {world.errors}"
