"""The start-up check of the MQTT broker (``cluster.broker``) against real Mosquittos: one
with Mosquitto's default queue limit (1000 messages per offline session), which it
refuses, and one with the settings of tests/mqtt/mosquitto-test.conf, which it accepts."""

from __future__ import annotations

import asyncio
import getpass
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityops.cluster.broker import PROBE_MESSAGES, BrokerDropsMessages, check_queue, probe_queue
from cityops.settings import Settings
from tests.conftest import require_service
from tests.e2e.conftest import free_port
from tests.mqtt.broker import Broker
from tests.mqtt.conftest import broker_up


def _settings(port: int) -> Settings:
    return Settings(mqtt_url=f"mqtt://127.0.0.1:{port}")  # type: ignore[call-arg]


@pytest.fixture
def default_broker(tmp_path: Path) -> Iterator[int]:
    """A Mosquitto with its default queue limits on a free port."""
    require_service(shutil.which("mosquitto") is not None, "the mosquitto binary")
    port = free_port()
    conf = tmp_path / "default.conf"
    conf.write_text(f"allow_anonymous true\nlistener {port} 127.0.0.1\nuser {getpass.getuser()}\n")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if broker_up("127.0.0.1", port):
                break
            asyncio.run(asyncio.sleep(0.05))
        yield port
    finally:
        proc.kill()
        proc.wait(10)


def test_a_broker_with_the_default_queue_limit_is_refused(default_broker: int) -> None:
    settings = _settings(default_broker)
    kept = asyncio.run(probe_queue(settings))
    assert kept < PROBE_MESSAGES  # Mosquitto dropped what exceeded its queue
    with pytest.raises(BrokerDropsMessages, match="max_queued_messages 0"):
        asyncio.run(check_queue(settings))


def test_a_broker_that_keeps_queued_messages_is_accepted(tmp_path: Path) -> None:
    require_service(shutil.which("mosquitto") is not None, "the mosquitto binary")
    broker = Broker(tmp_path / "broker")
    try:
        asyncio.run(check_queue(_settings(broker.port)))  # no exception
    finally:
        broker.stop()
