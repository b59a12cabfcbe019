"""The JetStream bus and engine leases on a real three-node NATS cluster, with in-process
"nodes" (a bus each) so that the cases stay small: no event lost while the stream has no
quorum, each event once per cluster-wide group, partitions spread and taken over."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cityops.events.codec import partition_of
from cityops.events.jetstream import JetStreamBus
from cityops.events.partitions import EnginePartitions
from cityops.store.base import Store
from cityops.store.writer import Event, Tx
from tests.cluster.engine_nodes import wait_for
from tests.cluster.natscluster import NatsCluster


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[list[Store]]:
    """Three stores (events only: their jobs write no table)."""
    out = [Store(f"sqlite:///{tmp_path / f'n{i}.db'}", read_pool_size=1) for i in range(3)]
    yield out
    for st in out:
        st.close()


def _emit(store: Store, first: int, count: int) -> None:
    for i in range(first, first + count):
        store.write_sync(partial(_thing_changed, ident=i))


def _thing_changed(tx: Tx, ident: int) -> None:
    tx.emit("updated", "Thing", ident, org_id=1)


class Collector:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, events: list[Event]) -> None:
        with self.lock:
            self.ids.extend(e.id for e in events)


def test_no_event_is_lost_while_the_stream_has_no_quorum(
    nats_cluster: NatsCluster, stores: list[Store]
) -> None:
    bus = JetStreamBus(stores[0], nats_cluster.urls, node="a")
    bus.start()
    seen = Collector()
    bus.subscribe(seen)
    try:
        _emit(stores[0], 0, 10)
        wait_for(lambda: len(seen.ids) == 10, 30, "the first events")
        nats_cluster.kill(1)
        nats_cluster.kill(2)  # two of three: the stream cannot accept a message
        _emit(stores[0], 10, 20)  # committed while NATS cannot take them
        time.sleep(1)
        assert len(seen.ids) == 10  # held back, not yet in the log
        nats_cluster.restart(1)
        nats_cluster.restart(2)
        wait_for(lambda: len(seen.ids) >= 30, 90, "the events held in the outbox")
        time.sleep(1)  # a duplicate would arrive right behind
        assert sorted(seen.ids) == list(range(30))
        assert bus.stats["dropped"] == 0
    finally:
        bus.stop()


def test_a_group_gets_each_event_once_across_nodes(
    nats_cluster: NatsCluster, stores: list[Store]
) -> None:
    buses = [JetStreamBus(st, nats_cluster.urls, node=f"n{i}") for i, st in enumerate(stores)]
    for bus in buses:
        bus.start()
    groups = [Collector() for _ in buses]
    everyone = [Collector() for _ in buses]
    try:
        for bus, group, every in zip(buses, groups, everyone, strict=True):
            bus.subscribe(group, group="notify")
            bus.subscribe(every)
        _emit(stores[0], 0, 60)
        _emit(stores[1], 60, 60)  # two nodes commit
        wait_for(lambda: sum(len(g.ids) for g in groups) >= 120, 60, "the group's events")
        wait_for(lambda: all(len(e.ids) >= 120 for e in everyone), 60, "every node's events")
        time.sleep(1)
        assert sorted(i for g in groups for i in g.ids) == list(range(120))  # once
        assert all(sorted(e.ids) == list(range(120)) for e in everyone)  # per node: all
    finally:
        for bus in buses:
            bus.stop()


def test_partitions_spread_over_nodes_and_a_dead_nodes_are_taken(
    nats_cluster: NatsCluster, stores: list[Store]
) -> None:
    owned: dict[str, frozenset[int]] = {}

    def node(i: int) -> tuple[JetStreamBus, EnginePartitions]:
        bus = JetStreamBus(
            stores[i], nats_cluster.urls, node=f"n{i}", partitions=6, lease_seconds=1.5
        )
        bus.start()

        def reown(parts: frozenset[int], name: str = f"n{i}") -> Future[Any]:
            owned[name] = parts
            done: Future[Any] = Future()
            done.set_result(None)
            return done

        def submit(events: list[Event]) -> Future[Any]:
            done: Future[Any] = Future()
            done.set_result(None)
            return done

        parts = EnginePartitions(bus, submit, reown, dict)
        parts.start()
        return bus, parts

    nodes = [node(i) for i in range(3)]
    try:

        def spread(names: list[str], each: int) -> bool:
            sets = [owned.get(n, frozenset()) for n in names]
            together = frozenset().union(*sets)
            return together == frozenset(range(6)) and all(len(s) == each for s in sets)

        wait_for(lambda: spread(["n0", "n1", "n2"], 2), 60, "two partitions per node")
        dead_bus, dead_parts = nodes[2]
        dead_bus.run(_vanish(dead_bus, dead_parts)).result(10)  # like kill -9: no release
        wait_for(lambda: spread(["n0", "n1"], 3), 60, "the dead node's partitions taken")
    finally:
        for bus, parts in nodes[:2]:
            parts.stop()
            bus.stop()


async def _vanish(bus: JetStreamBus, parts: EnginePartitions) -> None:
    """Stop renewing and consuming without releasing anything, then drop the connection."""
    if parts._task is not None:
        parts._task.cancel()
    for task in parts.consumers.values():
        task.cancel()
    if bus._nc is not None:
        await bus._nc.close()


def test_a_second_input_is_forwarded_to_the_rules_home_partition(
    nats_cluster: NatsCluster, stores: list[Store]
) -> None:
    """A rule reading two datastreams of different partitions is evaluated at the home
    partition (its lowest-id input's): the other input's batches are forwarded there."""
    count = 4
    low = 1
    high = next(d for d in range(2, 100) if partition_of(d, count) != partition_of(low, count))
    home = partition_of(low, count)
    got: list[int] = []  # datastreams of the batches the engine was given
    bus = JetStreamBus(stores[0], nats_cluster.urls, node="solo", partitions=count)
    bus.start()

    def submit(events: list[Event]) -> Future[Any]:
        got.extend(e.id for e in events)
        done: Future[Any] = Future()
        done.set_result(None)
        return done

    def reown(parts: frozenset[int]) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(None)
        return done

    parts = EnginePartitions(bus, submit, reown, lambda: {7: frozenset({low, high})})
    parts.start()
    try:
        wait_for(lambda: len(parts.owned) == count, 30, "one node holding every partition")
        stores[0].write_sync(lambda tx: tx.emit("created", "Observation", high, ids=[1]))
        wait_for(lambda: len(got) == 2, 30, "the batch and its forwarded copy")
        assert got == [high, high]  # its own partition's, and the copy at the rule's home
        assert parts.stats["forwarded"] == 1 and home != partition_of(high, count)
    finally:
        parts.stop()
        bus.stop()
