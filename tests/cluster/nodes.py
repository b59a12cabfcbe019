"""Three real ``cityops serve`` processes acting as one: a NATS JetStream cluster (the
event log), one PostgreSQL database and a private Mosquitto (the settings of
tests/mqtt/mosquitto-test.conf), MQTT ingest shared between the nodes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster.natscluster import NatsCluster
from tests.e2e.conftest import CITYOPS, Server, free_port
from tests.mqtt.broker import Broker, mqtt_env

MQTT_CLIENT = "cityops-ha"
RATE_PER_MIN = 60  # anonymous requests a minute per client address, across the cluster


class Node(Server):
    """A ``cityops serve`` process like ``Server``, its output in a file: a pipe nobody
    reads fills up with a long test's log lines and then blocks the server."""

    def __init__(self, database: str, env: dict[str, str], logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.log = logs / f"node-{self.port}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [CITYOPS, "serve", "--port", str(self.port)],
                env={**os.environ, "CITYOPS_DATABASE_URL": database, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait()
        except BaseException:
            self.stop(kill=True)
            raise


@dataclass
class Site:
    nats: NatsCluster
    broker: Broker
    database: str
    admin: dict[str, str]
    logs: Path = Path(".")
    nodes: list[Server] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            "CITYOPS_EVENTS_URL": self.nats.urls,
            "CITYOPS_ANONYMOUS_RATE_PER_MIN": str(RATE_PER_MIN),
            "CITYOPS_TRUSTED_PROXIES": "127.0.0.1",
            **mqtt_env(self.broker, MQTT_CLIENT, mqtt_shared_group="ha"),
        }

    def start_node(self) -> Server:
        return Node(self.database, self.env(), self.logs)

    def start(self, count: int = 3) -> Site:
        for _ in range(count):
            self.nodes.append(self.start_node())
        return self

    def stop(self) -> None:
        for node in self.nodes:
            if hasattr(node, "proc"):
                node.stop(kill=True)


def make_site(root: Path, database: str, admin: dict[str, str]) -> Site:
    nats = NatsCluster(root / "nats", nodes_count=3).start()
    (root / "logs").mkdir(parents=True, exist_ok=True)
    return Site(nats, Broker(root / "mosquitto"), database, admin, root / "logs")
