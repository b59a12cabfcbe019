"""Query benchmarks of the query-language issue, on SQLite and PostgreSQL side by side.

A store of N observations (default 10 million) in 1,000 Datastreams of 1,000 Things with
point Locations spread over a lon/lat box of South-East Asia is generated fast: schema by
migration, Things/Locations/Datastreams/FeaturesOfInterest through the real services,
observations bulk-loaded with raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), the
Datastreams' derived columns set by one UPDATE, then ANALYZE. A real ``cityops serve``
then answers four queries over HTTP (keep-alive, one client), each printed beside the
round trip of a bare ``GET /health`` on the same server (the limit of this run) and the
same read run in-process without HTTP (resolve + Reader + Serializer on a Store).

    .venv/bin/python bench/query_bench.py                       # 10 M rows, both databases
    .venv/bin/python bench/query_bench.py --observations 200000 --reps 50   # smoke run
    .venv/bin/python bench/query_bench.py --backends sqlite
"""

from __future__ import annotations

import argparse
import http.client
import math
import random
import sqlite3
import statistics
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402
from bench._common import Server, fresh_dir, machine, table  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from cityops.auth.principal import SYSTEM  # noqa: E402
from cityops.datamodel.entities import BY_NAME  # noqa: E402
from cityops.sta import read as sta_read  # noqa: E402
from cityops.sta.create import create_entity  # noqa: E402
from cityops.sta.query import parse_options, validate_options  # noqa: E402
from cityops.sta.resource_paths import resolve  # noqa: E402
from cityops.sta.serialize import Serializer  # noqa: E402
from cityops.store import migrate  # noqa: E402
from cityops.store.base import Store  # noqa: E402
from cityops.store.writer import Tx  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STREAMS = 1000
START = datetime(2025, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=10)
BOX = (100.0, 8.0, 110.0, 22.0)  # lon/lat: Thailand, Laos, Cambodia, Vietnam
POLYGON = "POLYGON((99.5 7.5, 110.5 7.5, 110.5 22.5, 99.5 22.5, 99.5 7.5))"
THRESHOLD = 5.0  # about half the results are above it
WARM = 1  # unmeasured first runs of each query
MIN_REPS = 3  # measured runs even past the time budget
SLOW_MS = 1000.0  # above this HTTP median the in-process run is skipped (it would say the same)
OBS_INDEXES = ("ix_observations_ds_time", "ix_observations_foi")


# World and observations -----------------------------------------------------------


def make_world(store: Store) -> list[tuple[int, int]]:
    """1,000 Things (Location, Datastream, FeatureOfInterest each) through the services;
    (datastream id, feature of interest id) pairs."""
    rng = random.Random(7)

    def shared(tx: Tx) -> tuple[int, int]:
        sensor = create_entity(
            tx,
            BY_NAME["Sensor"],
            {
                "name": "Gauge",
                "description": "water level radar",
                "encodingType": "text/plain",
                "metadata": "none",
            },
            SYSTEM,
        )
        prop = create_entity(
            tx,
            BY_NAME["ObservedProperty"],
            {"name": "Water level", "definition": "http://example.org/wl", "description": "stage"},
            SYSTEM,
        )
        return sensor, prop

    sensor, prop = store.write_sync(shared)

    def chunk(first: int) -> list[tuple[int, int]]:
        def job(tx: Tx) -> list[tuple[int, int]]:
            pairs = []
            for i in range(first, first + 100):
                point = {
                    "type": "Point",
                    "coordinates": [
                        round(rng.uniform(BOX[0], BOX[2]), 5),
                        round(rng.uniform(BOX[1], BOX[3]), 5),
                    ],
                }
                thing = create_entity(
                    tx,
                    BY_NAME["Thing"],
                    {
                        "name": f"Station {i}",
                        "description": "bench station",
                        "Locations": [
                            {
                                "name": f"Site {i}",
                                "description": "bench site",
                                "encodingType": "application/geo+json",
                                "location": point,
                            }
                        ],
                        "Datastreams": [
                            {
                                "name": f"Level {i}",
                                "description": "stage",
                                "unitOfMeasurement": {
                                    "name": "metre",
                                    "symbol": "m",
                                    "definition": "ucum:m",
                                },
                                "observationType": "http://www.opengis.net/def/observationType/"
                                "OGC-OM/2.0/OM_Measurement",
                                "Sensor": {"@iot.id": sensor},
                                "ObservedProperty": {"@iot.id": prop},
                            }
                        ],
                    },
                    SYSTEM,
                )
                foi = create_entity(
                    tx,
                    BY_NAME["FeatureOfInterest"],
                    {
                        "name": f"Site {i}",
                        "description": "bench site",
                        "encodingType": "application/geo+json",
                        "feature": point,
                    },
                    SYSTEM,
                )
                ds = tx.conn.execute(
                    text("SELECT id FROM datastreams WHERE thing_id = :t"), {"t": thing}
                ).scalar_one()
                pairs.append((int(ds), foi))
            return pairs

        return store.write_sync(job)

    return [p for first in range(0, STREAMS, 100) for p in chunk(first)]


def rows(
    pairs: list[tuple[int, int]], steps: int, fmt: Callable[[datetime], str]
) -> Iterator[tuple[int, int, str, float]]:
    """Every datastream reports every 10 minutes, in time order (ids follow time, as on
    ingest): a daily sine wave per station plus noise, in metres."""
    rng = random.Random(11)
    phase = [rng.uniform(0, 2 * math.pi) for _ in pairs]
    for step in range(steps):
        when = fmt(START + step * STEP)
        for k, (ds, foi) in enumerate(pairs):
            yield (
                ds,
                foi,
                when,
                round(
                    THRESHOLD
                    + 3 * math.sin(step / 144 * 2 * math.pi + phase[k])
                    + rng.gauss(0, 0.3),
                    3,
                ),
            )


def load_sqlite(path: Path, pairs: list[tuple[int, int]], steps: int) -> None:
    """Raw executemany in 100,000-row transactions, secondary indexes built afterwards."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    ddl = [
        r[0]
        for r in con.execute(
            f"SELECT sql FROM sqlite_master WHERE type='index' AND name IN {OBS_INDEXES}"
        )
    ]
    for name in OBS_INDEXES:
        con.execute(f"DROP INDEX {name}")
    it = rows(pairs, steps, lambda t: t.strftime("%Y-%m-%d %H:%M:%S.000000"))
    sql = (
        "INSERT INTO observations (datastream_id, feature_of_interest_id, "
        "phenomenon_time_start, result_number) VALUES (?, ?, ?, ?)"
    )
    while True:
        batch = [r for _, r in zip(range(100_000), it, strict=False)]
        if not batch:
            break
        con.execute("BEGIN")
        con.executemany(sql, batch)
        con.execute("COMMIT")
    for stmt in ddl:
        con.execute(stmt)
    con.close()


def load_postgres(url: str, pairs: list[tuple[int, int]], steps: int) -> None:
    """Raw COPY (text format), foreign-key triggers off, secondary indexes built after."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as con:
        con.execute("SET session_replication_role = replica")
        ddl = [
            r[0]
            for r in con.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(OBS_INDEXES)]
            )
        ]
        for name in OBS_INDEXES:
            con.execute(f"DROP INDEX {name}")
        it = rows(pairs, steps, lambda t: t.strftime("%Y-%m-%d %H:%M:%S+00"))
        with (
            con.cursor() as cur,
            cur.copy(
                "COPY observations (datastream_id, feature_of_interest_id, "
                "phenomenon_time_start, result_number) FROM STDIN"
            ) as copy,
        ):
            while True:
                batch = [
                    f"{a}\t{b}\t{c}\t{d!r}\n"
                    for _, (a, b, c, d) in zip(range(100_000), it, strict=False)
                ]
                if not batch:
                    break
                copy.write("".join(batch))
        con.execute("SET maintenance_work_mem = '512MB'")
        for stmt in ddl:
            con.execute(stmt)


DERIVED = """
UPDATE datastreams SET
  phenomenon_time_start = (SELECT min(o.phenomenon_time_start) FROM observations o
                           WHERE o.datastream_id = datastreams.id),
  phenomenon_time_end = (SELECT max(o.phenomenon_time_start) FROM observations o
                         WHERE o.datastream_id = datastreams.id),
  last_phenomenon_time = (SELECT max(o.phenomenon_time_start) FROM observations o
                          WHERE o.datastream_id = datastreams.id),
  last_observation_id = (SELECT o.id FROM observations o WHERE o.datastream_id = datastreams.id
                         ORDER BY o.phenomenon_time_start DESC, o.id DESC LIMIT 1),
  last_result = (SELECT o.result_number FROM observations o
                 WHERE o.datastream_id = datastreams.id
                 ORDER BY o.phenomenon_time_start DESC, o.id DESC LIMIT 1)
"""


def build(url: str, workdir: Path, n: int) -> tuple[list[tuple[int, int]], int, dict[str, float]]:
    """Migrate, make the world, bulk-load ``n`` observations; pairs, steps and timings."""
    t0 = time.perf_counter()
    store = Store(url, read_pool_size=1)
    try:
        migrate.upgrade(store.write_engine)
        pairs = make_world(store)
    finally:
        store.close()
    t1 = time.perf_counter()
    steps = max(1, n // STREAMS)
    if url.startswith("sqlite"):
        load_sqlite(workdir / "bench.db", pairs, steps)
    else:
        load_postgres(url, pairs, steps)
    t2 = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(DERIVED))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    t3 = time.perf_counter()
    return (
        pairs,
        steps,
        {
            "world": t1 - t0,
            "load": t2 - t1,
            "derive+analyze": t3 - t2,
            "rows": float(steps * STREAMS),
        },
    )


# Measuring ------------------------------------------------------------------------


@dataclass
class UrlServer(Server):
    """``cityops serve`` on a given database URL (the log stays in ``workdir``)."""

    url: str = ""

    @property
    def db_url(self) -> str:
        return self.url or f"sqlite:///{self.db_path}"


def queries(
    pairs: list[tuple[int, int]], steps: int, rng: random.Random
) -> dict[str, Callable[[], tuple[str, dict[str, str]]]]:
    """Each benchmark query as a maker of (path, params) over random datastreams."""
    days = max(1, steps // 144)

    def ds() -> int:
        return rng.choice(pairs)[0]

    def day() -> tuple[str, dict[str, str]]:
        start = START + timedelta(days=rng.randrange(days))
        iso = "%Y-%m-%dT%H:%M:%SZ"
        return f"Datastreams({ds()})/Observations", {
            "$filter": f"phenomenonTime ge {start.strftime(iso)} and phenomenonTime lt "
            f"{(start + timedelta(days=1)).strftime(iso)} and result gt {THRESHOLD}",
            "$top": "200",
        }

    return {
        "latest 100": lambda: (
            f"Datastreams({ds()})/Observations",
            {"$orderby": "phenomenonTime desc", "$top": "100"},
        ),
        "one day + result filter": day,
        "latest in polygon (1000 things)": lambda: (
            "Things",
            {
                "$filter": f"st_within(Locations/location, geography'{POLYGON}')",
                "$top": "1000",
                "$expand": "Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))",
            },
        ),
        "$count filtered": lambda: (
            "Observations",
            {
                "$filter": f"Datastream/id eq {ds()} and result gt {THRESHOLD}",
                "$count": "true",
                "$top": "1",
            },
        ),
    }


def http_times(
    srv: Server,
    make: Callable[[], tuple[str, dict[str, str]]],
    reps: int,
    budget: float,
    health: bool = False,
) -> list[float]:
    """Round trips (ms) on one keep-alive connection; stops at ``reps`` or ``budget`` s."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=600)
    out: list[float] = []
    deadline = time.monotonic() + budget
    for i in range(reps + WARM):
        path, params = ("", {}) if health else make()
        url = "/health" if health else f"/v1.1/{path}?{urllib.parse.urlencode(params)}"
        t = time.perf_counter()
        conn.request("GET", url, headers=srv.headers)
        resp = conn.getresponse()
        body = resp.read()
        dt = (time.perf_counter() - t) * 1000
        if resp.status != 200:
            raise RuntimeError(f"{url}: {resp.status} {body[:300]!r}")
        if i >= WARM:  # the first run warms the caches
            out.append(dt)
        if time.monotonic() > deadline and len(out) >= MIN_REPS:
            break
    conn.close()
    return out


def inprocess_times(
    store: Store, make: Callable[[], tuple[str, dict[str, str]]], reps: int, budget: float
) -> list[float]:
    """The same read without HTTP: options, path, Reader, Serializer, JSON bytes (ms)."""
    ser = Serializer("http://bench/v1.1")
    out: list[float] = []
    deadline = time.monotonic() + budget
    for i in range(reps + WARM):
        path, params = make()
        t = time.perf_counter()
        opts = parse_options(params, default_top=100, max_top=10000)
        with store.read() as conn:
            target = resolve(conn, path, SYSTEM)
            validate_options(opts, target.et)
            reader = sta_read.Reader(conn, SYSTEM, ser, 100, 10000)
            page = reader.collection(sta_read.Source(target.et, target.conditions), opts)
            orjson.dumps(ser.collection(target.et, page, opts.select, None))
        if i >= WARM:
            out.append((time.perf_counter() - t) * 1000)
        if time.monotonic() > deadline and len(out) >= MIN_REPS:
            break
    return out


def count_plan(store: Store, ds: int) -> list[str]:
    """EXPLAIN of the count query the server runs for query 4, compiled from the Reader's
    own query builder (``read._base``) exactly as ``Reader.collection`` wraps it."""
    opts = parse_options(
        {
            "$filter": f"Datastream/id eq {ds} and result gt {THRESHOLD}",
            "$count": "true",
            "$top": "1",
        },
        default_top=100,
        max_top=10000,
    )
    et = BY_NAME["Observation"]
    base = sta_read._base(et, [], opts, SYSTEM)
    q = select(func.count()).select_from(base.subquery())
    with store.read() as conn:
        compiled = q.compile(dialect=conn.dialect)
        params = compiled.construct_params()
        if store.kind == "sqlite":
            args: Any = tuple(params[k] for k in compiled.positiontup or [])
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args)
            lines = [f"{r[3]}" for r in plan]
        else:
            plan = conn.exec_driver_sql("EXPLAIN " + str(compiled), params)
            lines = [r[0] for r in plan]
    return [str(compiled).replace("\n", " ")] + lines


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, math.ceil(len(xs) * 0.95) - 1)]


def run(kind: str, n: int, reps: int, budget: float) -> list[tuple[str, ...]]:
    """Build the store, serve it, measure; result rows for the table."""
    workdir = fresh_dir(f"query-{kind}")
    pg_name = f"cityops_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    if kind == "postgresql":
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        pairs, steps, t = build(url, workdir, n)
        print(
            f"[{kind}] world {t['world']:.1f} s; loaded {t['rows']:,.0f} observations in "
            f"{t['load']:.1f} s = {t['rows'] / t['load']:,.0f} rows/s (raw "
            f"{'executemany' if kind == 'sqlite' else 'COPY'} + index build); derived "
            f"columns + ANALYZE {t['derive+analyze']:.1f} s",
            flush=True,
        )
        for line in count_plan_store(url, pairs[0][0]):
            print(f"[{kind}] plan: {line}", flush=True)
        rng = random.Random(3)
        out: list[tuple[str, ...]] = []
        store = Store(url, read_pool_size=1)
        with UrlServer(workdir, url=url) as srv:
            health = http_times(srv, lambda: ("", {}), reps, budget, health=True)
            hm = statistics.median(health)
            out.append(
                (
                    kind,
                    "GET /health (limit)",
                    f"{len(health)}",
                    f"{hm:.2f}",
                    f"{p95(health):.2f}",
                    "",
                    "",
                )
            )
            for name, make in queries(pairs, steps, rng).items():
                xs = http_times(srv, make, reps, budget)
                slow = statistics.median(xs) > SLOW_MS
                ys = [] if slow else inprocess_times(store, make, reps, budget)
                out.append(
                    (
                        kind,
                        name,
                        f"{len(xs)}",
                        f"{statistics.median(xs):.2f}",
                        f"{p95(xs):.2f}",
                        f"{statistics.median(xs) - hm:.2f}",
                        f"{statistics.median(ys):.2f}" if ys else "skipped",
                    )
                )
                print("  ".join(out[-1]), flush=True)
        store.close()
        return out
    finally:
        if kind == "postgresql":
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()


def count_plan_store(url: str, ds: int) -> list[str]:
    store = Store(url, read_pool_size=1)
    try:
        return count_plan(store, ds)
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--observations", type=int, default=10_000_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--reps", type=int, default=200, help="repetitions per query")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per query at most")
    args = ap.parse_args()
    print(machine(), flush=True)
    results: list[tuple[str, ...]] = [
        ("database", "query", "n", "median ms", "p95 ms", "minus /health", "in-process ms")
    ]
    for kind in args.backends.split(","):
        results += run(kind.strip(), args.observations, args.reps, args.budget)
    print(
        table(
            f"Query benchmarks, {args.observations:,} observations in {STREAMS} "
            "datastreams (HTTP round trip, keep-alive, one client)",
            results,
            "targets: latest 100 <= 3 ms, one day <= 10 ms, polygon <= 50 ms "
            "(median, server time incl. HTTP)",
        )
    )


if __name__ == "__main__":
    main()
