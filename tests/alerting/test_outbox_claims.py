"""Alert deliveries are claimed by one node at a time: with several CityOps nodes on one
PostgreSQL database, two delivery loops claiming at the same moment never get the same
delivery (which would send a warning twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cityops.alerting.channels.outbox import claim_due
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx


def _insert(tx: Tx, table: Any, **values: Any) -> int:
    key = tx.conn.execute(table.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _pending_delivery(store: Store) -> int:
    now = datetime.now(UTC)

    def job(tx: Tx) -> int:
        alert = _insert(
            tx, s.alerts, sender="ops@example.org", status="issued", msg_type="Alert",
            created_at=now, updated_at=now,
        )  # fmt: skip
        sub = _insert(
            tx, s.alert_subscriptions, name="desk", channel="webhook",
            target="http://127.0.0.1:9/", created_at=now,
        )  # fmt: skip
        return _insert(
            tx, s.alert_deliveries, alert_id=alert, subscription_id=sub, status="pending",
            next_attempt_at=now - timedelta(seconds=1), created_at=now, updated_at=now,
        )  # fmt: skip

    return int(store.write_sync(job))


def test_two_nodes_claiming_at_once_never_share_a_delivery(store: Store) -> None:
    if store.kind != "postgresql":
        pytest.skip("one writer process on SQLite: claims cannot overlap")
    delivery = _pending_delivery(store)
    with store.write_engine.connect() as one, store.write_engine.connect() as two:
        first = one.begin()
        claimed_one = claim_due(Tx(one, store.dialect), lease=60)
        second = two.begin()
        two.exec_driver_sql("SET LOCAL lock_timeout = '5s'")  # a shared claim fails, not hangs
        claimed_two = claim_due(Tx(two, store.dialect), lease=60)  # while one holds its claim
        first.commit()
        second.commit()
    assert [c.id for c in claimed_one] == [delivery]
    assert claimed_two == []
