"""The data hub page in a real browser, as a city admin uses it: "Data hub" in the top bar,
a layer file chosen and its metadata typed, published; a file with a broken feature is
refused whole with that feature named, the typed fields kept and nothing stored."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import World, shot
from tests.browser.test_accessibility import CHIEF, CHIEF_PASSWORD, _add_chief
from tests.browser.test_pages import login


def _ward(name: str, x0: float, ring: list[list[float]] | None = None) -> dict[str, Any]:
    square = [[x0, 16.0], [x0 + 0.01, 16.0], [x0 + 0.01, 16.01], [x0, 16.01], [x0, 16.0]]
    return {
        "type": "Feature",
        "id": name,
        "properties": {"name": name, "population": 1000, "households": 300},
        "geometry": {"type": "Polygon", "coordinates": [ring or square]},
    }


def _write(path: Path, *features: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def test_city_admin_publishes_a_layer(browser: Any, world: World, tmp_path: Path) -> None:
    world.setup_city()
    _add_chief(world)
    page = world.page(browser)
    login(page, world.url, CHIEF, CHIEF_PASSWORD)
    page.get_by_role("link", name="Data hub").click()
    page.wait_for_url(re.compile(r".*/ops/datasets"))
    assert "No datasets yet." in page.locator("#datasets").inner_text()

    broken = _ward("Hai Chau", 108.21, ring=[[108.2, 16.0], [108.3, 16.0]])  # two points
    page.get_by_label("File (GeoJSON").set_input_files(
        str(_write(tmp_path / "wards.geojson", _ward("Thanh Khe", 108.2), broken))
    )
    page.get_by_label("Short name (in URLs)").fill("danang-wards")
    page.get_by_label("Title").fill("Da Nang wards")
    page.get_by_label("Licence").fill("CC BY 4.0")
    page.get_by_label("Source").fill("Da Nang statistics office, census 2019")
    page.get_by_label("Keywords").fill("wards, census")
    page.get_by_label("Time covered: from").fill("2019-04-01")
    page.get_by_label("Visibility").select_option("restricted")
    page.get_by_role("button", name="Publish").click()
    error = page.get_by_role("alert")
    error.wait_for()
    assert "Nothing was imported." in error.inner_text() and "Hai Chau" in error.inner_text()
    assert page.get_by_label("Title").input_value() == "Da Nang wards"  # kept as typed
    assert world.api.get("/ogc/collections/danang-wards").status_code == 404
    shot(page, "ops-datasets-refused")

    page.get_by_label("File (GeoJSON").set_input_files(
        str(
            _write(tmp_path / "wards.geojson", _ward("Thanh Khe", 108.2), _ward("Hai Chau", 108.21))
        )
    )
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Dataset published").wait_for()
    row = page.locator("tr[data-dataset='danang-wards']")
    assert "restricted" in row.inner_text() and "CC BY 4.0" in row.inner_text()
    doc = world.api.get("/ogc/collections/danang-wards").json()
    assert doc["license"] == "CC BY 4.0" and doc["keywords"] == ["wards", "census"]
    assert world.api.get("/ogc/collections/danang-wards/items").json()["numberMatched"] == 2
    row.get_by_role("link", name="Da Nang wards").click()
    page.get_by_text("Da Nang statistics office, census 2019").wait_for()
    shot(page, "ops-datasets-published")
    page.context.close()
    assert world.foreign == [] and world.errors == []
