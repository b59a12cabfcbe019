"""What every request handler needs, built once per process by ``app.py``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import TYPE_CHECKING

from fastapi import Request

from cityops.settings import Settings
from cityops.store.base import Store

if TYPE_CHECKING:
    from cityops.alerting.alert_worker import AlertWorker
    from cityops.alerting.engine import Engine
    from cityops.cluster.ingest import IngestLog
    from cityops.cluster.shared import RateUsage
    from cityops.events.bus import EventBus
    from cityops.events.partitions import EnginePartitions
    from cityops.mqtt.service import MqttService
    from cityops.web.events import Hub


@dataclass
class Services:
    """The app's long-lived services, each set by its worker (``cityops.workers`` entry
    points) when the app starts, None before (or when not configured, as MQTT without
    ``mqtt_url``). CityOps's own code reads them as typed attributes; a plugin worker adds
    its own service by name (``ctx.services["name"] = obj``, kept in ``plugins``), and every
    service can be read by name (``services["engine"]``) and listed (``sorted(services)``)."""

    engine: Engine | None = None
    alerts: AlertWorker | None = None
    mqtt: MqttService | None = None
    web_events: Hub | None = None
    events: EventBus | None = None  # the event bus (in-process, or JetStream: events_url)
    engine_partitions: EnginePartitions | None = None  # a cluster node's engine leases
    ingest_log: IngestLog | None = None  # events_url: observation writes through the log
    rate_usage: RateUsage | None = None  # events_url: rate-limit usage shared between nodes
    plugins: dict[str, object] = field(default_factory=dict)

    def _builtin(self, name: str) -> bool:
        return name != "plugins" and name in {f.name for f in fields(self)}

    def __getitem__(self, name: str) -> object:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def get(self, name: str, default: object = None) -> object:
        """The service ``name`` if it was started, else ``default``."""
        value = getattr(self, name) if self._builtin(name) else self.plugins.get(name)
        return default if value is None else value

    def __setitem__(self, name: str, service: object) -> None:
        if self._builtin(name):
            setattr(self, name, service)
        else:
            self.plugins[name] = service

    def __iter__(self) -> Iterator[str]:
        """The names of the services that are set (built-ins first)."""
        builtins = [f.name for f in fields(self) if self._builtin(f.name)]
        yield from (n for n in builtins if getattr(self, n) is not None)
        yield from self.plugins

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


@dataclass
class Context:
    settings: Settings
    store: Store
    services: Services = field(default_factory=Services)

    def public_base(self, request: Request) -> str:
        """The base of every absolute link, without a trailing slash: ``public_url``; else
        the request's own origin if its Host is one we serve (``allowed_hosts``, the
        listen address, loopback names); else the listen address. Never an arbitrary Host
        header, which would let anyone make our answers (and caches of them) link elsewhere.
        """
        s = self.settings
        if s.public_url:
            return s.public_url.rstrip("/")
        host = (request.url.hostname or "").lower().strip("[]")
        if host in _trusted_hosts(s.allowed_hosts, s.host):
            return str(request.base_url).rstrip("/")
        listen = "localhost" if s.host in ("0.0.0.0", "::", "") else s.host
        listen = f"[{listen}]" if ":" in listen else listen
        return f"http://{listen}:{s.port}"

    def root_url(self, request: Request) -> str:
        """The absolute URL of the SensorThings service root."""
        return self.public_base(request) + "/v1.1"


@lru_cache(maxsize=8)
def _trusted_hosts(allowed: str, listen: str) -> frozenset[str]:
    names = {n.lower() for n in allowed.replace(",", " ").split()}
    return frozenset(names | {listen.lower(), "localhost", "127.0.0.1", "::1"})


def ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]
