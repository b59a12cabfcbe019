"""The one extension mechanism: entry points, for built-ins and plugins alike.

Four groups can be extended: rule types (``cityops.rules``), alert channels
(``cityops.channels``), storage backends by URL scheme (``cityops.storage``) and background
workers started with the app (``cityops.workers``). A plugin is a distribution that declares
entry points in these groups, e.g. in its ``pyproject.toml``::

    [project.entry-points."cityops.rules"]
    snowfall = "cityops_snow.rules:SnowfallRule"

The built-ins are declared the same way in CityOps's own ``pyproject.toml``. Entry points are
read from installed distribution metadata, and a source checkout run with ``PYTHONPATH=src``
has none (an editable install made before an entry was added has stale metadata), so the
built-ins are also listed in :data:`BUILTINS`, which is authoritative for the ``cityops``
distribution: its installed entry points are ignored, and a test keeps the table and
``pyproject.toml`` identical.

Decisions: a plugin may not replace a built-in or another plugin's name (the first, by
distribution name, is kept and the clash is logged); a plugin that fails to import or loads
something of the wrong kind is skipped with a logged error, so that one broken plugin never
stops the service. Objects are loaded on first use and cached; :meth:`PluginGroup.refresh`
forgets them (tests that change ``sys.path``).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from cityops.errors import InvalidInput

log = logging.getLogger(__name__)

T = TypeVar("T")
OWN_DISTRIBUTION = "cityops"

#: group -> name -> "module:attribute", in start order for workers. Keep equal to the
#: [project.entry-points] tables of pyproject.toml (tests/test_plugins.py checks it).
BUILTINS: dict[str, dict[str, str]] = {
    "cityops.rules": {
        "river_level": "cityops.rules.river:RiverLevelRule",
        "rainfall": "cityops.rules.rainfall:RainfallRule",
        "heat_index": "cityops.rules.heat:HeatIndexRule",
        "aqi": "cityops.rules.air:AqiRule",
        "vn_aqi": "cityops.rules.vn_air:VnAqiRule",
        "drought_spi": "cityops.rules.drought:DroughtSpiRule",
        "data_quality": "cityops.rules.quality:DataQualityRule",
        "river_lag": "cityops.rules.lag:RiverLagRule",
    },
    "cityops.channels": {
        "webhook": "cityops.alerting.channels.webhook:Webhook",
        "email": "cityops.alerting.channels.email:Email",
        "mqtt": "cityops.alerting.channels.mqtt:Mqtt",
        "webpush": "cityops.alerting.channels.webpush:WebPush",
    },
    "cityops.storage": {
        "sqlite": "cityops.store.sqlite:SQLiteDialect",
        "postgresql": "cityops.store.postgres:PostgresDialect",
    },
    "cityops.workers": {
        "hazard_engine": "cityops.alerting.engine_worker:hazard_engine_worker",
        "alerts": "cityops.alerting.alert_worker:alert_worker",
        "web_events": "cityops.api.web_events:web_events_worker",
        "cluster": "cityops.cluster.worker:cluster_worker",
        "mqtt": "cityops.mqtt.worker:mqtt_worker",
        "partitions": "cityops.store.partition_worker:partitions_worker",
    },
}


def load_reference(reference: str) -> object:
    """The object named by ``"package.module:attribute"``."""
    module_name, _, attribute = reference.partition(":")
    target: object = importlib.import_module(module_name)
    for part in attribute.split(".") if attribute else ():
        target = getattr(target, part)
    return target


class PluginGroup(Generic[T]):
    """The named objects of one entry-point group: built-ins first, then plugins by name.

    ``accepts`` tells whether a loaded object is of the right kind (e.g. a Rule subclass);
    ``kind`` names the group in messages ("rule type").
    """

    def __init__(self, group: str, kind: str, accepts: Callable[[object], bool]) -> None:
        self.group, self.kind, self._accepts = group, kind, accepts
        self._items: dict[str, T] | None = None
        self._lock = threading.RLock()  # a plugin module may look a name up as it loads

    def _load(self) -> dict[str, T]:
        with self._lock:
            if self._items is None:
                self._items = self._discover()
            return self._items

    def _discover(self) -> dict[str, T]:
        items: dict[str, T] = {}
        for name, reference in BUILTINS.get(self.group, {}).items():
            obj = load_reference(reference)  # a broken built-in is a bug: let it raise
            if not self._accepts(obj):
                raise TypeError(f"built-in {self.kind} {name!r} ({reference}) is not one")
            items[name] = obj  # type: ignore[assignment]
        for ep in _plugin_entry_points(self.group):
            self._add_plugin(items, ep)
        return items

    def _add_plugin(self, items: dict[str, T], ep: EntryPoint) -> None:
        source = ep.dist.name if ep.dist else "an unnamed distribution"
        if ep.name in items:
            log.error("%s %r of %s ignored: the name is taken", self.kind, ep.name, source)
            return
        try:
            obj = ep.load()
        except Exception:  # a third party's import error must not stop the service
            log.exception("%s %r of %s could not be loaded", self.kind, ep.name, source)
            return
        if not self._accepts(obj):
            log.error(
                "%s %r of %s ignored: %r is not a %s", self.kind, ep.name, source, obj, self.kind
            )
            return
        items[ep.name] = obj

    def get(self, name: str) -> T:
        """The object registered as ``name``; ``InvalidInput`` (field "type") if unknown."""
        items = self._load()
        if name not in items:
            known = ", ".join(sorted(items)) or "none"
            raise InvalidInput(f"unknown {self.kind} {name!r} (known: {known})", field="type")
        return items[name]

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._load())

    def items(self) -> list[tuple[str, T]]:
        """(name, object) pairs: built-ins in their declared order, then plugins."""
        return list(self._load().items())

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def refresh(self) -> None:
        """Forget what was loaded; the next use reads the entry points again."""
        with self._lock:
            self._items = None


def _plugin_entry_points(group: str) -> list[EntryPoint]:
    """Entry points of ``group`` from every distribution but CityOps's own, sorted by
    (distribution, name) so that clashes resolve the same way on every start."""
    found = [
        ep
        for ep in entry_points(group=group)
        if not ep.dist or _normalise(ep.dist.name) != OWN_DISTRIBUTION
    ]
    return sorted(found, key=lambda ep: (_normalise(ep.dist.name) if ep.dist else "", ep.name))


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")
