"""The attacks of issue 16, each as a hostile caller would try them.

Cities A and B; B has a restricted Thing with a restricted Datastream (and observations).
The attacker is city A's admin (or a device of A). Each attack must be refused and must
leave B's rows exactly as they were.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.sta.create import create_entity
from cityops.store import schema as s
from tests.api.sta_fixtures import THING, datastream_body
from tests.helpers import bearer, make_device_token, make_org, make_user_token

SENSOR = {"name": "S", "description": "d", "encodingType": "text/plain", "metadata": "m"}
OBS_PROP = {"name": "P", "definition": "http://example.org/p", "description": "d"}


def _make(store: Any, name: str, body: dict[str, Any]) -> int:
    return int(store.write_sync(lambda tx: create_entity(tx, BY_NAME[name], body, SYSTEM)))


def _city(store: Any, org: str, visibility: str, sensor: int, prop: int) -> dict[str, int]:
    body = dict(THING, name=f"{org}-{visibility}")
    body["@cityops.organisation"] = org
    body["@cityops.visibility"] = visibility
    thing = _make(store, "Thing", body)
    ds = datastream_body(thing)
    ds["Sensor"], ds["ObservedProperty"] = {"@iot.id": sensor}, {"@iot.id": prop}
    ds["Observations"] = [{"result": 1.5, "phenomenonTime": "2026-01-01T00:00:00Z"}]
    datastream = _make(store, "Datastream", ds)
    with store.read() as conn:
        loc = conn.execute(
            select(s.thing_locations.c.location_id).where(s.thing_locations.c.thing_id == thing)
        ).scalar_one()
        hl = conn.execute(
            select(s.historical_locations.c.id).where(s.historical_locations.c.thing_id == thing)
        ).scalar_one()
        obs = conn.execute(
            select(s.observations.c.id).where(s.observations.c.datastream_id == datastream)
        ).scalar_one()
    return {"thing": thing, "ds": datastream, "loc": loc, "hl": hl, "obs": obs}


@pytest.fixture
def world(store: Any) -> dict[str, Any]:
    a, b = make_org(store, "city-a"), make_org(store, "city-b")
    # A's own public catalogue entries, which B's restricted datastream also uses
    sensor_a = _make(store, "Sensor", {**SENSOR, "@cityops.organisation": "city-a"})
    prop_a = _make(store, "ObservedProperty", {**OBS_PROP, "@cityops.organisation": "city-a"})
    sensor_b = _make(store, "Sensor", {**SENSOR, "@cityops.organisation": "city-b"})
    prop_b = _make(store, "ObservedProperty", {**OBS_PROP, "@cityops.organisation": "city-b"})
    w: dict[str, Any] = {
        "orgs": (a, b),
        "sensor_a": sensor_a,
        "prop_a": prop_a,
        "sensor_b": sensor_b,
        "prop_b": prop_b,
        "A": _city(store, "city-a", "public", sensor_a, prop_a),
        "B": _city(store, "city-b", "restricted", sensor_a, prop_a),
        "B_PUB": _city(store, "city-b", "public", sensor_b, prop_b),
    }
    w["ca"] = bearer(make_user_token(store, "ca", "city_admin", a))
    w["device"] = bearer(make_device_token(store, w["A"]["thing"]))
    w["admin"] = bearer(make_user_token(store, "root", "admin"))
    return w


def snapshot(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the SensorThings tables (and rules), to compare before and after."""
    tables = [
        s.things,
        s.locations,
        s.thing_locations,
        s.historical_locations,
        s.historical_location_locations,
        s.sensors,
        s.observed_properties,
        s.datastreams,
        s.features_of_interest,
        s.observations,
        s.rules,
    ]
    with store.read() as conn:
        return {
            t.name: sorted(
                (tuple(str(v) for v in r) for r in conn.execute(select(t))), key=lambda r: r
            )
            for t in tables
        }


async def _refused(client: Any, store: Any, method: str, url: str, h: Any, **kw: Any) -> int:
    before = snapshot(store)
    r = await client.request(method, url, headers=h, **kw)
    assert r.status_code in (400, 403, 404, 409), (method, url, r.status_code, r.text)
    assert snapshot(store) == before, f"{method} {url} changed rows ({r.status_code})"
    return r.status_code


async def test_delete_shared_sensor_or_property_refused(client, store, world):
    """A's own Sensor/ObservedProperty is used by B's restricted datastream: 409, naming
    how many depend on it; B's datastream and observations survive."""
    h = world["ca"]
    for url in (
        f"/v1.1/Sensors({world['sensor_a']})",
        f"/v1.1/ObservedProperties({world['prop_a']})",
    ):
        assert await _refused(client, store, "DELETE", url, h) == 409
        r = await client.delete(url, headers=h)
        assert "1" in r.json()["message"] and "Datastream" in r.json()["message"]


async def test_delete_or_change_other_citys_catalogue_refused(client, store, world):
    h = world["ca"]
    for url in (
        f"/v1.1/Sensors({world['sensor_b']})",
        f"/v1.1/ObservedProperties({world['prop_b']})",
    ):
        assert await _refused(client, store, "DELETE", url, h) == 403
        assert await _refused(client, store, "PATCH", url, h, json={"description": "x"}) == 403


async def test_relink_other_citys_entities_refused(client, store, world):
    """PATCH of a link, ``@iot.id`` links in bodies: B's entities cannot be re-pointed."""
    h, a, b, bp = world["ca"], world["A"], world["B"], world["B_PUB"]
    attacks = [
        # B's datastream re-pointed to A's thing (via A's thing, which A may write)
        ("PATCH", f"/v1.1/Things({a['thing']})", {"Datastreams": [{"@iot.id": bp["ds"]}]}),
        ("PATCH", f"/v1.1/Things({a['thing']})", {"Datastreams": [{"@iot.id": b["ds"]}]}),
        # B's public location attached to A's thing; A's thing moved to B's location
        ("PATCH", f"/v1.1/Things({a['thing']})", {"Locations": [{"@iot.id": bp["loc"]}]}),
        ("PATCH", f"/v1.1/Locations({a['loc']})", {"Things": [{"@iot.id": bp["thing"]}]}),
        # B's HistoricalLocation pulled to A's thing
        (
            "PATCH",
            f"/v1.1/Things({a['thing']})",
            {"HistoricalLocations": [{"@iot.id": bp["hl"]}]},
        ),
        ("PATCH", f"/v1.1/HistoricalLocations({bp['hl']})", {"Thing": {"@iot.id": a["thing"]}}),
        # B's observations pulled into A's datastream
        (
            "PATCH",
            f"/v1.1/Datastreams({a['ds']})",
            {"Observations": [{"@iot.id": bp["obs"]}]},
        ),
        # A's datastream pointed at B's thing
        ("PATCH", f"/v1.1/Datastreams({a['ds']})", {"Thing": {"@iot.id": bp["thing"]}}),
        # A's location linked to B's historical location
        (
            "PATCH",
            f"/v1.1/Locations({a['loc']})",
            {"HistoricalLocations": [{"@iot.id": bp["hl"]}]},
        ),
        # a new entity of A linked into B's entities
        ("POST", f"/v1.1/Locations({bp['loc']})/Things", {"name": "n", "description": "d"}),
        (
            "POST",
            "/v1.1/Locations",
            {
                "name": "l",
                "description": "d",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [1, 2]},
                "Things": [{"@iot.id": bp["thing"]}],
            },
        ),
        (
            "POST",
            "/v1.1/Datastreams",
            {
                **datastream_body(bp["thing"]),
                "@cityops.organisation": "city-a",
            },
        ),
    ]
    for method, url, body in attacks:
        status = await _refused(client, store, method, url, h, json=body)
        assert status in (400, 403), (method, url, body, status)


async def test_ref_writes_refused(client, store, world):
    h, a, bp = world["ca"], world["A"], world["B_PUB"]
    attacks = [
        ("POST", f"/v1.1/Things({a['thing']})/Locations/$ref", {"@iot.id": bp["loc"]}),
        ("POST", f"/v1.1/Things({a['thing']})/Datastreams/$ref", {"@iot.id": bp["ds"]}),
        ("PUT", f"/v1.1/Datastreams({bp['ds']})/Thing/$ref", {"@iot.id": a["thing"]}),
        ("PUT", f"/v1.1/Datastreams({a['ds']})/Thing/$ref", {"@iot.id": bp["thing"]}),
        ("DELETE", f"/v1.1/Things({bp['thing']})/Locations({bp['loc']})/$ref", None),
    ]
    for method, url, body in attacks:
        kw = {"json": body} if body is not None else {}
        status = await _refused(client, store, method, url, h, **kw)
        assert status in (400, 403, 404, 405), (method, url, status)


async def test_device_cannot_move_its_observation(client, store, world):
    """A device of A owns an observation in A's datastream; it may not move it into B's."""
    h, a = world["device"], world["A"]
    for target in (world["B_PUB"]["ds"], world["B"]["ds"]):
        await _refused(
            client,
            store,
            "PATCH",
            f"/v1.1/Observations({a['obs']})",
            h,
            json={"Datastream": {"@iot.id": target}},
        )
    # nor may a city admin move B's observation into its own datastream
    await _refused(
        client,
        store,
        "PATCH",
        f"/v1.1/Observations({world['B_PUB']['obs']})",
        world["ca"],
        json={"Datastream": {"@iot.id": a["ds"]}},
    )


async def test_rules_cannot_write_or_read_across_cities(client, store, world):
    """A rule of A may not write into B's datastream, nor read B's restricted one; an
    admin may not give A's rule B's restricted inputs either."""
    h, b, bp = world["ca"], world["B"], world["B_PUB"]
    ds_a = world["A"]["ds"]
    before = snapshot(store)
    attempts = [
        (h, {"name": "r1", "type": "river_level", "inputs": {"level": ds_a}, "output": bp["ds"]}),
        (h, {"name": "r2", "type": "river_level", "inputs": {"level": b["ds"]}}),
        (
            world["admin"],
            {
                "name": "r3",
                "type": "river_level",
                "inputs": {"level": b["ds"]},
                "organisation": "city-a",
            },
        ),
        (
            world["admin"],
            {
                "name": "r4",
                "type": "river_level",
                "inputs": {"level": ds_a},
                "output": bp["ds"],
                "organisation": "city-a",
            },
        ),
    ]
    for headers, body in attempts:
        body["levels"] = {"warning": 11.0}
        r = await client.post("/api/rules", json=body, headers=headers)
        assert r.status_code in (400, 403), (body["name"], r.status_code, r.text)
    assert snapshot(store) == before


async def test_admin_may_still_do_everything(client, store, world):
    """The refusals above are about organisations, not about the operations."""
    h, bp = world["admin"], world["B_PUB"]
    r = await client.patch(
        f"/v1.1/Things({world['A']['thing']})",
        headers=h,
        json={"Locations": [{"@iot.id": bp["loc"]}]},
    )
    assert r.status_code == 200, r.text
    r = await client.delete(f"/v1.1/Sensors({world['sensor_b']})", headers=h)
    assert r.status_code == 200, r.text


async def test_device_tokens_only_for_writable_things(client, store, world):
    """A device token writes for its Thing: a city admin gets none for another city's."""
    h = world["ca"]
    cases = [(world["B_PUB"]["thing"], 403), (world["B"]["thing"], 404), (world["A"]["thing"], 201)]
    for thing, want in cases:
        r = await client.post("/api/tokens", json={"device": thing}, headers=h)
        assert r.status_code == want, (thing, r.text)


async def test_delete_of_a_datastream_another_citys_rule_reads_is_refused(client, store, world):
    """B's hazard rule reads A's public datastream: A cannot delete it from under B."""
    body = {
        "name": "b-reads-a",
        "type": "river_level",
        "inputs": {"level": world["A"]["ds"]},
        "levels": {"warning": 11.0},
        "organisation": "city-b",
    }
    r = await client.post("/api/rules", json=body, headers=world["admin"])
    assert r.status_code == 201, r.text
    for url in (f"/v1.1/Datastreams({world['A']['ds']})", f"/v1.1/Things({world['A']['thing']})"):
        assert await _refused(client, store, "DELETE", url, world["ca"]) == 409
        r = await client.delete(url, headers=world["ca"])
        assert "used by 1 hazard rule of other organisations" in r.json()["message"]


async def test_json_patch_relinks_go_through_the_same_checks(client, store, world):
    h, a, bp = world["ca"], world["A"], world["B_PUB"]
    patch_headers = {**h, "Content-Type": "application/json-patch+json"}
    ops = [{"op": "add", "path": "/Thing", "value": {"@iot.id": bp["thing"]}}]
    status = await _refused(
        client, store, "PATCH", f"/v1.1/Datastreams({a['ds']})", patch_headers, json=ops
    )
    assert status == 403
    ops = [{"op": "add", "path": "/Thing", "value": {"@iot.id": world["A"]["thing"]}}]
    r = await client.patch(f"/v1.1/Datastreams({a['ds']})", json=ops, headers=patch_headers)
    assert r.status_code == 200, r.text
