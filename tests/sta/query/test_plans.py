"""The hot queries use the indexes: a time window of one datastream, and the stations in
a polygon (bounding-box index on SQLite)."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from cityops.datamodel.entities import entity
from cityops.sta.query import compile_filter, compile_orderby, parse_options

WINDOW = (
    "result gt 5 and phenomenonTime ge 2024-01-01T00:00:00Z and "
    "phenomenonTime lt 2024-01-02T00:00:00+07:00"
)
POLYGON = (
    "st_within(Locations/location, geography'POLYGON((104 14, 107 14, 107 16, 104 16, 104 14))')"
)


def _window_statement() -> object:
    et = entity("Observations")
    obs = et.table
    opts = parse_options(
        {"$filter": WINDOW, "$orderby": "phenomenonTime desc"}, default_top=100, max_top=1000
    )
    assert opts.filter is not None
    # what the executor builds for Datastreams(7)/Observations?$filter=...
    return (
        select(obs.c.id)
        .where(obs.c.datastream_id == 7, compile_filter(opts.filter, et, obs, None))
        .order_by(*compile_orderby(opts.orderby, et, obs, None), obs.c.id.desc())
        .limit(100)
    )


def _plan(engine: Engine, stmt: object, prefix: str) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
        compiled = stmt.compile(dialect=engine.dialect)  # type: ignore[attr-defined]
        rows = conn.exec_driver_sql(
            f"{prefix} {compiled}",
            compiled.params
            if engine.dialect.name == "postgresql"
            else tuple(compiled.params[k] for k in compiled.positiontup),
        )
        return "\n".join(" ".join(str(c) for c in row) for row in rows)


def test_time_window_uses_the_datastream_time_index(engine: Engine) -> None:
    stmt = _window_statement()
    if engine.dialect.name == "sqlite":
        plan = _plan(engine, stmt, "EXPLAIN QUERY PLAN")
        assert (
            "ix_observations_ds_time (datastream_id=? AND phenomenon_time_start>? AND "
            "phenomenon_time_start<?)" in plan
        ), plan
        assert "TEMP B-TREE" not in plan, plan  # the index gives the order too
    else:
        plan = _plan(engine, stmt, "EXPLAIN")
        assert "ix_observations_ds_time" in plan, plan
        assert "phenomenon_time_start >=" in plan and "phenomenon_time_start <" in plan, plan


def test_time_literals_are_not_wrapped_in_functions() -> None:
    sql = str(_window_statement())
    assert "observations.phenomenon_time_start >= " in sql
    assert "observations.phenomenon_time_start < " in sql
    assert "2024" not in sql  # every literal is a bound parameter


def test_polygon_uses_the_bbox_index_on_sqlite(sqlite_engine: Engine) -> None:
    et = entity("Things")
    opts = parse_options({"$filter": POLYGON}, default_top=100, max_top=1000)
    assert opts.filter is not None
    stmt = select(et.table.c.id).where(compile_filter(opts.filter, et, et.table, None))
    plan = _plan(sqlite_engine, stmt, "EXPLAIN QUERY PLAN")
    assert "ix_locations_bbox" in plan, plan
