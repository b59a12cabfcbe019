"""Observations partitioned by month on PostgreSQL (store/partitions.py, migration 0006).

The migration converts a table that holds data (ids, values, the id sequence and the
receipt keys survive; a partition per month with data, three months ahead, a DEFAULT
partition) and converts back; a time without a month goes to the default partition and
moves out when its month is made; retention drops only whole months older than the limit
and fixes what pointed into them. SQLite keeps one plain table.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

import cityops.store.postgres  # noqa: F401 - reflection knows PostGIS geometry
from cityops.store import migrate
from cityops.store import partitions as pt
from cityops.store.retention import retention
from tests.conftest import _drop_pg, _pg_database, require_service

BEFORE = "0005_h11"


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """An empty PostgreSQL database of its own (migrated by each test as it needs)."""
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    engine = create_engine(url)
    yield engine
    engine.dispose()
    _drop_pg(url)


def seed_world(conn: Connection) -> tuple[int, int]:
    """A Thing, Sensor, ObservedProperty, FeatureOfInterest and two Datastreams (1, 2)."""
    conn.execute(text("INSERT INTO things (id, name, description) VALUES (1, 't', 'd')"))
    conn.execute(
        text(
            "INSERT INTO sensors (id, name, description, encoding_type, metadata) "
            "VALUES (1, 's', 'd', 't', 'm')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO observed_properties (id, name, definition, description) "
            "VALUES (1, 'p', 'p', 'd')"
        )
    )
    for ds in (1, 2):
        conn.execute(
            text(
                "INSERT INTO datastreams (id, name, description, unit_of_measurement, "
                "observation_type, thing_id, sensor_id, observed_property_id) "
                "VALUES (:id, 'd', 'd', '{}', 'o', 1, 1, 1)"
            ),
            {"id": ds},
        )
    conn.execute(
        text(
            "INSERT INTO features_of_interest (id, name, description, encoding_type, feature) "
            "VALUES (1, 'f', 'd', 'application/geo+json', '{}')"
        )
    )
    return 1, 1


def add_obs(
    conn: Connection, ds: int, t: datetime, value: float, receipt: str | None = None
) -> int:
    oid = int(
        conn.execute(
            text(
                "INSERT INTO observations (datastream_id, feature_of_interest_id, "
                "phenomenon_time_start, result_number, result_json) "
                "VALUES (:ds, 1, :t, :v, CAST(:j AS jsonb)) RETURNING id"
            ),
            {"ds": ds, "t": t, "v": value, "j": f'{{"v": {value}}}'},
        ).scalar_one()
    )
    if receipt is not None:
        conn.execute(
            text(
                "INSERT INTO ingest_receipts (source, key, observation_id) VALUES ('mqtt', :k, :o)"
            ),
            {"k": receipt, "o": oid},
        )
    return oid


def rows(conn: Connection) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT id, datastream_id, phenomenon_time_start, result_number, result_json "
                "FROM observations ORDER BY id"
            )
        )
    ]


def where(conn: Connection) -> dict[int, str]:
    """observation id -> the partition (table) holding it."""
    got = conn.execute(text("SELECT id, tableoid::regclass::text FROM observations"))
    return {int(r[0]): str(r[1]) for r in got}


def month(y: int, m: int) -> datetime:
    return datetime(y, m, 1, tzinfo=UTC)


def test_a_new_database_is_partitioned_with_months_ahead_and_a_default(pg_engine: Engine) -> None:
    migrate.upgrade(pg_engine)
    now = pt.month_start(datetime.now(UTC))
    with pg_engine.connect() as conn:
        assert pt.is_partitioned(conn)
        names = [p.name for p in pt.list_partitions(conn)]
    assert names == [pt.partition_name(pt.add_months(now, i)) for i in range(3)] + [pt.DEFAULT]
    assert migrate.differences(pg_engine) == []


def test_migration_converts_existing_observations_and_back(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Months with 2 observations or more get their own partition (10,000 in production).
    monkeypatch.setattr(pt, "OWN_PARTITION_MIN_ROWS", 2)
    migrate.upgrade(pg_engine, BEFORE)
    times = [
        datetime(1995, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2024, 1, 31, 23, 59, 59, tzinfo=UTC),  # the last second of January (UTC)
        datetime(2024, 2, 1, 0, 0, tzinfo=UTC),  # the first of February
        datetime(2024, 2, 1, 6, 0, tzinfo=timedelta_tz(7)),  # 2024-01-31 23:00 UTC
    ]
    with pg_engine.begin() as conn:
        seed_world(conn)
        ids = [add_obs(conn, 1, t, i + 0.5, receipt=f"k{i}") for i, t in enumerate(times)]
        before = rows(conn)
    migrate.upgrade(pg_engine)
    with pg_engine.begin() as conn:
        assert pt.is_partitioned(conn)
        assert rows(conn) == before
        held = where(conn)
        assert held[ids[1]] == held[ids[3]] == "observations_p202401"
        # A month of one observation stays in the default partition (no tiny partitions).
        assert held[ids[0]] == held[ids[2]] == pt.DEFAULT
        # The id sequence goes on from where it was; the receipt keys are untouched.
        new = add_obs(conn, 1, datetime.now(UTC), 9.0)
        assert new > max(ids)
        assert conn.execute(text("SELECT count(*) FROM ingest_receipts")).scalar() == 4
        pk = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'observations'::regclass AND contype = 'p'"
            )
        ).scalar()
        assert pk == "PRIMARY KEY (id, phenomenon_time_start)"
    assert migrate.differences(pg_engine) == []

    migrate.upgrade(pg_engine, "head")  # idempotent: already at head
    from alembic import command

    cfg = migrate._config()
    with pg_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, BEFORE)
    with pg_engine.begin() as conn:
        assert not pt.is_partitioned(conn)
        assert [r[0] for r in rows(conn)] == [*ids, new]
        assert add_obs(conn, 2, datetime(2030, 1, 1, tzinfo=UTC), 1.0) > new
    migrate.upgrade(pg_engine)  # and forward again
    with pg_engine.connect() as conn:
        assert pt.is_partitioned(conn) and len(rows(conn)) == 6


def timedelta_tz(hours: int) -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_a_time_without_a_month_goes_to_default_and_moves_out_later(pg_engine: Engine) -> None:
    migrate.upgrade(pg_engine)
    with pg_engine.begin() as conn:
        seed_world(conn)
        old = add_obs(conn, 1, datetime(2001, 7, 9, tzinfo=UTC), 1.0)
        far = add_obs(conn, 1, datetime(2199, 12, 31, 23, tzinfo=UTC), 2.0)
        other = add_obs(conn, 1, datetime(2001, 8, 1, tzinfo=UTC), 3.0)
        assert set(where(conn).values()) == {pt.DEFAULT}
    with pg_engine.begin() as conn:
        assert pt.ensure_months(conn, [datetime(2001, 7, 20, tzinfo=UTC)]) == [
            "observations_p200107"
        ]
        assert pt.ensure_months(conn, [month(2001, 7)]) == []  # exists: nothing to do
    with pg_engine.connect() as conn:
        held = where(conn)
        assert held == {old: "observations_p200107", far: pt.DEFAULT, other: pt.DEFAULT}
        assert len(rows(conn)) == 3
        # The moved partition has the parent's indexes (attached, not only copied rows).
        idx = conn.execute(
            text("SELECT count(*) FROM pg_indexes WHERE tablename = 'observations_p200107'")
        ).scalar()
        assert idx == 3  # primary key, (datastream, time, id), feature of interest


def test_months_ahead_from_several_nodes_at_once(pg_engine: Engine) -> None:
    migrate.upgrade(pg_engine)
    start = month(2031, 5)
    made: list[list[str]] = []
    errors: list[BaseException] = []

    def node() -> None:
        try:
            made.append(pt.ensure_ahead(pg_engine, 2, now=start + timedelta(days=3)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=node) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sorted(n for names in made for n in names) == [
        "observations_p203105",
        "observations_p203106",
        "observations_p203107",
    ]


def test_retention_drops_only_whole_months_older_than_the_limit(pg_engine: Engine) -> None:
    migrate.upgrade(pg_engine)
    with pg_engine.begin() as conn:
        seed_world(conn)
        pt.ensure_months(conn, [month(2020, 1), month(2020, 2), month(2020, 3)])
        jan = add_obs(conn, 1, datetime(2020, 1, 10, tzinfo=UTC), 1.0, receipt="jan")
        feb = add_obs(conn, 1, datetime(2020, 2, 10, tzinfo=UTC), 2.0, receipt="feb")
        mar = add_obs(conn, 1, datetime(2020, 3, 10, tzinfo=UTC), 3.0, receipt="mar")
        only_old = add_obs(conn, 2, datetime(2020, 1, 11, tzinfo=UTC), 4.0)
        in_default = add_obs(conn, 2, datetime(1990, 1, 1, tzinfo=UTC), 5.0)
        # Derived columns as ingest keeps them.
        conn.execute(
            text(
                "UPDATE datastreams SET phenomenon_time_start = :a, phenomenon_time_end = :b, "
                "last_observation_id = :o, last_phenomenon_time = :b, last_result = :r "
                "WHERE id = :ds"
            ),
            [
                {
                    "ds": 1,
                    "a": datetime(2020, 1, 10, tzinfo=UTC),
                    "b": datetime(2020, 3, 10, tzinfo=UTC),
                    "o": mar,
                    "r": 3.0,
                },
                {
                    "ds": 2,
                    "a": datetime(1990, 1, 1, tzinfo=UTC),
                    "b": datetime(2020, 1, 11, tzinfo=UTC),
                    "o": only_old,
                    "r": 4.0,
                },
            ],
        )
    cutoff = datetime(2020, 2, 20, tzinfo=UTC)  # inside February: February is kept whole
    preview = retention(pg_engine, cutoff, dry_run=True)
    assert [(d.name, d.rows) for d in preview] == [("observations_p202001", 2)]
    with pg_engine.connect() as conn:
        assert len(rows(conn)) == 5  # a dry run drops nothing
    audited: list[list[str]] = []
    dropped = retention(
        pg_engine, cutoff, on_dropped=lambda c, d: audited.append([x.name for x in d])
    )
    assert [d.name for d in dropped] == ["observations_p202001"] == audited[0]
    with pg_engine.connect() as conn:
        assert {r[0] for r in rows(conn)} == {feb, mar, in_default}
        assert jan not in where(conn) and only_old not in where(conn)
        keys = conn.execute(text("SELECT key FROM ingest_receipts ORDER BY key")).scalars().all()
        assert keys == ["feb", "mar"]
        ds = {
            r.id: r
            for r in conn.execute(
                text(
                    "SELECT id, phenomenon_time_start, phenomenon_time_end, "
                    "last_observation_id, last_result FROM datastreams"
                )
            )
        }
        assert ds[1].phenomenon_time_start == datetime(2020, 2, 10, tzinfo=UTC)
        assert ds[1].phenomenon_time_end == datetime(2020, 3, 10, tzinfo=UTC)
        assert ds[2].phenomenon_time_end == datetime(1990, 1, 1, tzinfo=UTC)
        assert (ds[1].last_observation_id, ds[1].last_result) == (mar, 3.0)
        # Datastream 2's latest reading went: the latest left is the one in the default.
        assert ds[2].phenomenon_time_start == datetime(1990, 1, 1, tzinfo=UTC)
        assert (ds[2].last_observation_id, ds[2].last_result) == (in_default, 5.0)
        assert pt.DEFAULT in [p.name for p in pt.list_partitions(conn)]
    assert retention(pg_engine, cutoff) == []  # nothing more to drop


def test_sqlite_has_one_plain_table_and_retention_says_why_not(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert not pt.is_partitioned(conn)
        assert pt.ensure_months(conn, [month(2020, 1)]) == []
    assert pt.ensure_ahead(engine, 2) == []
    with pytest.raises(ValueError, match="not partitioned"):
        retention(engine, datetime.now(UTC))
    engine.dispose()


@pytest.mark.parametrize(
    ("now", "n", "first"),
    [
        (datetime(2026, 3, 31, 12, tzinfo=UTC), -1, datetime(2026, 2, 1, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), -1, datetime(2025, 12, 1, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), 2, datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_month_arithmetic(now: datetime, n: int, first: datetime) -> None:
    assert pt.add_months(now, n) == first
    assert pt.partition_name(first) == f"observations_p{first:%Y%m}"


async def test_the_worker_makes_the_months_ahead_at_start(pg_engine: Engine) -> None:
    from types import SimpleNamespace

    from cityops.settings import Settings
    from cityops.store.base import Store
    from cityops.store.partition_worker import partitions_worker

    migrate.upgrade(pg_engine)
    now = pt.month_start(datetime.now(UTC))
    far = pt.partition_name(pt.add_months(now, 4))
    url = pg_engine.url.render_as_string(hide_password=False)
    store = Store(url, read_pool_size=1)
    ctx = SimpleNamespace(store=store, settings=Settings(partition_months_ahead=4))
    start, stop = partitions_worker(ctx)
    try:
        await start()
        with pg_engine.connect() as conn:
            names = [p.name for p in pt.list_partitions(conn)]
        assert far in names and pt.partition_name(pt.add_months(now, 3)) in names
    finally:
        await stop()
        store.close()
