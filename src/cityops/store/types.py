"""Column types that differ between SQLite and PostgreSQL/PostGIS.

Callers see one type; each dialect stores it natively:
- ``UTCDateTime``: ``timestamptz`` on PostgreSQL, ISO text in UTC on SQLite
  (fixed width, so text order is time order and indexes work).
- ``Geometry``: PostGIS ``geometry(Geometry, 4326)`` on PostgreSQL, WKT text on SQLite.
- ``JSONDoc``: ``jsonb`` on PostgreSQL, JSON text on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator, UserDefinedType


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        when: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if when.tzinfo is None:
            return when.replace(tzinfo=UTC)
        return when.astimezone(UTC)


class PostGISGeometry(UserDefinedType[str]):
    """``geometry(Geometry,4326)``; reflection passes the type modifiers, always these."""

    cache_ok = True

    def __init__(self, *modifiers: Any) -> None:
        super().__init__()

    def get_col_spec(self, **kw: Any) -> str:
        return "geometry(Geometry,4326)"


class Geometry(TypeDecorator[str]):
    """A geometry given and returned as WKT (SRID 4326, lon/lat order)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry())
        return dialect.type_descriptor(Text())

    def bind_expression(self, bindvalue: Any) -> Any:
        return _GeomFromText(bindvalue)

    def column_expression(self, col: Any) -> Any:
        return _GeomAsText(col)


from sqlalchemy.sql.functions import GenericFunction  # noqa: E402


class _GeomFromText(GenericFunction[str]):
    name = "geom_from_text"
    inherit_cache = True


class _GeomAsText(GenericFunction[str]):
    name = "geom_as_text"
    inherit_cache = True


@compiles(_GeomFromText)
def _from_text_default(element: Any, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # type: ignore[no-any-return]


@compiles(_GeomFromText, "postgresql")
def _from_text_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ST_GeomFromText({compiler.process(element.clauses, **kw)}, 4326)"


@compiles(_GeomAsText)
def _as_text_default(element: Any, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # type: ignore[no-any-return]


@compiles(_GeomAsText, "postgresql")
def _as_text_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ST_AsText({compiler.process(element.clauses, **kw)})"


# none_as_null: Python None is stored as SQL NULL, not as the JSON text "null" (which every
# read would have to decode, and which takes room in every row of the big tables).
JSONDoc = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
