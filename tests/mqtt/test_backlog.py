"""The notification backlog is bounded: past the limit, commits' events are dropped and
counted instead of growing the memory while the broker is slower than ingest."""

from __future__ import annotations

import pytest

from cityops.mqtt import service as mqtt_service
from cityops.mqtt.service import MqttService
from cityops.settings import Settings
from cityops.store.base import Store
from cityops.store.writer import Event


def test_backlog_over_the_limit_is_dropped_and_counted(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mqtt_service, "EVENT_BACKLOG_MAX", 1000)
    svc = MqttService(
        Settings(database_url="sqlite://", secret_key="k", mqtt_url="mqtt://127.0.0.1:1"),
        store,
        "http://x/v1.1",
    )
    batch = [Event("created", "Observation", 1, {"ids": list(range(400))})]
    for _ in range(3):
        svc._enqueue_events(batch)  # 1,200 > 1,000: the third is dropped
    assert (svc._events.qsize(), svc.stats.dropped_notifications) == (2, 400)
    svc._enqueue_events([Event("updated", "Thing", 5, {"changed": ["name"]})])  # one entity
    assert svc._events.qsize() == 3
