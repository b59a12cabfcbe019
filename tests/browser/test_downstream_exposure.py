"""The incident card and map say who is next downstream and who is exposed, and the
composer suggests the exposure sentence, in a real browser.

Da Nang's Han River gauge (warning 2.0 m) with a station at the river mouth below it
(river_lag rule, lag 2 h, warning 1.5 m): the gauge rose 1.0 -> 2.6 m over the lag, the
mouth reads 0.8 m, so 2.4 m ("warning") is expected there 2 h after the gauge's reading.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.conftest import World, shot
from tests.browser.test_pages import login


def _mouth(world: World) -> int:
    thing = {
        "name": "Han River mouth",
        "description": "river gauge",
        "@cityops.organisation": "danang",
        "Locations": [
            {
                "name": "mouth",
                "description": "mouth",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [108.23, 16.11]},
            }
        ],
        "Datastreams": [
            {
                "name": "mouth level",
                "description": "stage",
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "Sensor": {"@iot.id": 1},
                "ObservedProperty": {"@iot.id": 1},
            }
        ],
    }
    ok = world.api.post("/v1.1/Things", json=thing)
    assert ok.status_code == 201, ok.text
    found = world.api.get("/v1.1/Datastreams", params={"$filter": "name eq 'mouth level'"})
    return int(found.json()["value"][0]["@iot.id"])


def _layers(world: World) -> None:
    wards = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Hai Chau", "population": 20000, "households": 5000},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [108.2, 16.05],
                            [108.24, 16.05],
                            [108.24, 16.09],
                            [108.2, 16.09],
                            [108.2, 16.05],
                        ]
                    ],
                },
            }
        ],
    }
    facilities = "name,kind,capacity,synthetic,lon,lat\nSchool hall,shelter,300,true,108.22,16.06\n"
    for slug, kw, name, body in (
        ("dn-wards", "wards", "w.geojson", json.dumps(wards)),
        ("dn-fac", "facilities", "f.csv", facilities),
    ):
        ok = world.api.post(
            "/api/datasets",
            data={"org": "danang", "slug": slug, "title": slug, "keywords": kw},
            files={"file": (name, body.encode())},
        )
        assert ok.status_code == 201, ok.text


def test_next_downstream_and_exposure(browser: Any, world: World) -> None:
    world.setup_city()
    mouth = _mouth(world)
    _layers(world)
    rule = {
        "name": "han-lag",
        "type": "river_lag",
        "subject": "Han River mouth",
        "inputs": {"upstream": world.datastream, "downstream": mouth},
        "levels": {"warning": 1.5},
        "lag": 7200,
    }
    ok = world.api.post("/api/rules", json=rule)
    assert ok.status_code == 201, ok.text
    now = datetime.now(UTC).replace(microsecond=0)
    for hours, gauge in ((3, 1.0), (2, 1.5), (1, 2.6)):
        when = (now - timedelta(hours=hours)).isoformat()
        ok = world.api.post(
            "/v1.1/Observations",
            json={"Datastream": {"@iot.id": mouth}, "phenomenonTime": when, "result": 0.8},
        )
        assert ok.status_code == 201, ok.text
        world.observe(gauge, when)
    page = world.page(browser)
    login(page, world.url)
    card = page.locator("article.incident", has_text="han-flood")
    card.wait_for(timeout=10_000)
    card.locator("details.downstream summary").click()
    item = card.locator("details.downstream li")
    item.wait_for()
    text = item.inner_text()
    assert "Han River mouth" in text and "2.4 m" in text and "warning" in text, text
    page.locator("path.downstream-marker").wait_for()  # the map rings the station below
    card.locator("details.exposure summary").click()
    exposed = card.locator("details.exposure p")
    exposed.wait_for()
    assert "residents in 1 ward" in exposed.inner_text()
    shot(page, "ops-downstream")

    card.get_by_role("button", name="New alert").click()
    page.wait_for_url("**/ops/alerts?alert=*")
    hint = page.locator("#lang-0 .exposure-suggestion")
    hint.wait_for()
    sentence = hint.locator("span[lang]").inner_text()
    assert "residents in 1 ward; 1 shelter with room for 300" in sentence, sentence
    assert "synthetic" in hint.inner_text()
    page.locator("#lang-0 [data-suggest]").click()
    assert sentence in page.locator("#lang-0-description").input_value()
    page.locator("#editor-tabs [data-lang^=vi]").click()
    vi = page.locator("#lang-1 .exposure-suggestion span[lang]").inner_text()
    assert vi.startswith("khoảng") and "phường" in vi, vi
    shot(page, "composer-exposure-suggestion")
    page.context.close()
    assert world.foreign == [] and world.errors == []
