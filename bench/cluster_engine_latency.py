"""Benchmark: acknowledgement of a level-crossing observation -> its incident on the event
log, with 10,000 rules under ~2,000 observations/s spread over three CityOps nodes
(PostgreSQL, three-node NATS JetStream, the partitioned hazard engine).

A probe POSTs one crossing observation to a node (in turn) and times from its 201 (the
acknowledgement) until the engine's ``Incident`` event arrives on the stream
(``cityops.ev.*.Incident.>``): the incident was committed by the partition's owner and
published. Background load: CreateObservations of 100 readings below every level, sent
to the nodes in turn. Per-node CPU per observation is read from /proc over the measured
window (so throughput on larger machines can be projected; two cores cannot show the
scaling itself). Printed beside limits measured in the same run: the HTTP acknowledgement
time of the same probes, and a JetStream publish round trip (replicas 3) under the load.

Target (issue 22): p99 <= 50 ms.
Usage: python bench/cluster_engine_latency.py [--rules 10000] [--rate 2000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).parent))

from _cluster import Cluster, cpu_seconds, nats_servers_cpu  # noqa: E402
from _common import machine  # noqa: E402
from _hazard_setup import add_rules, make_datastreams  # noqa: E402

from cityops.store import migrate  # noqa: E402
from cityops.store.base import Store  # noqa: E402

T0 = datetime(2025, 8, 1, tzinfo=UTC)
BATCH = 100


def prepare(n: int, out: list[int]) -> Any:
    def run(database: str) -> None:
        store = Store(database, read_pool_size=2)
        try:
            migrate.upgrade(store.write_engine)
            ds = make_datastreams(store, n)
            add_rules(
                store,
                [
                    {
                        "name": f"r{d}",
                        "type": "river_level",
                        "subject": f"gauge {d}",
                        "inputs": {"level": d},
                        "levels": {"warning": 11.0, "danger": 12.0},
                    }
                    for d in ds
                ],
            )
            out.extend(ds)
        finally:
            store.close()

    return run


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs) * 1000, q)) if xs else float("nan")


async def run(c: Cluster, ds: list[int], a: argparse.Namespace) -> None:
    import httpx
    import nats

    assert c.nats is not None
    nc = await nats.connect(servers=c.nats.urls.split(","))
    js = nc.jetstream()
    seen: dict[str, float] = {}

    async def on_incident(msg: Any) -> None:
        data = orjson.loads(msg.data)
        if data["k"] == "created":
            seen.setdefault(str(data["d"].get("rule")), time.perf_counter())

    await js.subscribe("cityops.ev.*.Incident.>", cb=on_incident, ordered_consumer=True)
    await js.add_stream(name="BENCH", subjects=["bench.>"], num_replicas=3)
    bases = itertools.cycle([n.base for n in c.nodes])
    probes, background = ds[:400], ds[400:]
    rng = random.Random(1)
    sent = [0]
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(headers=c.headers, timeout=60, limits=limits) as client:

        async def one_batch(k: int) -> None:
            when = (T0 + timedelta(seconds=k)).isoformat()
            body = [
                {
                    "Datastream": {"@iot.id": d},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [[when, 5.0 + rng.random()]],
                }
                for d in rng.sample(background, BATCH)
            ]
            r = await client.post(next(bases) + "/v1.1/CreateObservations", json=body)
            if r.status_code == 201:
                sent[0] += BATCH

        async def load() -> None:
            step, k, tasks = BATCH / a.rate, 0, set()
            next_t = time.perf_counter()
            while not stop.is_set():
                task = asyncio.create_task(one_batch(k))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                k += 1
                next_t += step
                await asyncio.sleep(max(0.0, next_t - time.perf_counter()))
            await asyncio.gather(*tasks)

        loader = asyncio.create_task(load())
        await asyncio.sleep(a.warmup)
        cpu0 = {n.proc.pid: cpu_seconds(n.proc.pid) for n in c.nodes}
        nats0, sent0, t0 = nats_servers_cpu(c), sent[0], time.perf_counter()
        lat, acks, pubs, missed = [], [], [], 0
        for d in probes:
            if time.perf_counter() - t0 > a.seconds:
                break
            start = time.perf_counter()
            r = await client.post(
                f"{next(bases)}/v1.1/Datastreams({d})/Observations",
                json={"phenomenonTime": (T0 + timedelta(days=400)).isoformat(), "result": 12.5},
            )
            acked = time.perf_counter()
            assert r.status_code == 201, r.text
            acks.append(acked - start)
            p = time.perf_counter()
            await js.publish("bench.x", b"x")
            pubs.append(time.perf_counter() - p)
            rule, deadline = f"r{d}", acked + 30
            while rule not in seen and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            if rule in seen:
                lat.append(seen[rule] - acked)
            else:
                missed += 1
            await asyncio.sleep(0.03)
        window = time.perf_counter() - t0
        observations = sent[0] - sent0 + len(acks)
        cpu = {pid: cpu_seconds(pid) - before for pid, before in cpu0.items()}
        nats_cpu = nats_servers_cpu(c) - nats0
        stop.set()
        await loader
    await nc.close()
    print(f"load: {(sent[0] - sent0) / window:,.0f} obs/s during measurement (target {a.rate}/s)")
    print(
        f"acknowledgement -> incident on the log, {len(lat)} probes: p50 {pct(lat, 50):.1f} ms, "
        f"p99 {pct(lat, 99):.1f} ms, max {max(lat or [0]) * 1000:.1f} ms, {missed} over 30 s"
        "   (target p99 <= 50 ms)"
    )
    print(f"limit: HTTP acknowledgement of the probes: p50 {pct(acks, 50):.1f} ms, "
          f"p99 {pct(acks, 99):.1f} ms")  # fmt: skip
    print(f"limit: JetStream publish round trip (R3): p50 {pct(pubs, 50):.1f} ms, "
          f"p99 {pct(pubs, 99):.1f} ms")  # fmt: skip
    for k, seconds in enumerate(cpu.values()):
        print(
            f"node {k + 1}: {seconds / window * 100:.0f} % CPU, "
            f"{seconds / max(1, observations) * 1e6:.0f} µs CPU per observation of the cluster"
        )
    print(
        f"all nodes: {sum(cpu.values()) / max(1, observations) * 1e6:.0f} µs CPU per observation;"
        f" NATS servers: {nats_cpu / max(1, observations) * 1e6:.0f} µs"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    a = ap.parse_args()
    print(f"machine: {machine()}")
    ds: list[int] = []
    t = time.perf_counter()
    with Cluster(prepare=prepare(a.rules, ds)) as c:
        c.wait_balanced()
        print(f"setup: {a.rules} datastreams + rules, 3 nodes in {time.perf_counter() - t:.0f} s")
        asyncio.run(run(c, ds, a))


if __name__ == "__main__":
    main()
