"""Three real ``cityops serve`` processes acting as one: a NATS JetStream cluster (the
event log), one PostgreSQL database and a private Mosquitto (the settings of
tests/mqtt/mosquitto-test.conf), MQTT ingest shared between the nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster.natscluster import NatsCluster
from tests.e2e.conftest import Server
from tests.mqtt.broker import Broker, mqtt_env

MQTT_CLIENT = "cityops-ha"
RATE_PER_MIN = 60  # anonymous requests a minute per client address, across the cluster


@dataclass
class Site:
    nats: NatsCluster
    broker: Broker
    database: str
    admin: dict[str, str]
    nodes: list[Server] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            "CITYOPS_EVENTS_URL": self.nats.urls,
            "CITYOPS_ANONYMOUS_RATE_PER_MIN": str(RATE_PER_MIN),
            "CITYOPS_TRUSTED_PROXIES": "127.0.0.1",
            **mqtt_env(self.broker, MQTT_CLIENT, mqtt_shared_group="ha"),
        }

    def start_node(self) -> Server:
        server = Server.__new__(Server)
        server.__init__(self.database, extra_env=self.env())  # type: ignore[misc]
        return server

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
    return Site(nats, Broker(root / "mosquitto"), database, admin)
