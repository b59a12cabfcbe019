"""The SensorThings query language: ``$filter``, ``$orderby``, ``$top``, ``$skip``,
``$count``, ``$select``, ``$expand`` and ``$resultFormat`` (OGC 18-088 section 9.3).

Decision: our own small parser rather than odata-query 0.10. odata-query lacks
``substringof`` and the ``st_*`` functions, has no SQL visitor for navigation paths, and
its SQLAlchemy output is neither dialect-neutral for our stored types (UTC text times and
WKT on SQLite; timestamptz and PostGIS on PostgreSQL) nor index-aware for the
interval-valued times of Observations. The grammar is small (a Pratt parser of ~200
lines), and owning it gives exact error positions and the two-valued null semantics that
the SQL compiler and the Python evaluator share (checked by differential tests).

Pipeline: ``parse_options`` (text -> QueryOptions with syntax trees, no entity model
needed) -> ``validate_options`` (names checked against ``datamodel/entities.py``) ->
``compile_filter`` / ``compile_orderby`` (SQLAlchemy Core, both dialects).
"""

from __future__ import annotations

from sqlalchemy.sql.expression import FromClause

from cityops.datamodel.entities import EntityType, entity
from cityops.errors import InvalidQuery
from cityops.sta.query.ast import Node
from cityops.sta.query.compiler import compile_filter, compile_orderby
from cityops.sta.query.evaluate import evaluate
from cityops.sta.query.options import ExpandItem, OrderItem, QueryOptions, parse_options
from cityops.sta.query.parser import parse_filter
from cityops.sta.query.paths import ID_NAMES

SELECT_EXTRA = frozenset(ID_NAMES) | {"@iot.selfLink"}


def validate_options(opts: QueryOptions, et: EntityType, table: FromClause | None = None) -> None:
    """Check every name in ``opts`` (recursively through $expand) against the entity
    model and compile $filter/$orderby once, so that type errors surface as InvalidQuery
    before any SQL runs."""
    table = et.table if table is None else table
    if opts.filter is not None:
        compile_filter(opts.filter, et, table, None)
    if opts.orderby:
        compile_orderby(opts.orderby, et, table, None)
    for name in opts.select or ():
        if name not in et.prop_by_name and name not in et.nav_by_name and name not in SELECT_EXTRA:
            raise InvalidQuery(f"$select: {et.name} has no property {name!r}", field="$select")
    for item in opts.expand:
        nav = et.nav_by_name.get(item.name)
        if nav is None:
            raise InvalidQuery(
                f"$expand: {et.name} has no navigation property {item.name!r}", field="$expand"
            )
        validate_options(item.options, entity(nav.target))


__all__ = [
    "ExpandItem",
    "Node",
    "OrderItem",
    "QueryOptions",
    "compile_filter",
    "compile_orderby",
    "evaluate",
    "parse_filter",
    "parse_options",
    "validate_options",
]
