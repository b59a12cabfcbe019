"""JSON Patch (RFC 6902) on SensorThings entities: the cases of the RFC's appendix A that
apply to an entity document, and ``test`` guarding the write it belongs to."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from cityops.store.writer import Tx
from tests.api.sta_fixtures import admin_headers, make_world

PATCH = "application/json-patch+json"
PROPS = {"list": [1, 2], "n": 1, "s": "10", "/": 9, "~1": 10, "foo": {"bar": "baz"}}

# (RFC 6902 appendix, operations on the Thing, expected status, properties afterwards or None)
CASES: list[tuple[str, list[dict[str, Any]], int, Any]] = [
    (
        "A.1 add an object member",
        [{"op": "add", "path": "/properties/baz", "value": "qux"}],
        200,
        {**PROPS, "baz": "qux"},
    ),
    (
        "A.2 add an array element",
        [{"op": "add", "path": "/properties/list/1", "value": 9}],
        200,
        {**PROPS, "list": [1, 9, 2]},
    ),
    (
        "A.2 add at the end with -",
        [{"op": "add", "path": "/properties/list/-", "value": 3}],
        200,
        {**PROPS, "list": [1, 2, 3]},
    ),
    ("A.3 remove a member", [{"op": "remove", "path": "/properties/n"}], 200, None),
    (
        "A.6 move a value",
        [{"op": "move", "from": "/properties/foo/bar", "path": "/properties/moved"}],
        200,
        {**PROPS, "foo": {}, "moved": "baz"},
    ),
    ("A.8 test success", [{"op": "test", "path": "/properties/list/0", "value": 1}], 200, PROPS),
    ("A.9 test error", [{"op": "test", "path": "/properties/s", "value": "x"}], 409, PROPS),
    (
        "A.12 add to a nonexistent target",
        [{"op": "add", "path": "/properties/missing/x", "value": 1}],
        400,
        PROPS,
    ),
    (
        "A.14 ~ escape ordering",
        [
            {"op": "test", "path": "/properties/~01", "value": 10},
            {"op": "test", "path": "/properties/~1", "value": 9},
        ],
        200,
        PROPS,
    ),
    (
        "A.15 comparing strings and numbers",
        [{"op": "test", "path": "/properties/s", "value": 10}],
        409,
        PROPS,
    ),
    ("true is not 1", [{"op": "test", "path": "/properties/n", "value": True}], 409, PROPS),
    (
        "negative index refused",
        [{"op": "add", "path": "/properties/list/-1", "value": 3}],
        400,
        PROPS,
    ),
    (
        "add beyond the end refused",
        [{"op": "add", "path": "/properties/list/5", "value": 3}],
        400,
        PROPS,
    ),
    (
        "leading zero refused",
        [{"op": "replace", "path": "/properties/list/01", "value": 3}],
        400,
        PROPS,
    ),
    ("the whole document", [{"op": "add", "path": "", "value": {}}], 400, PROPS),
    ("unknown op", [{"op": "frobnicate", "path": "/name"}], 400, PROPS),
    ("not an array", {"op": "test", "path": "/name", "value": "x"}, 400, PROPS),
]


async def _thing(client: Any, h: dict[str, str]) -> int:
    ids = await make_world(client, h)
    r = await client.patch(f"/v1.1/Things({ids['thing']})", headers=h, json={"properties": PROPS})
    assert r.status_code == 200, r.text
    return ids["thing"]


@pytest.mark.parametrize(("case", "ops", "status", "after"), CASES, ids=[c[0] for c in CASES])
async def test_rfc6902_cases(client, store, case, ops, status, after) -> None:
    h = admin_headers(store)
    thing = await _thing(client, h)
    r = await client.patch(f"/v1.1/Things({thing})", headers={**h, "content-type": PATCH}, json=ops)
    assert r.status_code == status, r.text
    if status != 200:
        assert "JSON Patch" in r.json()["message"]
    got = (await client.get(f"/v1.1/Things({thing})", headers=h)).json()["properties"]
    if after is not None:
        assert got == after
    elif case.startswith("A.3"):
        assert "n" not in got


async def test_failed_test_changes_nothing_and_names_the_operation(client, store) -> None:
    h = admin_headers(store)
    thing = await _thing(client, h)
    ops = [
        {"op": "replace", "path": "/name", "value": "changed"},
        {"op": "test", "path": "/description", "value": "not the description"},
    ]
    r = await client.patch(f"/v1.1/Things({thing})", headers={**h, "content-type": PATCH}, json=ops)
    assert r.status_code == 409
    assert "JSON Patch[1]" in r.json()["message"] and "test" in r.json()["message"]
    assert (await client.get(f"/v1.1/Things({thing})", headers=h)).json()["name"] == "Pakse gauge"


async def test_test_guards_the_write_against_a_concurrent_change(client, store) -> None:
    """Two clients patch the same version (``test`` the name, then replace it): the patch is
    applied to a read made in its own write transaction, so the second sees the first's
    change and fails instead of overwriting it."""
    h = admin_headers(store)
    thing = await _thing(client, h)
    started, release = threading.Event(), threading.Event()

    def hold(tx: Tx) -> None:  # keeps the writer busy while both requests are queued
        started.set()
        release.wait(10)

    held = asyncio.ensure_future(store.write(hold))
    await asyncio.to_thread(started.wait, 10)

    def patch(name: str) -> Any:
        ops = [
            {"op": "test", "path": "/name", "value": "Pakse gauge"},
            {"op": "replace", "path": "/name", "value": name},
        ]
        return client.patch(
            f"/v1.1/Things({thing})", headers={**h, "content-type": PATCH}, json=ops
        )

    first = asyncio.ensure_future(patch("first"))
    second = asyncio.ensure_future(patch("second"))
    for _ in range(500):  # both jobs queued behind ``hold``
        if store.writer._queue.qsize() >= 2:
            break
        await asyncio.sleep(0.01)
    release.set()
    await held
    codes = sorted([(await first).status_code, (await second).status_code])
    assert codes == [200, 409]
    name = (await client.get(f"/v1.1/Things({thing})", headers=h)).json()["name"]
    assert name in ("first", "second")


async def test_json_patch_of_an_observation(client, store) -> None:
    """The document patched is the entity as a read shows it (times as ISO text)."""
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.post(
        f"/v1.1/Datastreams({ids['datastream']})/Observations",
        headers=h,
        json={"phenomenonTime": "2024-01-01T00:00:00Z", "result": 1.5},
    )
    obs = r.json()["@iot.id"]
    ops = [
        {"op": "test", "path": "/phenomenonTime", "value": "2024-01-01T00:00:00Z"},
        {"op": "test", "path": "/result", "value": 1.5},
        {"op": "replace", "path": "/result", "value": 2.5},
    ]
    r = await client.patch(
        f"/v1.1/Observations({obs})", headers={**h, "content-type": PATCH}, json=ops
    )
    assert r.status_code == 200, r.text
    assert r.json()["result"] == 2.5
    assert r.json()["phenomenonTime"] == "2024-01-01T00:00:00Z"
