"""No loss across a BROKER restart: Mosquitto is stopped in the middle of a 10,000-message
QoS 1 publish and started again on the same port from the same persistence folder; CityOps
(a real ``cityops serve`` process on SQLite) and the device reconnect by themselves, and
exactly 10,000 observations are stored, each once.

What is in flight when the broker stops, and how it comes back:
- messages the device published that the broker has not acknowledged: the device re-sends
  them once reconnected (paho, the same packet with DUP set). Where the broker had taken
  one and only its PUBACK was lost, it now has it twice: CityOps recognises the second by
  its receipt key (the device sends no ``message-id`` here, so the key is the hash of topic
  and payload);
- messages queued for CityOps' session, or delivered to CityOps but not yet acknowledged
  (it acknowledges only after the commit): Mosquitto writes them to its persistence file on
  the clean stop and delivers them again to the session CityOps resumes; those CityOps had
  already committed are counted as duplicates, not stored again.

Decision: the broker is stopped cleanly (SIGTERM), not killed. Mosquitto writes its
persistence file on a clean stop and otherwise only every ``autosave_interval`` (1 s in
mosquitto-test.conf). After a SIGKILL it comes back from the last autosave, so it may have
forgotten up to a second of messages it had already acknowledged to the device (which,
rightly, never sends them again) and of acknowledgements it had received from CityOps
(those messages come again and are recognised as duplicates). The loss is the broker's
durability guarantee, which no client can make up for, not CityOps'; a test of it would
measure Mosquitto with a timing-dependent outcome. What CityOps owns (reconnecting with
backoff, resuming its session, acknowledging only after the commit, recognising
redeliveries) is the same after either stop, and the clean stop makes the expected outcome
exact: every message, once. Production brokers should be stopped cleanly for upgrades.

Besides the stored observations the test checks that CityOps is back within seconds (its
backoff: about 1 s, then 2 s, 4 s), and its retained counters (``cityops/status/<client
id>``): all 10,000 counted as stored, every redelivery as a duplicate, two connections.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import Server
from tests.mqtt.broker import (
    Broker,
    Publisher,
    StatusProbe,
    assert_each_once,
    mqtt_env,
    new_device,
    new_site,
    wait_count,
    wait_subscribed,
)

pytestmark = [pytest.mark.mqtt, pytest.mark.e2e]

TOTAL = 10_000
RATE = 2_000  # messages a second from the device: the publish lasts about 5 s
STOP_AFTER = 1_000  # stop the broker once CityOps stored this many: in the middle of both
DOWN = 1.0  # seconds the broker stays down (the device keeps publishing into its window)
RECONNECT_WITHIN = 15.0  # CityOps' backoff tries after about 1 s, 3 s, 7 s: back well before


def test_broker_restart_mid_publish_stores_each_message_once(
    private_broker: Broker, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'broker-restart.db'}"
    admin = new_site(db)
    client_id = f"cityops-broker-restart-{uuid.uuid4().hex[:8]}"
    server = Server(db, mqtt_env(private_broker, client_id))
    try:
        [ds], token = new_device(server, admin)
        path = f"Datastreams({ds})/Observations"
        wait_subscribed(private_broker.port, client_id)

        publisher = Publisher(
            private_broker.port,
            lambda n: f"v1.1/{path}",
            token,
            TOTAL,
            message_ids=False,
            window=100,
            rate=RATE,
        )
        publisher.start()
        before_stop = wait_count(server, admin, path, STOP_AFTER, timeout=60)
        private_broker.stop()  # SIGTERM: Mosquitto saves sessions and queues, then exits
        acked_at_stop = publisher.acked
        time.sleep(DOWN)
        private_broker.start()  # same port, same persistence folder
        assert before_stop >= STOP_AFTER, f"CityOps stored only {before_stop} before the stop"
        assert acked_at_stop < TOTAL, "the publish was over before the broker stopped"
        restarted = time.monotonic()
        with StatusProbe(private_broker.port, client_id) as probe:  # sent after its CONNACK
            probe.wait(
                lambda s: s.get(client_id, {}).get("connects", 0) >= 2,
                120,
                "CityOps reconnected by itself after the restart",
            )
        reconnected_after = time.monotonic() - restarted

        publisher.finish()
        assert publisher.connects >= 2, "the device did not reconnect"
        assert_each_once(server, admin, path, TOTAL, timeout=120)
        assert reconnected_after < RECONNECT_WITHIN, (
            f"CityOps reconnected {reconnected_after:.0f} s after the broker came back"
        )

        with StatusProbe(private_broker.port, client_id) as probe:
            status = probe.wait(
                lambda s: s.get(client_id, {}).get("stored") == TOTAL,
                15,
                f"CityOps' 'stored' counter at {TOTAL}, the observations "
                "in the database (less: committed ones went uncounted)",
            )[client_id]
        assert status["connects"] == 2 and status["connection_errors"] >= 1, status
        assert (status["rejected"], status["write_failures"], status["echoes"]) == (0, 0, 0)
        assert status["received"] == TOTAL + status["duplicates"], status
        print(
            f"\nbroker stopped with {before_stop}+ stored and {acked_at_stop} acknowledged "
            f"to the device; CityOps back after {reconnected_after:.1f} s; {status}"
        )
    finally:
        server.stop()
