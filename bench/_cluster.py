"""Shared set-up of the cluster benchmarks: a three-node NATS JetStream cluster on loopback
ports (``tests/cluster/natscluster.py``), a fresh PostgreSQL database, and CityOps nodes
(``cityops serve`` processes) on both, with per-process CPU read from /proc.

Nothing here is timed itself; each benchmark measures its own figure and its limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import CITYOPS, admin_token, free_port, wait_http  # noqa: E402
from tests.cluster.natscluster import NatsCluster  # noqa: E402

PG_ADMIN = os.environ.get("CITYOPS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def pg_database() -> str:
    name = f"cityops_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Node:
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def partitions(self) -> list[int]:
        return list(httpx.get(self.base + "/health", timeout=5).json()["engine_partitions"])


@dataclass
class Cluster:
    """NATS cluster + PostgreSQL + ``n`` CityOps nodes; ``with Cluster(...) as c``."""

    n: int = 3
    partitions: int = 16
    lease_seconds: float = 6.0
    nats: NatsCluster | None = None
    database: str = ""
    token: str = ""
    nodes: list[Node] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[str], Any] | None = None  # called with the database URL before start

    def __enter__(self) -> Cluster:
        self.nats = NatsCluster(Path(tempfile.mkdtemp(prefix="cityops-bench-nats-"))).start()
        self.database = pg_database()
        self.token = admin_token(self.database)
        if self.prepare is not None:
            self.prepare(self.database)
        self.env = {
            **os.environ,
            "CITYOPS_DATABASE_URL": self.database,
            "CITYOPS_EVENTS_URL": self.nats.urls,
            "CITYOPS_ENGINE_PARTITIONS": str(self.partitions),
            "CITYOPS_ENGINE_LEASE_SECONDS": str(self.lease_seconds),
        }
        for _ in range(self.n):
            self.nodes.append(self.spawn())
        return self

    def spawn(self, port: int | None = None) -> Node:
        port = port or free_port()
        proc = subprocess.Popen(
            [CITYOPS, "serve", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        return Node(port, proc)

    def __exit__(self, *exc: object) -> None:
        for node in self.nodes:
            if node.alive():
                node.proc.kill()
                node.proc.wait(10)
        if self.nats is not None:
            self.nats.stop()
        if self.database:
            drop_database(self.database)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def owners(self) -> dict[int, Node]:
        out: dict[int, Node] = {}
        for node in self.nodes:
            if node.alive():
                try:
                    out.update({p: node for p in node.partitions()})
                except httpx.HTTPError:
                    pass
        return out

    def balanced(self) -> bool:
        owners = self.owners()
        live = {id(n) for n in self.nodes if n.alive()}
        return len(owners) == self.partitions and {id(n) for n in owners.values()} == live

    def wait_balanced(self, timeout: float = 120.0, poll: float = 0.05) -> float:
        """Seconds until every partition is held and every live node holds some."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.balanced():
                return time.perf_counter() - start
            time.sleep(poll)
        raise RuntimeError("engine partitions did not settle")


def nats_servers_cpu(cluster: Cluster) -> float:
    assert cluster.nats is not None
    return sum(cpu_seconds(n.proc.pid) for n in cluster.nats.nodes if n.proc is not None)


def describe(cluster: Cluster) -> dict[str, Any]:
    return {"nodes": len(cluster.nodes), "partitions": cluster.partitions}
