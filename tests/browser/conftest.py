"""Headless Debian Chromium driven by Playwright against a real ``cityops serve``.

Skips off CI when /usr/bin/chromium (or Playwright) is missing; with CI=true it fails.
Every request the pages make is recorded; anything not to the server is aborted and
reported (``foreign``). Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import require_service
from tests.e2e.conftest import Server, cli

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP, PHONE = {"width": 1280, "height": 860}, {"width": 360, "height": 740}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    require_service(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service(False, "Playwright for Python")
        raise
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class World:
    """A running server with a Vietnamese city, its duty operator and a river station."""

    def __init__(self, server: Server, token: str) -> None:
        self.server, self.url = server, server.url
        self.api = httpx.Client(
            base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {token}"}
        )
        self.foreign: list[str] = []
        self.errors: list[str] = []

    def setup_city(self) -> None:
        ok = self.api.post(
            "/api/orgs",
            json={
                "slug": "danang",
                "name": "Da Nang",
                "country_iso2": "VN",
                "timezone": "Asia/Ho_Chi_Minh",
                "languages": ["en", "vi"],
                "lat": 16.05,
                "lon": 108.2,
            },
        )
        assert ok.status_code == 201, ok.text
        ok = self.api.post(
            "/api/users",
            json={
                "username": "duty",
                "password": "han-river-watch-2031",
                "role": "operator",
                "org": "danang",
            },
        )
        assert ok.status_code == 201, ok.text
        thing = {
            "name": "Han River at Da Nang",
            "description": "river gauge",
            "@cityops.organisation": "danang",
            "Locations": [
                {
                    "name": "gauge",
                    "description": "gauge",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [108.22, 16.07]},
                }
            ],
            "Datastreams": [
                {
                    "name": "water level",
                    "description": "stage",
                    "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
                    "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                    "Sensor": {
                        "name": "radar",
                        "description": "radar gauge",
                        "encodingType": "text/plain",
                        "metadata": "none",
                    },
                    "ObservedProperty": {
                        "name": "water level",
                        "description": "stage",
                        "definition": "http://example.org/water-level",
                    },
                }
            ],
        }
        ok = self.api.post("/v1.1/Things", json=thing)
        assert ok.status_code == 201, ok.text
        ds = self.api.get("/v1.1/Datastreams").json()["value"][0]["@iot.id"]
        self.datastream = int(ds)
        rule = {
            "name": "han-flood",
            "type": "river_level",
            "subject": "Han River",
            "inputs": {"level": self.datastream},
            "levels": {"warning": 2.0, "danger": 3.0},
        }
        ok = self.api.post("/api/rules", json=rule)
        assert ok.status_code == 201, ok.text

    def observe(self, value: float, when: str) -> None:
        ok = self.api.post(
            "/v1.1/Observations",
            json={
                "Datastream": {"@iot.id": self.datastream},
                "phenomenonTime": when,
                "result": value,
            },
        )
        assert ok.status_code == 201, ok.text

    def page(self, browser: Any, viewport: dict[str, int] = DESKTOP, locale: str = "en-US") -> Any:
        """A page in a fresh context that aborts and records requests to other hosts."""
        context = browser.new_context(viewport=viewport, locale=locale)
        own = urlsplit(self.url).netloc

        def guard(route: Any) -> None:
            parts = urlsplit(route.request.url)
            if parts.scheme in ("data", "blob") or parts.netloc == own:
                route.continue_()
            else:
                self.foreign.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page


def shot(page: Any, name: str) -> None:
    """Screenshot at the page's viewport size, into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll ``check`` from Python (the pages' CSP forbids the string evaluation that
    Playwright's wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    db = f"sqlite:///{tmp_path / 'browser.db'}"
    cli("db", "upgrade", "-d", db)
    cli(
        "user", "add", "root", "--role", "admin", "-d", db,
        env={"CITYOPS_PASSWORD": "tide-gauge-admin-8812"},
    )  # fmt: skip
    token = cli("token", "create", "--user", "root", "-d", db).split(": ", 1)[1].strip()
    server = Server(db, extra_env={"CITYOPS_SECRET_KEY": "browser-tests"})
    w = World(server, token)
    try:
        yield w
    finally:
        w.api.close()
        server.stop()
