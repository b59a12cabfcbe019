"""The Tam Ky demo world in a real browser, without typing anything but the printed login:
its gauges on the /ops map (none hidden by another), the national alarm levels in the
popups, VN_AQI beside the EPA AQI, and every ops page at 1440x900 and 390x844."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import World, shot, wait_until
from tests.browser.test_ops_map import NARROW, WIDE, _boxes_at_rest, _overlap
from tests.browser.test_pages import login
from tests.demo.test_demo_e2e import _free_port, _wait

PAGES = ["/ops", "/ops/alerts", "/ops/data", "/ops/network"]


class _Demo(World):
    def __init__(self, url: str) -> None:  # only the page helper is needed
        self.url, self.foreign, self.errors = url, [], []


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[_Demo]:
    port = _free_port()
    log = tmp_path / "demo.log"
    cmd = [sys.executable, "-c", "from cityops.cli import main; main()", "demo",
           "--database", f"sqlite:///{tmp_path / 'demo.db'}", "--port", str(port),
           "--history-days", "1"]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(url + "/health").status_code == 200, 90, "the demo", log)
        _wait(lambda: "tam-ky-operator" in log.read_text(), 30, "the logins", log)
        yield _Demo(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_tam_ky_demo_pages(browser: Any, demo: _Demo) -> None:
    for label, viewport in (("1440x900", WIDE), ("390x844", NARROW)):
        page = demo.page(browser, viewport)
        login(page, demo.url, "tam-ky-operator", "demo-operator-tamky-2024")
        markers = page.locator("path.station-marker")
        wait_until(lambda markers=markers: markers.count() == 6, "Tam Ky's six stations", 20)
        boxes = _boxes_at_rest(page)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not _overlap(a, b), f"markers overlap at {label}"
        hoi_an = page.locator("#station-list li", has_text="Thu Bồn at Hội An")
        assert hoi_an.locator(".badge").inner_text() == "Danger"
        wait_until(
            lambda page=page: "VN_AQI" in page.locator("#station-list").inner_text(),
            "VN_AQI value",
            60,
        )
        page.locator("#station-list li", has_text="Tam Ky air quality monitor").wait_for()
        air = page.locator("#station-list li", has_text="Tam Ky air quality monitor").inner_text()
        assert "AQI" in air and "µg/m³" in air
        shot(page, f"demo-tamky-ops-{label}")
        for path in PAGES:
            page.goto(demo.url + path)
            page.wait_for_load_state("networkidle")
            shot(page, f"demo-tamky{path.replace('/', '-')}-{label}")
        page.goto(demo.url + "/ops/data")
        text = page.locator("table.data").inner_text()
        assert "Báo động III" in text and "Stale" not in text
        page.context.close()
    assert demo.foreign == [], demo.foreign
    assert demo.errors == [], demo.errors
