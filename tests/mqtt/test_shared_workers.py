"""Several workers share the MQTT subscriptions (PostgreSQL): ``cityops serve --workers 2``
as a real process with ``mqtt_shared_group`` set subscribes ``$share/<group>/...`` from each
worker process, each under its own slot client id ``<client id>-<n>`` (``worker.claim_slot``).
A device publishes 5,000 QoS 1 observations over four Datastreams; each is stored exactly
once, the broker split them between the two workers (each worker's retained counters on
``cityops/status/<client id>-<n>`` report stored > 0), and the counters add up: stored sums
to 5,000, no duplicates, no rejections.

With the spec topics (no create prefix) CityOps' own notifications on ``v1.1/Observations``
and ``v1.1/<set>(<id>)/Observations`` match its create subscriptions, and ``no_local`` is not
allowed on shared subscriptions: they come back (to either worker) and are counted as
``echoes`` (recognised by the ``cityops-origin`` user property), neither stored nor
``received``.

The test runs its own Mosquitto (``private_broker``): the stock broker on 1883 drops a
backlog over 1000 messages. It needs PostgreSQL (skips without it, fails with CI=true).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _drop_pg, _pg_database, require_service
from tests.e2e.conftest import Server
from tests.mqtt.broker import (
    Broker,
    Publisher,
    Status,
    StatusProbe,
    assert_each_once,
    mqtt_env,
    new_device,
    new_site,
)

pytestmark = [pytest.mark.mqtt, pytest.mark.e2e, pytest.mark.postgres]

TOTAL = 5_000
STREAMS = 4
WORKERS = 2


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (dropped afterwards)."""
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    try:
        yield url
    finally:
        _drop_pg(url)


def test_shared_subscription_splits_the_load_and_stores_each_once(
    private_broker: Broker, pg_database: str, tmp_path: Path
) -> None:
    admin = new_site(pg_database)
    client_id = f"cityops-shared-{uuid.uuid4().hex[:8]}"
    slots = [f"{client_id}-{n}" for n in range(WORKERS)]
    env = {
        **mqtt_env(
            private_broker, client_id, mqtt_shared_group="cityops-workers", mqtt_notify="true"
        ),
        "TMPDIR": str(tmp_path),
    }  # where the workers keep their slot lock files
    server = Server(pg_database, env, args=("--workers", str(WORKERS)))
    try:
        with StatusProbe(private_broker.port, "+") as probe:  # both workers subscribed
            probe.wait(lambda s: set(slots) <= set(s), 90, f"workers {slots} subscribed")
        streams, token = new_device(server, admin, STREAMS)

        publisher = Publisher(
            private_broker.port,
            lambda n: f"v1.1/Datastreams({streams[n % STREAMS]})/Observations",
            token,
            TOTAL,
        )
        publisher.start()
        publisher.finish()
        assert_each_once(server, admin, "Observations", TOTAL, timeout=120)

        def counted(s: dict[str, Status]) -> bool:  # stored and echoes as expected below
            return all(
                sum(s.get(slot, {}).get(key, 0) for slot in slots) >= TOTAL
                for key in ("stored", "echoes")
            )

        with StatusProbe(private_broker.port, "+") as probe:
            status = probe.wait(counted, 15, "the workers' counters")
        assert set(status) == set(slots), f"unexpected CityOps clients: {sorted(status)}"
        workers = [status[slot] for slot in slots]
        print(f"\n{TOTAL} published; per worker: {workers}")
        assert all(w["stored"] > 0 for w in workers), f"the load was not split: {workers}"
        assert sum(w["stored"] for w in workers) == TOTAL, workers
        for w in workers:
            assert (w["duplicates"], w["rejected"], w["write_failures"]) == (0, 0, 0), w
            assert w["received"] == w["stored"], w  # echoes are not received creates
        # every create is notified at least on v1.1/Observations, which comes back once
        echoes, published = (sum(w[k] for w in workers) for k in ("echoes", "published"))
        assert TOTAL <= echoes <= published, (echoes, published)
    finally:
        server.stop()


def test_without_a_shared_group_one_worker_runs_mqtt(
    private_broker: Broker, pg_database: str, tmp_path: Path
) -> None:
    """``--workers 2`` without ``mqtt_shared_group``: one worker holds the client id, the
    other serves HTTP only, so the two never take the session from each other (the broker
    drops the older of two connections with one client id)."""
    admin = new_site(pg_database)
    client_id = f"cityops-single-{uuid.uuid4().hex[:8]}"
    env = {**mqtt_env(private_broker, client_id), "TMPDIR": str(tmp_path)}
    server = Server(pg_database, env, args=("--workers", str(WORKERS)))
    try:
        [ds], token = new_device(server, admin)
        with StatusProbe(private_broker.port, "+") as probe:
            probe.wait(lambda s: client_id in s, 60, "the MQTT worker subscribed")
        publisher = Publisher(
            private_broker.port, lambda n: f"v1.1/Datastreams({ds})/Observations", token, 500
        )
        publisher.start()
        publisher.finish()
        assert_each_once(server, admin, f"Datastreams({ds})/Observations", 500, timeout=60)
        with StatusProbe(private_broker.port, "+") as probe:
            status = probe.wait(
                lambda s: s.get(client_id, {}).get("stored") == 500,
                15,
                "the MQTT worker's counters",
            )
        assert set(status) == {client_id}, sorted(status)  # no second MQTT client
        assert status[client_id]["connects"] == 1, status  # never pushed off the broker
        locks = sorted(p.name for p in tmp_path.glob("cityops-mqtt-*.lock"))
        assert locks == [f"cityops-mqtt-{client_id}.lock"], locks
    finally:
        server.stop()
