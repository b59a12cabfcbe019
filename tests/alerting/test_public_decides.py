"""A person decides: rules draft, automatic issue only where a city enabled it, only on a
condition that persisted, and at most one public update per interval (issue 17, item 1).

Driven through the real ingest path, the hazard engine and the alert worker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cityops.demo.reference import levels_of
from cityops.demo.setup import river_rules
from cityops.demo.world import DemoThing, World
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, alerts, make_world, observe
from tests.alerting.support import incidents, ingest_at
from tests.helpers import bearer
from tests.pakse import CSV, read_pakse

SEASON_2011 = (
    [
        (t, v)
        for t, v in read_pakse()
        if datetime(2011, 7, 1, tzinfo=UTC) <= t < datetime(2011, 10, 25, tzinfo=UTC)
    ]
    if CSV.exists()
    else []
)


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


def demo_pakse_rule(ds: int) -> dict[str, Any]:
    """The demo's Pakse river rule as shipped (its levels, hysteresis and alert policy)."""
    pakse = DemoThing(1, "station", "Pakse", "mekong", 15.1, 105.8, {"level": ds})
    [spec] = [r for r in river_rules(World([pakse], False)) if r["subject"] == "Pakse"]
    return {k: spec[k] for k in ("levels", "hysteresis", "alert") if k in spec}


async def test_a_single_reading_at_pakse_drafts_and_issues_nothing(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world, **demo_pakse_rule(world["ds"]))
    await observe(app, store, world, 12.35)
    await observe(app, store, world, 9.0)
    items = await alerts(client, world["tok"]["operator"])
    assert [a for a in items if a["status"] in ("issued", "superseded", "cancelled")] == []
    drafts = [a for a in items if a["status"] == "draft"]
    assert len(drafts) == 1 and drafts[0]["severity"] == "Severe"


async def test_automatic_issue_waits_for_the_condition_to_persist(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(
        client, world, alert={"mode": "issue", "issue_after_readings": 3, "issue_after": 7200}
    )
    await observe(app, store, world, 12.35)
    assert await _issued(client, world) == []  # one reading never reaches the public
    await observe(app, store, world, 12.4)
    assert await _issued(client, world) == []  # two readings, one hour: not yet
    await observe(app, store, world, 12.5)
    [issued] = await _issued(client, world)  # three readings over two hours
    assert (issued["msg_type"], issued["severity"]) == ("Alert", "Severe")


async def test_automatic_updates_are_rate_limited_unless_severity_rises(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(
        client,
        world,
        alert={
            "mode": "issue",
            "issue_after_readings": 2,
            "issue_after": 0,
            "update_interval": 6 * 3600,
        },
    )
    await observe(app, store, world, 11.5, 11.6)  # warning, persisted: Alert
    await observe(app, store, world, 12.5)  # severity rises: Update at once
    await observe(app, store, world, 11.5)  # eases within the interval: held as a draft
    await observe(app, store, world, 12.5)  # back up, same severity as issued: nothing
    sent = await _issued(client, world, every=True)
    assert [(a["msg_type"], a["severity"]) for a in sent] == [
        ("Alert", "Moderate"),
        ("Update", "Severe"),
    ]


@pytest.mark.skipif(not CSV.exists(), reason="MRC Pakse export not available")
async def test_pakse_2011_with_the_demo_rules(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    """The 2011 season: one incident per flood episode, nothing public without an operator."""
    await add_rule(client, world, **demo_pakse_rule(world["ds"]))
    season = SEASON_2011
    services = app.state.ctx.services
    for i in range(0, len(season), 4):  # a few readings per request, in time order
        ingest_at(store, world["ds"], season[i : i + 4])
        assert services["engine"].flush()
    await services["alerts"].drain()
    live = [r for r in incidents(store) if r.origin == "engine"]
    assert len(live) == 2, [(r.opened_at, r.state, r.max_level_name) for r in live]
    assert {r.max_level_name for r in live} == {"danger"}
    assert await _issued(client, world, every=True) == []
    assert levels_of("Pakse") == {"warning": 11.0, "danger": 12.0}


@pytest.mark.skipif(not CSV.exists(), reason="MRC Pakse export not available")
async def test_pakse_2011_with_automatic_issue_enabled(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    """Where a city does enable automatic issue: one chain per flood, each ended by one
    Cancel; the warning never vanishes and comes back within a flood."""
    rule = demo_pakse_rule(world["ds"])
    rule["alert"] = {**rule["alert"], "mode": "issue", "update_interval": 0}
    await add_rule(client, world, **rule)
    services = app.state.ctx.services
    for i in range(0, len(SEASON_2011), 4):
        ingest_at(store, world["ds"], SEASON_2011[i : i + 4])
        assert services["engine"].flush()
        await services["alerts"].drain()
    live = [r for r in incidents(store) if r.origin == "engine"]
    sent = await _issued(client, world, every=True)
    assert len(live) == 2
    for inc in live:
        chain = [a["msg_type"] for a in sent if a["incident_id"] == inc.id]
        assert chain[0] == "Alert" and chain.count("Alert") == 1
        assert chain[-1] == "Cancel" and chain.count("Cancel") == 1
    assert len(sent) <= 10


async def test_a_cancel_is_final(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    op = bearer(world["tok"]["operator"])
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    assert (await client.post(f"/api/alerts/{draft['id']}/issue", headers=op)).status_code == 200
    r = await client.post(f"/api/alerts/{draft['id']}/cancel", headers=op)
    assert r.status_code == 201
    cancel_id = r.json()["id"]
    for target in (draft["id"], cancel_id):
        for action in ("update", "cancel"):
            r = await client.post(f"/api/alerts/{target}/{action}", headers=op)
            assert r.status_code == 409, (target, action, r.text)


async def _issued(
    client: httpx.AsyncClient, world: dict[str, Any], every: bool = False
) -> list[dict[str, Any]]:
    items = await alerts(client, world["tok"]["operator"])
    done = ("issued", "superseded", "cancelled") if every else ("issued",)
    return sorted((a for a in items if a["status"] in done), key=lambda a: a["id"])


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"alert": {"mode": "issue", "issue_after_readings": 1}}, "alert.issue_after_readings"),
        ({"alert": {"update_interval": -5}}, "alert.update_interval"),
        ({"cooldown": -1}, "cooldown"),
        (
            {
                "rate_of_rise": {
                    "per_hour": 0.1,
                    "window": 3600,
                    "level": "danger",
                    "min_samples": 1,
                }
            },
            "rate_of_rise.min_samples",
        ),
    ],
)
async def test_bad_settings_are_refused_naming_the_field(
    client: httpx.AsyncClient, world: dict[str, Any], extra: dict[str, Any], field: str
) -> None:
    from tests.alerting.support import river_rule

    r = await client.post(
        "/api/rules",
        json=river_rule(world["ds"], subject="Hanoi gauge", **extra),
        headers=bearer(world["tok"]["city_admin"]),
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"].endswith(field)
