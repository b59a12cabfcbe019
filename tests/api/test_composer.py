"""The composer covers the whole message: a new alert from an incident, the area (a city
warning area or a polygon drawn on the map), severity / urgency / certainty / response
type, expiry, and a preview of each language rendered exactly as the public page will."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from cityops.alerting.alert_areas import import_areas
from cityops.auth.principal import SYSTEM
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, make_world, observe
from tests.helpers import bearer

WARD = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "riverside", "description": "Riverside ward"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[105.84, 21.02], [105.86, 21.02], [105.86, 21.04], [105.84, 21.02]]
                ],
            },
        }
    ],
}
DRAWN = {
    "type": "Polygon",
    "coordinates": [[[105.80, 21.00], [105.82, 21.00], [105.82, 21.02], [105.80, 21.00]]],
}


async def _incident(client: httpx.AsyncClient, app: Any, store: Store) -> dict[str, Any]:
    world = make_world(store)
    await add_rule(client, world, alert={"mode": "off"})  # nothing drafted by itself
    await observe(app, store, world, 12.4)
    op = world["tok"]["operator"]
    (incident,) = (await client.get("/api/incidents", headers=bearer(op))).json()["value"]
    return {"world": world, "op": op, "incident": incident["id"]}


async def test_new_alert_from_an_incident(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    got = await _incident(client, app, store)
    op, inc = got["op"], got["incident"]
    assert (await client.get("/api/alerts?status=draft", headers=bearer(op))).json()["value"] == []
    r = await client.post(f"/api/incidents/{inc}/alert", headers=bearer(op))
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["status"] == "draft" and draft["msg_type"] == "Alert"
    assert draft["incident_id"] == inc and {i["language"] for i in draft["infos"]} >= {"vi-VN"}
    again = await client.post(f"/api/incidents/{inc}/alert", headers=bearer(op))
    assert again.status_code == 201 and again.json()["id"] == draft["id"]  # one open draft
    tok = got["world"]["tok"]
    r = await client.post(f"/api/incidents/{inc}/alert", headers=bearer(tok["analyst"]))
    assert r.status_code == 403
    r = await client.post(f"/api/incidents/{inc}/alert", headers=bearer(tok["operator_hue"]))
    assert r.status_code == 404


async def test_message_fields_area_and_expiry(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    got = await _incident(client, app, store)
    op = got["op"]
    store.write_sync(lambda tx: import_areas(tx, "hanoi", json.dumps(WARD), SYSTEM))
    draft = (
        await client.post(f"/api/incidents/{got['incident']}/alert", headers=bearer(op))
    ).json()
    url = f"/api/alerts/{draft['id']}"
    body = {
        "severity": "Extreme",
        "urgency": "Immediate",
        "certainty": "Observed",
        "response_type": ["Evacuate", "Monitor"],
        "valid_hours": 6,
        "area": {"name": "riverside"},
    }
    r = await client.patch(url, json=body, headers=bearer(op))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["valid_hours"] == 6 and doc["severity"] == "Extreme"
    for info in doc["infos"]:
        assert (info["severity"], info["urgency"], info["certainty"]) == (
            "Extreme",
            "Immediate",
            "Observed",
        )
        assert info["response_type"] == ["Evacuate", "Monitor"]
        assert [a["area_desc"] for a in info["areas"]] == ["Riverside ward"]
    r = await client.patch(
        url, json={"area": {"name": "Old quarter", "geometry": DRAWN}}, headers=bearer(op)
    )
    assert r.status_code == 200, r.text
    (area,) = r.json()["infos"][0]["areas"]
    assert area["area_desc"] == "Old quarter" and area["polygons"][0][0] == [21.0, 105.8]
    for bad, field in (
        ({"urgency": "Soon"}, "urgency"),
        ({"response_type": []}, "response_type"),
        ({"valid_hours": 0}, "valid_hours"),
        ({"area": {"name": "nowhere"}}, "area"),
        (
            {"area": {"name": "x", "geometry": {"type": "Point", "coordinates": [1, 2]}}},
            "area.geometry",
        ),
        ({"headline": "x"}, "headline"),
    ):
        r = await client.patch(url, json=bad, headers=bearer(op))
        assert r.status_code == 400 and r.json()["field"] == field, (bad, r.text)


def _text(html: str) -> str:
    """Visible text of a warning item without its times (sent now vs. at issue)."""
    html = re.sub(r"<time[^>]*>.*?</time>", "", html)
    html = re.sub(r'href="[^"]*"', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


async def test_preview_is_the_public_rendering(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    got = await _incident(client, app, store)
    op = got["op"]
    draft = (
        await client.post(f"/api/incidents/{got['incident']}/alert", headers=bearer(op))
    ).json()
    r = await client.patch(
        f"/api/alerts/{draft['id']}", json={"severity": "Extreme"}, headers=bearer(op)
    )
    assert r.status_code == 200
    r = await client.get(f"/ops/alerts/{draft['id']}/preview", headers=bearer(op))
    assert r.status_code == 200, r.text
    sections = re.findall(r'<section class="preview" data-lang="([^"]+)"', r.text)
    assert set(sections) == {i["language"] for i in draft["infos"]}
    assert "Issued by" in r.text and "UTC+07:00" in r.text and "Extreme" in r.text
    english = r.text.split('data-lang="en-US"', 1)[1].split("</section>", 1)[0]
    anonymous = await client.get(f"/ops/alerts/{draft['id']}/preview")
    assert anonymous.status_code in (303, 401, 404)

    r = await client.post(f"/api/alerts/{draft['id']}/issue", headers=bearer(op))
    assert r.status_code == 200, r.text
    page = (await client.get("/public?lang=en")).text
    start = page.index(f'data-alert="{draft["id"]}"')
    public = page[start : page.index("</li>", start)]
    preview_item = english[english.index(f'data-alert="{draft["id"]}"') :]
    preview_item = preview_item[: preview_item.index("</li>")]
    # the same words; only the link to the CAP document exists once it is issued
    assert _text(preview_item) + " · CAP document" == _text(public)
    # an issued message is previewed as it was issued: the very item the public sees
    r = await client.get(f"/ops/alerts/{draft['id']}/preview", headers=bearer(op))
    issued = r.text.split('data-lang="en-US"', 1)[1].split("</section>", 1)[0]
    issued = issued[issued.index(f'data-alert="{draft["id"]}"') :]
    assert issued[: issued.index("</li>")] == public
