"""Role x organisation x entity x operation: writes through links (issue 16).

Every relation of the data model, from both ends (PATCH of a to-one link, PATCH adding
to a to-many link), deep inserts naming existing entities by ``@iot.id``, and POSTs under
a parent entity. The source entity is always city A's own (public); the entity linked to
is city A's own (``A``), city B's public one (``B``) or city B's restricted one (``BR``).

Expected, for a city admin of A: allowed when the linked entity is A's, or a public
catalogue entry of B (Sensor, ObservedProperty, FeatureOfInterest) that A's entity points
at; 403 for anything else of B; 400 ("does not exist") for B's restricted entities named
in a body, 404 in a path. Admins may do everything; operators nothing; devices write only
observations of their own Thing; anonymous callers get 401. Every refusal leaves every
row as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.sta.create import create_entity
from cityops.store import schema as s
from tests.api.test_tenancy_attacks import snapshot
from tests.helpers import bearer, make_device_token, make_org, make_user_token

UNIT = {"name": "metre", "symbol": "m", "definition": "ucum:m"}
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def _owned(org: str, vis: str) -> dict[str, str]:
    return {"@cityops.organisation": org, "@cityops.visibility": vis}


def _loc_body(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": "d",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [105.0, 15.0]},
    }


def _station(tx: Any, org: str, n: int, vis: str) -> dict[str, int]:
    """A Thing at a Location, with a Datastream (own Sensor, ObservedProperty) and one
    Observation (its FeatureOfInterest made from the Location)."""
    own = _owned(org, vis)
    thing = create_entity(
        tx,
        BY_NAME["Thing"],
        {"name": f"{org}-{n}", "description": "d", **own, "Locations": [_loc_body("l")]},
        SYSTEM,
    )
    sensor = {"name": "s", "description": "d", "encodingType": "t", "metadata": "m", **own}
    prop = {"name": "p", "definition": "p", "description": "d", **own}
    ds = create_entity(
        tx,
        BY_NAME["Datastream"],
        {
            "name": "ds",
            "description": "d",
            "unitOfMeasurement": UNIT,
            "observationType": OM,
            "Thing": {"@iot.id": thing},
            "Sensor": sensor,
            "ObservedProperty": prop,
            "Observations": [{"result": 1, "phenomenonTime": "2026-01-01T00:00:00Z"}],
            **own,
        },
        SYSTEM,
    )
    c = tx.conn
    row = c.execute(select(s.datastreams).where(s.datastreams.c.id == ds)).one()
    obs = c.execute(
        select(s.observations.c.id, s.observations.c.feature_of_interest_id).where(
            s.observations.c.datastream_id == ds
        )
    ).one()
    loc = c.execute(
        select(s.thing_locations.c.location_id).where(s.thing_locations.c.thing_id == thing)
    ).scalar_one()
    hl = c.execute(
        select(s.historical_locations.c.id).where(s.historical_locations.c.thing_id == thing)
    ).scalar_one()
    return {
        "thing": thing,
        "loc": loc,
        "hl": hl,
        "ds": ds,
        "sensor": row.sensor_id,
        "prop": row.observed_property_id,
        "obs": obs.id,
        "foi": obs.feature_of_interest_id,
    }


@pytest.fixture
def world(store: Any) -> dict[str, Any]:
    a = make_org(store, "city-a")
    make_org(store, "city-b")

    def job(tx: Any) -> dict[str, Any]:
        return {
            "src": _station(tx, "city-a", 1, "public"),
            "A": _station(tx, "city-a", 2, "public"),
            "B": _station(tx, "city-b", 1, "public"),
            "BR": _station(tx, "city-b", 2, "restricted"),
        }

    w = store.write_sync(job)
    w["callers"] = {
        "admin": bearer(make_user_token(store, "root", "admin")),
        "city_admin": bearer(make_user_token(store, "ca", "city_admin", a)),
        "operator": bearer(make_user_token(store, "op", "operator", a)),
        "device": bearer(make_device_token(store, w["src"]["thing"])),
        "anonymous": {},
    }
    return w


@dataclass(frozen=True)
class Op:
    """One write through a link. ``url`` and ``body`` take (source ids, target ids)."""

    name: str
    method: str
    url: Callable[[dict[str, int], dict[str, int]], str]
    body: Callable[[dict[str, int], dict[str, int]], Any]
    catalogue: bool = False  # links A's entity to a catalogue entry (may be B's public one)
    observation: bool = False  # writes an observation of the source (device) Thing
    target_in_path: bool = False  # the target is the parent entity of the request path
    datastream_in_body: bool = False  # a new observation names the target's datastream


def _id(i: int) -> dict[str, int]:
    return {"@iot.id": i}


def _ds_new(thing: int, sensor: int, prop: int) -> dict[str, Any]:
    return {
        "name": "n",
        "description": "d",
        "unitOfMeasurement": UNIT,
        "observationType": OM,
        "Thing": _id(thing),
        "Sensor": _id(sensor),
        "ObservedProperty": _id(prop),
    }


P = "PATCH"
OPS = [
    # to-one links, from the entity holding the key
    Op(
        "Datastream.Thing",
        P,
        lambda s, t: f"Datastreams({s['ds']})",
        lambda s, t: {"Thing": _id(t["thing"])},
    ),
    Op(
        "Datastream.Sensor",
        P,
        lambda s, t: f"Datastreams({s['ds']})",
        lambda s, t: {"Sensor": _id(t["sensor"])},
        catalogue=True,
    ),
    Op(
        "Datastream.ObservedProperty",
        P,
        lambda s, t: f"Datastreams({s['ds']})",
        lambda s, t: {"ObservedProperty": _id(t["prop"])},
        catalogue=True,
    ),
    Op(
        "HistoricalLocation.Thing",
        P,
        lambda s, t: f"HistoricalLocations({s['hl']})",
        lambda s, t: {"Thing": _id(t["thing"])},
    ),
    Op(
        "Observation.FeatureOfInterest",
        P,
        lambda s, t: f"Observations({s['obs']})",
        lambda s, t: {"FeatureOfInterest": _id(t["foi"])},
        catalogue=True,
        observation=True,
    ),
    Op(
        "Observation.Datastream",
        P,
        lambda s, t: f"Observations({s['obs']})",
        lambda s, t: {"Datastream": _id(t["ds"])},
        observation=True,
    ),
    # to-many links, from the other end
    Op(
        "Thing.Datastreams",
        P,
        lambda s, t: f"Things({s['thing']})",
        lambda s, t: {"Datastreams": [_id(t["ds"])]},
    ),
    Op(
        "Sensor.Datastreams",
        P,
        lambda s, t: f"Sensors({s['sensor']})",
        lambda s, t: {"Datastreams": [_id(t["ds"])]},
    ),
    Op(
        "ObservedProperty.Datastreams",
        P,
        lambda s, t: f"ObservedProperties({s['prop']})",
        lambda s, t: {"Datastreams": [_id(t["ds"])]},
    ),
    Op(
        "Thing.HistoricalLocations",
        P,
        lambda s, t: f"Things({s['thing']})",
        lambda s, t: {"HistoricalLocations": [_id(t["hl"])]},
    ),
    Op(
        "Datastream.Observations",
        P,
        lambda s, t: f"Datastreams({s['ds']})",
        lambda s, t: {"Observations": [_id(t["obs"])]},
    ),
    Op(
        "FeatureOfInterest.Observations",
        P,
        lambda s, t: f"FeaturesOfInterest({s['foi']})",
        lambda s, t: {"Observations": [_id(t["obs"])]},
    ),
    # many-to-many links, both ends
    Op(
        "Thing.Locations",
        P,
        lambda s, t: f"Things({s['thing']})",
        lambda s, t: {"Locations": [_id(t["loc"])]},
    ),
    Op(
        "Location.Things",
        P,
        lambda s, t: f"Locations({s['loc']})",
        lambda s, t: {"Things": [_id(t["thing"])]},
    ),
    Op(
        "Location.HistoricalLocations",
        P,
        lambda s, t: f"Locations({s['loc']})",
        lambda s, t: {"HistoricalLocations": [_id(t["hl"])]},
    ),
    Op(
        "HistoricalLocation.Locations",
        P,
        lambda s, t: f"HistoricalLocations({s['hl']})",
        lambda s, t: {"Locations": [_id(t["loc"])]},
    ),
    # deep inserts naming existing entities
    Op(
        "POST Datastream(Sensor, ObservedProperty)",
        "POST",
        lambda s, t: "Datastreams",
        lambda s, t: _ds_new(s["thing"], t["sensor"], t["prop"]),
        catalogue=True,
    ),
    Op(
        "POST Datastream(Thing)",
        "POST",
        lambda s, t: "Datastreams",
        lambda s, t: {
            **_ds_new(t["thing"], s["sensor"], s["prop"]),
            "@cityops.organisation": "city-a",
        },
    ),
    Op(
        "POST Thing(Locations)",
        "POST",
        lambda s, t: "Things",
        lambda s, t: {"name": "n", "description": "d", "Locations": [_id(t["loc"])]},
    ),
    Op(
        "POST Thing(Datastreams)",
        "POST",
        lambda s, t: "Things",
        lambda s, t: {"name": "n", "description": "d", "Datastreams": [_id(t["ds"])]},
    ),
    Op(
        "POST Location(Things)",
        "POST",
        lambda s, t: "Locations",
        lambda s, t: {**_loc_body("n"), "Things": [_id(t["thing"])]},
    ),
    Op(
        "POST Sensor(Datastreams)",
        "POST",
        lambda s, t: "Sensors",
        lambda s, t: {
            "name": "n",
            "description": "d",
            "encodingType": "t",
            "metadata": "m",
            "Datastreams": [_id(t["ds"])],
        },
    ),
    Op(
        "POST HistoricalLocation(Thing)",
        "POST",
        lambda s, t: "HistoricalLocations",
        lambda s, t: {"time": "2026-01-01T00:00:00Z", "Thing": _id(t["thing"])},
    ),
    Op(
        "POST HistoricalLocation(Locations)",
        "POST",
        lambda s, t: "HistoricalLocations",
        lambda s, t: {
            "time": "2026-01-01T00:00:00Z",
            "Thing": _id(s["thing"]),
            "Locations": [_id(t["loc"])],
        },
    ),
    Op(
        "POST Observation(FeatureOfInterest)",
        "POST",
        lambda s, t: "Observations",
        lambda s, t: {"result": 2, "Datastream": _id(s["ds"]), "FeatureOfInterest": _id(t["foi"])},
        catalogue=True,
        observation=True,
    ),
    Op(
        "POST Observation(Datastream)",
        "POST",
        lambda s, t: "Observations",
        lambda s, t: {"result": 2, "Datastream": _id(t["ds"]), "FeatureOfInterest": _id(s["foi"])},
        observation=True,
        datastream_in_body=True,
    ),
    # POST under a parent entity of the target's organisation
    Op(
        "POST Things()/Locations",
        "POST",
        lambda s, t: f"Things({t['thing']})/Locations",
        lambda s, t: {**_loc_body("n"), "@cityops.organisation": "city-a"},
        target_in_path=True,
    ),
    Op(
        "POST Locations()/Things",
        "POST",
        lambda s, t: f"Locations({t['loc']})/Things",
        lambda s, t: {"name": "n", "description": "d", "@cityops.organisation": "city-a"},
        target_in_path=True,
    ),
    Op(
        "POST Things()/Datastreams",
        "POST",
        lambda s, t: f"Things({t['thing']})/Datastreams",
        lambda s, t: {
            **_ds_new(0, s["sensor"], s["prop"]),
            "Thing": None,
            "@cityops.organisation": "city-a",
        },
        target_in_path=True,
    ),
    Op(
        "POST Sensors()/Datastreams",
        "POST",
        lambda s, t: f"Sensors({t['sensor']})/Datastreams",
        lambda s, t: {**_ds_new(s["thing"], 0, s["prop"]), "Sensor": None},
        catalogue=True,
        target_in_path=True,
    ),
    Op(
        "POST Datastreams()/Observations",
        "POST",
        lambda s, t: f"Datastreams({t['ds']})/Observations",
        lambda s, t: {"result": 3, "FeatureOfInterest": _id(s["foi"])},
        observation=True,
        target_in_path=True,
    ),
]


def expected(caller: str, op: Op, target: str) -> int:
    ok = 201 if op.method == "POST" else 200
    if caller == "admin":
        return ok
    if target == "BR" and op.target_in_path:
        return 404  # a path through an entity the caller may not see
    if target == "BR" and op.datastream_in_body:
        return 400  # ingest looks the datastream up first: for this caller it does not exist
    if caller == "anonymous":
        return 401
    if caller == "operator" or (caller == "device" and not op.observation):
        return 403
    if caller == "device" and op.name.startswith("POST") and op.target_in_path:
        return 403  # not the device's own Thing's datastream
    if target == "BR":
        return 400  # named in the body: does not exist, for this caller
    if target == "A" and caller == "city_admin":
        return ok
    if op.catalogue and (target == "A" or caller == "device" or target == "B"):
        return ok
    return 403


def _clean(body: Any) -> Any:
    return {k: v for k, v in body.items() if v is not None} if isinstance(body, dict) else body


@pytest.mark.parametrize("caller", ["admin", "city_admin", "operator", "device", "anonymous"])
@pytest.mark.parametrize("target", ["A", "B", "BR"])
async def test_writes_through_links(client, store, world, caller, target):
    h, src, tgt = world["callers"][caller], world["src"], world[target]
    wrong = []
    for op in OPS:
        before = snapshot(store) if caller != "admin" else None
        r = await client.request(
            op.method, "/v1.1/" + op.url(src, tgt), json=_clean(op.body(src, tgt)), headers=h
        )
        want = expected(caller, op, target)
        if r.status_code != want:
            wrong.append(f"{op.name}: {r.status_code} (expected {want}) {r.text[:120]}")
        elif r.status_code >= 400 and before is not None and snapshot(store) != before:
            wrong.append(f"{op.name}: refused with {r.status_code} but rows changed")
    assert not wrong, "\n".join(wrong)


DELETABLE = {
    "thing": "Things",
    "loc": "Locations",
    "hl": "HistoricalLocations",
    "sensor": "Sensors",
    "prop": "ObservedProperties",
    "ds": "Datastreams",
    "obs": "Observations",
    "foi": "FeaturesOfInterest",
}


def expected_delete(caller: str, key: str, target: str) -> int:
    if caller == "admin":
        return 200
    if target == "BR":
        return 404
    if caller == "anonymous":
        return 401
    if caller == "city_admin" and target == "A":
        return 200
    return 403


@pytest.mark.parametrize("caller", ["admin", "city_admin", "operator", "device", "anonymous"])
@pytest.mark.parametrize("target", ["A", "B", "BR"])
async def test_deletes(client, store, world, caller, target):
    """Every entity type, deleted by each caller: only within the caller's own rights,
    and a refusal changes nothing. (Observations last-first so that each exists.)"""
    h, tgt = world["callers"][caller], world[target]
    wrong = []
    for key in ("obs", "hl", "ds", "foi", "sensor", "prop", "loc", "thing"):
        before = snapshot(store)
        r = await client.delete(f"/v1.1/{DELETABLE[key]}({tgt[key]})", headers=h)
        want = expected_delete(caller, key, target)
        if r.status_code != want:
            wrong.append(f"{key}: {r.status_code} (expected {want}) {r.text[:120]}")
        elif r.status_code >= 400 and snapshot(store) != before:
            wrong.append(f"{key}: refused with {r.status_code} but rows changed")
    assert not wrong, "\n".join(wrong)


async def test_no_delete_cascades_across_organisations(client, store, world):
    """A's entities that B's rows depend on: 409 naming how many, for everyone."""
    src, b = world["src"], world["B"]
    admin = world["callers"]["admin"]
    # B's datastream uses A's sensor; B's thing stands at A's location; B's observation
    # has A's feature of interest
    for url, body in (
        (f"/v1.1/Datastreams({b['ds']})", {"Sensor": _id(src["sensor"])}),
        (f"/v1.1/Datastreams({b['ds']})", {"ObservedProperty": _id(src["prop"])}),
        (f"/v1.1/Things({b['thing']})", {"Locations": [_id(src["loc"])]}),
        (f"/v1.1/Observations({b['obs']})", {"FeatureOfInterest": _id(src["foi"])}),
    ):
        assert (await client.patch(url, json=body, headers=admin)).status_code == 200
    h = world["callers"]["city_admin"]
    for key, what in (
        ("sensor", "Datastream"),
        ("prop", "Datastream"),
        ("loc", "Thing"),
        ("foi", "Datastream"),
    ):
        for caller in (h, admin):
            before = snapshot(store)
            r = await client.delete(f"/v1.1/{DELETABLE[key]}({src[key]})", headers=caller)
            assert r.status_code == 409, (key, r.text)
            assert f"used by 1 {what} of other organisations" in r.json()["message"]
            assert snapshot(store) == before
