"""What differs between databases, behind one small interface.

The generic store and the services call these hooks; ``sqlite.py`` and ``postgres.py``
implement them. Backends are found by URL scheme through the ``cityops.storage`` entry
points (``cityops.plugins``), the built-in ``sqlite`` and ``postgresql`` as any plugin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from cityops.plugins import PluginGroup


class Dialect(Protocol):
    name: str

    def make_engines(self, url: str, read_pool_size: int) -> tuple[Engine, Engine]:
        """(write engine, read engine) for a database URL."""

    def least(self, *args: Any) -> ColumnElement[Any]:
        """The smallest non-NULL argument."""

    def greatest(self, *args: Any) -> ColumnElement[Any]:
        """The largest non-NULL argument."""

    def bulk_insert(
        self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], returning: bool
    ) -> list[int]:
        """Insert many rows fast; return their ids in order when ``returning``."""


class DefersInserts(Dialect, Protocol):
    """A dialect whose small inserts may wait for one statement before the commit
    (PostgreSQL: ids reserved ahead from the table's sequence)."""

    defers_inserts: bool

    def take_ids(self, conn: Connection, table: Table, n: int) -> list[int]:
        """``n`` ids of ``table``'s sequence, reserved for this transaction's rows."""


def _is_backend(obj: object) -> bool:
    return isinstance(obj, type) and callable(getattr(obj, "make_engines", None))


#: Storage backends: URL scheme -> Dialect class.
backends: PluginGroup[type[Dialect]] = PluginGroup(
    "cityops.storage", "storage backend", _is_backend
)


def backend_for(url: str) -> Dialect:
    """The backend instance for a database URL."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in backends:
        raise ValueError(f"no storage backend for {scheme!r} URLs (known: {backends.names()})")
    return backends.get(scheme)()
