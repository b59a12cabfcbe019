from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.natscluster import NatsCluster


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """Three NATS servers with JetStream, clustered on loopback ports."""
    cluster = NatsCluster(tmp_path / "nats", nodes_count=3).start()
    try:
        yield cluster
    finally:
        cluster.stop()
