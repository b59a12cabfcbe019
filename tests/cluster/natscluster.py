"""A real NATS JetStream cluster on loopback ports, for the scale-out tests.

``NatsCluster(tmp_path, nodes=3).start()`` writes one configuration per node (JetStream with
its own store directory, cluster routes to every other node, optional MQTT listener), starts
``nats-server`` for each and waits until every node answers its monitoring endpoint and the
cluster has a JetStream meta leader. ``kill(i)`` sends SIGKILL to one node; ``restart(i)``
starts it again on the same ports and store, so that it rejoins the cluster.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_nats_server() -> None:
    """Skip (or fail under CI=true) when the nats-server binary is missing."""
    if os.path.exists(NATS_SERVER):
        return
    reason = "nats-server is not installed (Debian package nats-server)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class NatsNode:
    name: str
    port: int
    cluster_port: int
    http_port: int
    mqtt_port: int | None
    store_dir: Path
    config: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


@dataclass
class NatsCluster:
    root: Path
    nodes_count: int = 3
    mqtt: bool = False
    name: str = "cityops-test"
    nodes: list[NatsNode] = field(default_factory=list)

    @property
    def urls(self) -> str:
        """All nodes' client URLs, comma-separated (the form CITYOPS_EVENTS_URL takes)."""
        return ",".join(n.url for n in self.nodes)

    def start(self, timeout: float = 30.0) -> NatsCluster:
        require_nats_server()
        for i in range(self.nodes_count):
            name = f"n{i + 1}"
            self.nodes.append(
                NatsNode(
                    name=name,
                    port=free_port(),
                    cluster_port=free_port(),
                    http_port=free_port(),
                    mqtt_port=free_port() if self.mqtt else None,
                    store_dir=self.root / name / "js",
                    config=self.root / name / "nats.conf",
                )
            )
        for node in self.nodes:
            node.store_dir.mkdir(parents=True, exist_ok=True)
            routes = ", ".join(
                f"nats://127.0.0.1:{o.cluster_port}" for o in self.nodes if o is not node
            )
            mqtt = f"mqtt {{ listen: 127.0.0.1:{node.mqtt_port} }}\n" if node.mqtt_port else ""
            node.config.write_text(
                f"server_name: {node.name}\n"
                f"listen: 127.0.0.1:{node.port}\n"
                f"http: 127.0.0.1:{node.http_port}\n"
                f"jetstream {{ store_dir: {str(node.store_dir)!r} }}\n"
                f"cluster {{ name: {self.name}, listen: 127.0.0.1:{node.cluster_port},"
                f" routes: [{routes}] }}\n" + mqtt
            )
        for i in range(len(self.nodes)):
            self._spawn(i)
        self.wait_ready(timeout)
        return self

    def _spawn(self, i: int) -> None:
        node = self.nodes[i]
        log = open(node.config.parent / "nats.log", "ab")  # noqa: SIM115 - closed with the process
        node.proc = subprocess.Popen(
            [NATS_SERVER, "-c", str(node.config)], stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Every running node is healthy with JetStream (its meta leader elected)."""
        deadline = time.monotonic() + timeout
        pending = [n for n in self.nodes if n.proc is not None and n.proc.poll() is None]
        while pending and time.monotonic() < deadline:
            node = pending[0]
            try:
                r = httpx.get(f"http://127.0.0.1:{node.http_port}/healthz?js-enabled-only=true")
                js = httpx.get(f"http://127.0.0.1:{node.http_port}/jsz").json()
                if r.status_code == 200 and js.get("meta_cluster", {}).get("leader"):
                    pending.pop(0)
                    continue
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"NATS nodes not ready: {[n.name for n in pending]}")

    def kill(self, i: int) -> None:
        proc = self.nodes[i].proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def restart(self, i: int, timeout: float = 30.0) -> None:
        self.kill(i)
        self._spawn(i)
        self.wait_ready(timeout)

    def stop(self) -> None:
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()
        for node in self.nodes:
            if node.proc is not None:
                try:
                    node.proc.wait(10)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
