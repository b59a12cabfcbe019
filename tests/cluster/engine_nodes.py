"""Three real CityOps nodes (``cityops serve`` processes) on one PostgreSQL database and a
three-node NATS JetStream cluster: the event log and the partitioned hazard engine."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.conftest import Server


@dataclass
class CityOpsCluster:
    database: str
    events_url: str
    token: str
    partitions: int = 6
    lease_seconds: float = 3.0
    nodes: list[Server] = field(default_factory=list)

    def start(self, count: int = 3) -> CityOpsCluster:
        env = {
            "CITYOPS_EVENTS_URL": self.events_url,
            "CITYOPS_ENGINE_PARTITIONS": str(self.partitions),
            "CITYOPS_ENGINE_LEASE_SECONDS": str(self.lease_seconds),
        }
        for _ in range(count):
            self.nodes.append(Server(self.database, extra_env=env))
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop(kill=True)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def health(self, node: Server) -> dict[str, Any]:
        return httpx.get(node.url + "/health", timeout=5).json()  # type: ignore[no-any-return]

    def owners(self) -> dict[int, Server]:
        """Engine partition -> the live node holding it (as the nodes report)."""
        out: dict[int, Server] = {}
        for node in self.nodes:
            if node.proc.poll() is None:
                for p in self.health(node)["engine_partitions"]:
                    out[p] = node
        return out

    def wait_balanced(self, timeout: float = 90.0) -> dict[int, Server]:
        """Every partition owned, by every live node (leases have spread)."""
        live = {id(n) for n in self.nodes if n.proc.poll() is None}

        def probe() -> dict[int, Server] | None:
            owners = self.owners()
            spread = {id(n) for n in owners.values()} == live
            return owners if len(owners) == self.partitions and spread else None

        return wait_for(probe, timeout, "engine partitions spread over the live nodes")  # type: ignore[no-any-return]


def wait_for(probe: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")
