"""The event log and the partitioned hazard engine across three real CityOps nodes.

One cluster per module (starting three nodes is the cost): the SSE test first, then the
engine tests; the last one kills a node."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import orjson
import pytest
from sqlalchemy import create_engine, text

from cityops.events.codec import partition_of
from tests.alerting.support import river_rule
from tests.cluster.engine_nodes import CityOpsCluster, wait_for
from tests.cluster.natscluster import NatsCluster
from tests.conftest import _drop_pg, _pg_database, require_service
from tests.e2e.conftest import Server, cli

pytestmark = pytest.mark.e2e
T0 = datetime(2024, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CityOpsCluster]:
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    nats_cluster = NatsCluster(Path(tmp_path_factory.mktemp("nats"))).start()
    nodes: CityOpsCluster | None = None
    try:
        cli("db", "upgrade", "-d", url)
        cli(
            "user", "add", "ops-admin", "--role", "admin", "-d", url,
            env={"CITYOPS_PASSWORD": "mekong-cluster-7741"},
        )  # fmt: skip
        token = cli("token", "create", "--user", "ops-admin", "-d", url).split(": ", 1)[1]
        nodes = CityOpsCluster(url, nats_cluster.urls, token.strip())
        nodes.nats = nats_cluster  # type: ignore[attr-defined]
        yield nodes.start()
    finally:
        if nodes is not None:
            nodes.stop()
        nats_cluster.stop()
        _drop_pg(url)


def _datastream(node: Server, headers: dict[str, str], name: str) -> int:
    body = {
        "name": name,
        "description": "river stage",
        "observationType": "OM_Measurement",
        "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
        "Thing": {
            "name": f"gauge {name}",
            "description": "river gauge",
            "Locations": [
                {
                    "name": name,
                    "description": "site",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [105.8, 15.1]},
                }
            ],
        },
        "Sensor": {"name": f"s-{name}", "description": "d", "encodingType": "text/plain",
                   "metadata": "none"},
        "ObservedProperty": {"name": f"stage-{name}", "definition": "x", "description": "d"},
    }  # fmt: skip
    r = httpx.post(node.url + "/v1.1/Datastreams", json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return int(r.json()["@iot.id"])


def _observe(node: Server, headers: dict[str, str], ds: int, hours: float, value: float) -> None:
    r = httpx.post(
        f"{node.url}/v1.1/Datastreams({ds})/Observations",
        json={"phenomenonTime": (T0 + timedelta(hours=hours)).isoformat(), "result": value},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text


def test_sse_client_on_node_c_sees_a_write_through_node_a(cluster: CityOpsCluster) -> None:
    a, _, c = cluster.nodes
    ds = _datastream(a, cluster.headers, "sse")

    async def scenario() -> dict[str, Any]:
        async with (
            httpx.AsyncClient(timeout=30) as client,
            client.stream("GET", c.url + "/api/events", headers=cluster.headers) as stream,
        ):
            lines = stream.aiter_lines()
            while (await anext(lines)) != ": connected":
                pass
            await asyncio.to_thread(_observe, a, cluster.headers, ds, 0, 4.2)
            event = ""
            async for line in lines:
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "observation":
                    data: dict[str, Any] = orjson.loads(line[6:])
                    if data["datastream"] == ds:
                        return data
        raise AssertionError("stream ended")

    data = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert data["results"] == [4.2]


def _rule(node: Server, headers: dict[str, str], ds: int, name: str) -> int:
    r = httpx.post(node.url + "/api/rules", json=river_rule(ds, name), headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _incidents(database: str, rule_id: int) -> list[Any]:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            q = text("SELECT id, level FROM incidents WHERE rule_id = :r ORDER BY id")
            return list(conn.execute(q, {"r": rule_id}))
    finally:
        engine.dispose()


def _drained(cluster: CityOpsCluster, partition: int) -> bool:
    """The partition's engine consumer has nothing pending and nothing unacknowledged."""

    async def probe() -> bool:
        nc = await nats.connect(servers=cluster.nats.urls.split(","))  # type: ignore[attr-defined]
        try:
            info = await nc.jetstream().consumer_info(
                "cityops-events", f"cityops-engine-p{partition}"
            )
            return bool(info.num_pending == 0 and info.num_ack_pending == 0)
        finally:
            await nc.close()

    return asyncio.run(probe())


def _owned_elsewhere(cluster: CityOpsCluster, name: str) -> tuple[int, Server, Server]:
    """A new datastream whose partition is held by one node, and another node to ingest."""
    owners = cluster.wait_balanced()
    ds = _datastream(cluster.nodes[0], cluster.headers, name)
    owner = owners[partition_of(ds, cluster.partitions)]
    ingest = next(n for n in cluster.nodes if n is not owner and n.proc.poll() is None)
    return ds, owner, ingest


def test_crossing_through_a_opens_one_incident_on_owner_b(cluster: CityOpsCluster) -> None:
    ds, owner, a = _owned_elsewhere(cluster, "pakse")
    p = partition_of(ds, cluster.partitions)
    rule = _rule(a, cluster.headers, ds, "pakse-flood")
    _observe(a, cluster.headers, ds, 0, 10.0)
    wait_for(lambda: _drained(cluster, p), 60, "the quiet reading evaluated")
    for hour, value in ((1, 12.4), (2, 12.6), (3, 12.5)):
        _observe(a, cluster.headers, ds, hour, value)
    wait_for(lambda: _incidents(cluster.database, rule), 60, "the incident")
    wait_for(lambda: _drained(cluster, p), 60, "every reading evaluated")
    [incident] = _incidents(cluster.database, rule)
    assert incident.level == 2
    # the incident became one draft warning in the cluster (not one per node)
    wait_for(lambda: _alerts(cluster.database, incident.id), 60, "the draft alert")
    time.sleep(1)
    assert len(_alerts(cluster.database, incident.id)) == 1


def _alerts(database: str, incident_id: int) -> list[Any]:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            q = text("SELECT id FROM alerts WHERE incident_id = :i")
            return list(conn.execute(q, {"i": incident_id}))
    finally:
        engine.dispose()


def test_crossing_opens_one_incident_when_owner_is_killed(cluster: CityOpsCluster) -> None:
    ds, owner, a = _owned_elsewhere(cluster, "kratie")
    p = partition_of(ds, cluster.partitions)
    rule = _rule(a, cluster.headers, ds, "kratie-flood")
    _observe(a, cluster.headers, ds, 0, 10.0)
    wait_for(lambda: _drained(cluster, p), 60, "the quiet reading evaluated")
    _observe(a, cluster.headers, ds, 1, 12.4)
    owner.stop(kill=True)  # kill -9 while the crossing is being evaluated (or before)
    _observe(a, cluster.headers, ds, 2, 12.6)
    taken = cluster.wait_balanced()
    assert taken[p] is not owner
    wait_for(lambda: _incidents(cluster.database, rule), 90, "the incident after takeover")
    wait_for(lambda: _drained(cluster, p), 90, "every reading evaluated after takeover")
    assert [r.level for r in _incidents(cluster.database, rule)] == [2]
