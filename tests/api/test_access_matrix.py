"""Role x organisation x endpoint: every allowed and every denied case of SensorThings access.

World: cities A and B. In A a public Thing (TA_PUB) and a restricted Thing (TA_RES); in B a
restricted Thing (TB_RES) and a public one (TB_PUB); each Thing has one Datastream. Callers:
admin, city admin / operator / analyst of A, a device bound to TA_RES, and anonymous.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.auth.tokens import create_token, revoke_token
from cityops.datamodel.entities import BY_NAME
from cityops.sta.create import create_entity
from cityops.store import schema as s
from tests.api.sta_fixtures import THING, datastream_body
from tests.helpers import bearer, make_device_token, make_org, make_user_token


def _thing(store, org: str, visibility: str) -> tuple[int, int]:
    def job(tx: Any) -> tuple[int, int]:
        body = dict(THING, name=f"{org}-{visibility}")
        body["@cityops.organisation"] = org
        body["@cityops.visibility"] = visibility
        thing = create_entity(tx, BY_NAME["Thing"], body, SYSTEM)
        ds = create_entity(tx, BY_NAME["Datastream"], datastream_body(thing), SYSTEM)
        return thing, ds

    return store.write_sync(job)


@pytest.fixture
def world(store) -> dict[str, Any]:
    a, b = make_org(store, "city-a"), make_org(store, "city-b")
    w: dict[str, Any] = {"orgs": (a, b)}
    w["TA_PUB"], w["TA_RES"] = (
        _thing(store, "city-a", "public"),
        _thing(store, "city-a", "restricted"),
    )
    w["TB_PUB"], w["TB_RES"] = (
        _thing(store, "city-b", "public"),
        _thing(store, "city-b", "restricted"),
    )
    w["callers"] = {
        "admin": bearer(make_user_token(store, "adm", "admin")),
        "city_admin": bearer(make_user_token(store, "ca", "city_admin", a)),
        "operator": bearer(make_user_token(store, "op", "operator", a)),
        "analyst": bearer(make_user_token(store, "an", "analyst", a)),
        "device": bearer(make_device_token(store, w["TA_RES"][0])),
        "anonymous": {},
    }
    return w


READ_SEES = {  # which things each caller sees
    "admin": {"TA_PUB", "TA_RES", "TB_PUB", "TB_RES"},
    "city_admin": {"TA_PUB", "TA_RES", "TB_PUB"},
    "operator": {"TA_PUB", "TA_RES", "TB_PUB"},
    "analyst": {"TA_PUB", "TA_RES", "TB_PUB"},
    "device": {"TA_PUB", "TA_RES", "TB_PUB"},
    "anonymous": {"TA_PUB", "TB_PUB"},
}


@pytest.mark.parametrize("caller", list(READ_SEES))
async def test_reads(client, world, caller):
    h = world["callers"][caller]
    names = {t["name"] for t in (await client.get("/v1.1/Things", headers=h)).json()["value"]}
    expected = {
        f"city-{k[1].lower()}-{'public' if k.endswith('PUB') else 'restricted'}"
        for k in READ_SEES[caller]
    }
    assert names == expected
    for key in ("TA_PUB", "TA_RES", "TB_PUB", "TB_RES"):
        thing, ds = world[key]
        want = 200 if key in READ_SEES[caller] else 404  # 404, never 403: ids do not leak
        assert (await client.get(f"/v1.1/Things({thing})", headers=h)).status_code == want
        assert (await client.get(f"/v1.1/Datastreams({ds})", headers=h)).status_code == want
        r = await client.get(f"/v1.1/Datastreams({ds})/Observations", headers=h)
        assert r.status_code == want


CREATE_THING = {
    "admin": 201,
    "city_admin": 201,
    "operator": 403,
    "analyst": 403,
    "device": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize("caller", list(CREATE_THING))
async def test_create_thing(client, world, caller):
    r = await client.post(
        "/v1.1/Things", json={"name": "n", "description": "d"}, headers=world["callers"][caller]
    )
    assert r.status_code == CREATE_THING[caller], r.text


# Observation writes: (caller, target) -> status. Device is bound to TA_RES only.
OBS_WRITE = {
    ("admin", "TB_RES"): 201,
    ("city_admin", "TA_PUB"): 201,
    ("city_admin", "TB_PUB"): 403,
    ("city_admin", "TB_RES"): 400,
    ("operator", "TA_PUB"): 403,
    ("analyst", "TA_RES"): 403,
    ("device", "TA_RES"): 201,
    ("device", "TA_PUB"): 403,
    ("device", "TB_PUB"): 403,
    ("device", "TB_RES"): 400,
    ("anonymous", "TA_PUB"): 401,
}


@pytest.mark.parametrize("caller,target", list(OBS_WRITE))
async def test_observation_writes(client, world, store, caller, target):
    ds = world[target][1]
    r = await client.post(
        "/v1.1/Observations",
        headers=world["callers"][caller],
        json={"result": 1.0, "Datastream": {"@iot.id": ds}},
    )
    assert r.status_code == OBS_WRITE[(caller, target)], r.text
    with store.read() as conn:
        n = len(conn.execute(select(s.observations.c.id)).all())
    assert n == (1 if r.status_code == 201 else 0)


UPDATE_THING = {  # PATCH of a thing: (caller, target) -> status
    ("admin", "TB_RES"): 200,
    ("city_admin", "TA_RES"): 200,
    ("city_admin", "TB_PUB"): 403,
    ("city_admin", "TB_RES"): 404,
    ("operator", "TA_RES"): 403,
    ("anonymous", "TA_PUB"): 401,
    ("anonymous", "TA_RES"): 404,
    ("device", "TA_RES"): 403,
}


@pytest.mark.parametrize("caller,target", list(UPDATE_THING))
async def test_updates_and_deletes(client, world, caller, target):
    thing = world[target][0]
    h = world["callers"][caller]
    r = await client.patch(f"/v1.1/Things({thing})", headers=h, json={"description": "x"})
    assert r.status_code == UPDATE_THING[(caller, target)], r.text
    r = await client.delete(f"/v1.1/Datastreams({world[target][1]})", headers=h)
    assert r.status_code == UPDATE_THING[(caller, target)], r.text


async def test_bad_tokens_are_401(client, world, store):
    thing = world["TA_PUB"][0]

    def make(expires: datetime | None) -> tuple[int, str]:
        uid = store.write_sync(
            lambda tx: tx.conn.execute(
                select(s.users.c.id).where(s.users.c.username == "adm")
            ).scalar_one()
        )
        return store.write_sync(lambda tx: create_token(tx.conn, user_id=uid, expires_at=expires))

    _, expired = make(datetime.now(UTC) - timedelta(seconds=1))
    revoked_id, revoked = make(None)
    store.write_sync(lambda tx: revoke_token(tx.conn, revoked_id))
    for headers in (
        bearer(expired),
        bearer(revoked),
        bearer("cot_not-a-token"),
        {"Authorization": "Basic !!"},
        {"Authorization": "Bearer "},
    ):
        r = await client.patch(f"/v1.1/Things({thing})", headers=headers, json={"name": "x"})
        assert r.status_code == 401, headers


async def test_every_write_is_audited(client, world, store):
    h = world["callers"]["city_admin"]
    r = await client.post("/v1.1/Things", json={"name": "n", "description": "d"}, headers=h)
    new = r.json()["@iot.id"]
    await client.patch(f"/v1.1/Things({new})", json={"name": "m"}, headers=h)
    await client.delete(f"/v1.1/Things({new})", headers=h)
    await client.post(
        "/v1.1/Observations",
        headers=world["callers"]["device"],
        json={"result": 2, "Datastream": {"@iot.id": world["TA_RES"][1]}},
    )
    log = (await client.get("/api/audit?limit=10", headers=world["callers"]["admin"])).json()
    got = [(e["actor"], e["action"], e["entity"]) for e in reversed(log)]
    assert got[-4:] == [
        ("ca", "create", "Thing"),
        ("ca", "update", "Thing"),
        ("ca", "delete", "Thing"),
        ("device:city-a-restricted", "create", "Observation"),
    ]
    assert all(e["time"] and e["remote_addr"] for e in log[:4])
    assert (await client.get("/api/audit", headers=world["callers"]["analyst"])).status_code == 403
    mine = (await client.get("/api/audit", headers=h)).json()
    assert all(e["org_id"] == world["orgs"][0] for e in mine)
