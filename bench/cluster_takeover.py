"""Benchmark: how long a killed node's hazard-engine partitions stay without an owner.

Three CityOps nodes on PostgreSQL and a three-node NATS JetStream cluster; each round
kills one node with SIGKILL and times until every partition is held by a live node again
(polled on /health every 50 ms), then restarts the node and waits until the partitions
spread again. Printed beside the limit measured in the same run: how long NATS itself
keeps a key of the lease bucket's lifetime after its last renewal (a lease cannot be taken
before it expired), so that the difference is CityOps' own cost.

Usage: python bench/cluster_takeover.py [--rounds 5] [--lease 6] [--partitions 16]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _cluster import Cluster  # noqa: E402
from _common import machine  # noqa: E402


async def _key_lifetime(urls: str, ttl: float) -> float:
    """Seconds from a KV put to the key's disappearance, bucket TTL ``ttl``."""
    import nats

    nc = await nats.connect(servers=urls.split(","))
    try:
        js = nc.jetstream()
        kv = await js.create_key_value(bucket="bench_ttl", ttl=ttl, history=1, replicas=3)
        await kv.put("k", b"1")
        start = time.perf_counter()
        while True:
            try:
                await kv.get("k")
            except Exception:
                return time.perf_counter() - start
            await asyncio.sleep(0.02)
    finally:
        await nc.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--lease", type=float, default=6.0)
    ap.add_argument("--partitions", type=int, default=16)
    a = ap.parse_args()
    print(f"machine: {machine()}")
    takeovers, settles = [], []
    with Cluster(partitions=a.partitions, lease_seconds=a.lease) as c:
        assert c.nats is not None
        c.wait_balanced()
        for r in range(a.rounds):
            victim = c.nodes[r % len(c.nodes)]
            held = victim.partitions()
            victim.proc.kill()
            victim.proc.wait(10)
            takeovers.append(c.wait_balanced())
            port = victim.port
            c.nodes.remove(victim)
            c.nodes.append(c.spawn(port))
            settles.append(c.wait_balanced())
            print(f"round {r + 1}: {len(held)} partitions taken over in {takeovers[-1]:.2f} s")
        floor = asyncio.run(_key_lifetime(c.nats.urls, a.lease))
    print(
        f"takeover after kill -9 ({a.partitions} partitions, 3 nodes, lease {a.lease:g} s): "
        f"median {statistics.median(takeovers):.2f} s, max {max(takeovers):.2f} s "
        f"over {a.rounds} rounds"
    )
    print(f"spread again after the node's restart: median {statistics.median(settles):.2f} s")
    print(f"limit: a lease key's lifetime in NATS (TTL {a.lease:g} s): {floor:.2f} s")


if __name__ == "__main__":
    main()
