"""No loss across a CityOps restart: kill ``cityops serve`` in the middle of a 10,000-message
QoS 1 publish (SIGKILL, and SIGTERM), start it again, and find exactly 10,000 observations,
each stored once.

The test runs its own Mosquitto (``private_broker``, tests/mqtt/broker.py) from
``tests/mqtt/mosquitto-test.conf`` (the broker settings needed for no loss, see
docs/architecture.md, "MQTT") on a free port with its persistence in ``tmp_path``: the shared
development broker keeps at most 1000 messages for an offline session. Without the
``mosquitto`` binary the test skips (fails in CI).
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import Server
from tests.mqtt.broker import (
    Broker,
    Publisher,
    assert_each_once,
    mqtt_env,
    new_device,
    new_site,
    wait_count,
    wait_subscribed,
)

pytestmark = [pytest.mark.mqtt, pytest.mark.e2e]

TOTAL = 10_000
GATE = TOTAL // 2  # the publisher waits here until CityOps was killed
KILL_AFTER = 500  # kill once CityOps stored this many: in the middle of its ingest


@pytest.mark.parametrize("how", ["kill", "terminate"])
def test_restart_mid_publish_stores_each_message_once(
    how: str, private_broker: Broker, tmp_path: Path
) -> None:
    """SIGKILL (nothing cleaned up) or SIGTERM (a clean stop) while messages are in flight."""
    db = f"sqlite:///{tmp_path / 'restart.db'}"
    admin = new_site(db)
    client_id = f"cityops-restart-{uuid.uuid4().hex[:8]}"
    prefix = f"restart-{uuid.uuid4().hex[:8]}/"
    env = mqtt_env(private_broker, client_id, mqtt_create_prefix=prefix)

    server = Server(db, env)
    try:
        [ds], token = new_device(server, admin)
        path = f"Datastreams({ds})/Observations"
        wait_subscribed(private_broker.port, client_id)

        resume = threading.Event()

        def gate() -> None:
            assert resume.wait(120), "CityOps was not killed"

        publisher = Publisher(
            private_broker.port, lambda n: f"{prefix}v1.1/{path}", token, TOTAL, hooks={GATE: gate}
        )
        publisher.start()
        before_kill = wait_count(server, admin, path, KILL_AFTER, timeout=60)
        assert before_kill >= KILL_AFTER, f"CityOps stored only {before_kill} before the kill"
        server.stop(kill=how == "kill")
        published_at_kill = publisher.acked
        assert before_kill < TOTAL and published_at_kill <= GATE  # really in the middle
        resume.set()  # the rest is published while CityOps is down
        publisher.finish()

        server = Server(db, env)
        assert_each_once(server, admin, path, TOTAL, timeout=120)
    finally:
        server.stop()
