"""The cooperation register in a real browser: register page, a project page, both offline,
without script errors, and with screenshots in test-artifacts/."""

from __future__ import annotations

from typing import Any

from cityops.programmes import demo_projects, export_iati
from tests.browser.conftest import DESKTOP, PHONE, World, shot, wait_until


def _load_demo(world: World) -> None:
    files = {"file": ("demo.xml", export_iati(demo_projects()), "application/xml")}
    ok = world.api.post("/api/programmes/import", files=files)
    assert ok.status_code in (200, 201), ok.text


def _login_admin(page: Any, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("User name").fill("root")
    page.get_by_label("Password").fill("tide-gauge-admin-8812")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/ops**")


def test_register_and_project_pages(browser: Any, world: World) -> None:
    _load_demo(world)
    for label, viewport in (("desktop", DESKTOP), ("360px", PHONE)):
        page = world.page(browser, viewport)
        _login_admin(page, world.url)
        page.get_by_role("link", name="Programmes").first.click()
        page.wait_for_url(world.url + "/ops/programmes**")
        funders = page.locator("#totals-funder")
        assert funders.is_visible()
        table = page.locator("table.totals").first
        assert "United States Government" in table.inner_text()
        assert "30,500,000" in table.inner_text()  # committed by the U.S. programmes
        shot(page, f"ops-programmes-{label}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"register page scrolls sideways at {label}"
        page.get_by_label("Currency").first.fill("EUR")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**currency=EUR**")
        assert "(ECB)" in page.locator(".rates").inner_text()
        page.get_by_role("link", name="Tam Ky smart-city data platform").click()
        page.wait_for_url("**/ops/programmes/*")
        body = page.locator("main").inner_text()
        assert "Korea International Cooperation Agency (KOICA)" in body
        assert "Information and communication technology (ICT)" in body
        assert "What it delivered" in body
        where = page.locator("#programmes-map")
        wait_until(lambda w=where: w.get_attribute("data-features") is not None, "the map")
        assert where.get_attribute("data-features") == "1"  # the Tam Ky site
        assert page.locator("#programmes-map .leaflet-interactive").count() >= 1
        shot(page, f"ops-programme-project-{label}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"project page scrolls sideways at {label}"
        page.context.close()
    assert world.foreign == [], f"requests to other hosts: {world.foreign}"
    assert world.errors == [], f"script errors: {world.errors}"
