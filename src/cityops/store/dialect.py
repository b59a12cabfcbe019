"""What differs between databases, behind one small interface.

The generic store and the services call these hooks; ``sqlite.py`` and ``postgres.py``
implement them. Backends are registered by URL scheme in ``BACKENDS`` (the same small
registry a plugin would use).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement


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


BACKENDS: dict[str, type[Dialect]] = {}


def register_backend(scheme: str, cls: type[Dialect]) -> None:
    """Register a storage backend for URLs starting with ``scheme``."""
    BACKENDS[scheme] = cls


def backend_for(url: str) -> Dialect:
    """The backend instance for a database URL."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in BACKENDS:
        from cityops.store import postgres, sqlite  # noqa: F401  (they register themselves)
    try:
        return BACKENDS[scheme]()
    except KeyError:
        raise ValueError(f"no storage backend for {scheme!r} URLs") from None
