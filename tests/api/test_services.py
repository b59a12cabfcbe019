"""The app's services: typed attributes for CityOps's own workers, names for plugins."""

from __future__ import annotations

from typing import Any

import pytest

from cityops.alerting.alert_worker import AlertWorker
from cityops.alerting.engine import Engine
from cityops.api.context import Services
from cityops.web.events import Hub


def test_nothing_is_started_before_the_workers_run() -> None:
    services = Services()
    assert list(services) == [] and "engine" not in services
    assert services.get("engine") is None and services.get("ticker", 1) == 1
    with pytest.raises(KeyError):
        services["engine"]


def test_built_ins_by_attribute_plugins_by_name() -> None:
    services = Services()
    marker = object()
    services["ticker"] = marker  # a plugin worker's own service
    services["mqtt"] = "a built-in set by name"  # type: ignore[assignment]
    assert services.plugins == {"ticker": marker} and services["ticker"] is marker
    assert services.mqtt == "a built-in set by name"
    assert sorted(services) == ["mqtt", "ticker"] and "ticker" in services


async def test_the_app_starts_its_services(app: Any) -> None:
    services: Services = app.state.ctx.services  # the fixture runs the app's lifespan
    assert isinstance(services.engine, Engine)
    assert isinstance(services.alerts, AlertWorker)
    assert isinstance(services.web_events, Hub)
    assert services.mqtt is None  # no mqtt_url: the MQTT worker stays idle
    assert services["engine"] is services.engine
    assert {"engine", "alerts", "web_events"} <= set(services)
