"""Every page in a real browser at desktop and 360 px width: it renders, makes no request
to any other host, raises no script error, and leaves a screenshot in test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import DESKTOP, PHONE, World, shot, wait_until

PAGES = ["/ops", "/ops/alerts", "/ops/data", "/ops/network"]


def login(page: Any, url: str, user: str = "duty", password: str = "han-river-watch-2031") -> None:
    page.goto(url + "/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/ops")


def test_every_page_offline_at_two_widths(browser: Any, world: World) -> None:
    world.setup_city()
    world.observe(1.2, datetime.now(UTC).isoformat())
    for label, viewport in (("desktop", DESKTOP), ("360px", PHONE)):
        page = world.page(browser, viewport)
        page.goto(world.url + "/login")
        shot(page, f"login-{label}")
        login(page, world.url)
        shapes = page.locator(".leaflet-overlay-pane path")  # Natural Earth countries
        wait_until(lambda shapes=shapes: shapes.count() > 100, "country shapes on the map")
        page.locator("#station-list li[data-station]").first.wait_for()
        for path in PAGES:
            page.goto(world.url + path)
            page.wait_for_load_state("networkidle")
            shot(page, f"{path.strip('/').replace('/', '-')}-{label}")
        page.goto(f"{world.url}/ops/stations/1")
        page.locator(".uplot").first.wait_for()
        shot(page, f"ops-station-{label}")
        for lang in ("en", "vi"):
            page.goto(f"{world.url}/public?lang={lang}")
            page.wait_for_load_state("networkidle")
            shot(page, f"public-{lang}-{label}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"public page scrolls sideways at {label}"
        page.context.close()
    assert world.foreign == [], f"requests to other hosts: {world.foreign}"
    assert world.errors == [], f"script errors: {world.errors}"


def test_keyboard_reaches_login_and_controls(browser: Any, world: World) -> None:
    world.setup_city()
    page = world.page(browser, PHONE)
    page.goto(world.url + "/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("duty")
    page.keyboard.press("Tab")
    page.keyboard.type("han-river-watch-2031")
    page.keyboard.press("Enter")
    page.wait_for_url(world.url + "/ops")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input,select,textarea')]
        .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
                    && !e.getAttribute('aria-label'))
        .map(e => e.outerHTML)""")
    assert unlabelled == []
    page.context.close()
    assert world.foreign == [] and world.errors == []


def test_api_docs_render_offline(browser: Any, world: World) -> None:
    """/docs is Swagger UI from node_modules under the page's own policy: it lists the
    API's operations with no request to another host and no blocked script."""
    page = world.page(browser)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(world.url + "/docs")
    ops = page.locator(".opblock")
    wait_until(lambda: ops.count() > 20, "the API's operations listed by Swagger UI")
    assert page.locator(".opblock-summary-path", has_text="/api/incidents").count() >= 1
    shot(page, "docs-desktop")
    page.context.close()
    assert world.foreign == [], f"requests to other hosts: {world.foreign}"
    assert blocked == [] and world.errors == [], (blocked, world.errors)


PHONE_390 = {"width": 390, "height": 844}


def test_phone_puts_the_incident_queue_first_with_touch_sized_controls(
    browser: Any, world: World
) -> None:
    """At 390x844 the incident queue is above the map (it was at the bottom of a
    4,000-pixel page), every control is at least 44 px high, nothing scrolls sideways;
    at 1440x900 the map is on the left of the queue."""
    world.setup_city()
    world.observe(1.2, datetime.now(UTC).isoformat())
    page = world.page(browser, PHONE_390)
    login(page, world.url)
    page.locator("#station-list li[data-station]").first.wait_for()
    queue = page.locator("#queue-title").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert queue["y"] < map_box["y"] and queue["y"] < 844, (queue, map_box)
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, select, .topbar nav a')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == [], small
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    shot(page, "ops-390x844")
    page.context.close()
    wide = world.page(browser, {"width": 1440, "height": 900})
    login(wide, world.url)
    wide.locator("#station-list li[data-station]").first.wait_for()
    queue, map_box = (
        wide.locator("#queue-title").bounding_box(),
        wide.locator("#map").bounding_box(),
    )
    assert map_box["x"] < queue["x"], (queue, map_box)
    shot(wide, "ops-1440x900")
    wide.context.close()
    assert world.foreign == [] and world.errors == []
