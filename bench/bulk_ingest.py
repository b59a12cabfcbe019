"""POST /v1.1/CreateObservations with 10,000-row requests, beside the database's own bulk
load of the same rows into the same table and indexes, in the same run: raw SQLite
executemany, and raw PostgreSQL binary COPY (psycopg 3 ``cursor.copy``).

    .venv/bin/python bench/bulk_ingest.py [--requests 20] [--rows 10000] [--clients 2]
                                          [--backends sqlite,postgresql]

SQLite: both sides work on copies of one database (made by a real server: same schema,
indexes, foreign keys, pragmas). PostgreSQL: one fresh database made by a real server;
the raw COPY runs first (server stopped), the API after it, into the same table and
indexes (the raw rows take other times). The only difference is the API: HTTP, JSON
parsing, validation, access checks, the group-commit writer, the audit row and the
Datastream's derived values. Goal (issue 22): >= 50 % of the raw rate on each database.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Server, fresh_dir, loadavg, machine, make_datastreams, table

TARGET = 0.50
T0 = datetime(2020, 1, 1, tzinfo=UTC)
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)


def times(request: int, rows: int) -> list[datetime]:
    start = T0 + timedelta(seconds=request * rows)
    return [start + timedelta(seconds=i) for i in range(rows)]


def body(ds: int, request: int, rows: int) -> bytes:
    """One CreateObservations request of ``rows`` rows for Datastream ``ds``."""
    data = [
        [t.strftime("%Y-%m-%dT%H:%M:%SZ"), (request * rows + i) % 1000 / 10]
        for i, t in enumerate(times(request, rows))
    ]
    return orjson.dumps(
        [
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": data,
            }
        ]
    )


def raw_rows(ds: int, foi: int, request: int, rows: int) -> list[tuple[Any, ...]]:
    """The same rows as the API stores them (SQLite text times in UTC)."""
    return [
        (ds, foi, t.strftime("%Y-%m-%d %H:%M:%S.%f"), (request * rows + i) % 1000 / 10)
        for i, t in enumerate(times(request, rows))
    ]


def run_raw(db: Path, ds: int, foi: int, args: argparse.Namespace) -> float:
    """Rows per second of executemany, one transaction per 10,000 rows."""
    conn = sqlite3.connect(db, isolation_level=None)
    for p in PRAGMAS:
        conn.execute(p)
    batches = [raw_rows(ds, foi, r, args.rows) for r in range(args.requests)]
    sql = (
        "INSERT INTO observations (datastream_id, feature_of_interest_id, "
        "phenomenon_time_start, result_number) VALUES (?, ?, ?, ?)"
    )
    start = time.perf_counter()
    for rows in batches:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return args.requests * args.rows / elapsed


def run_raw_pg(url: str, ds: int, foi: int, args: argparse.Namespace) -> float:
    """Rows per second of binary COPY, one transaction per ``args.rows`` rows."""
    import psycopg

    batches = [
        [(ds, foi, t, (r * args.rows + i) % 1000 / 10) for i, t in enumerate(times(r, args.rows))]
        for r in range(args.requests, 2 * args.requests)  # other times than the API's
    ]
    sql = (
        "COPY observations (datastream_id, feature_of_interest_id, phenomenon_time_start, "
        "result_number) FROM STDIN (FORMAT BINARY)"
    )
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        start = time.perf_counter()
        for rows in batches:
            with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
                copy.set_types(["int8", "int8", "timestamptz", "float8"])
                for row in rows:
                    copy.write_row(row)
        elapsed = time.perf_counter() - start
    return args.requests * args.rows / elapsed


def run_api(server: Server, ds: int, args: argparse.Namespace) -> tuple[float, float]:
    """(rows per second, slowest request in s) with ``args.clients`` concurrent clients."""
    bodies = [body(ds, r, args.rows) for r in range(args.requests)]
    todo = list(range(len(bodies)))
    lock = threading.Lock()
    slowest = [0.0]

    def client() -> None:
        with httpx.Client(base_url=server.base, headers=server.headers, timeout=300) as c:
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop()
                t = time.perf_counter()
                r = c.post(
                    "/v1.1/CreateObservations",
                    content=bodies[i],
                    headers={"Content-Type": "application/json"},
                )
                assert r.status_code == 201, r.text[:300]
                assert "error" not in r.json()
                slowest[0] = max(slowest[0], time.perf_counter() - t)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return args.requests * args.rows / (time.perf_counter() - start), slowest[0]


def prepare(server: Server) -> tuple[int, int]:
    """A Datastream and the FeatureOfInterest its observations get (made by one POST)."""
    ds = make_datastreams(server.base, server.headers, 1)[0]
    r = httpx.post(
        f"{server.base}/v1.1/Observations",
        headers=server.headers,
        timeout=30,
        json={"result": 0, "phenomenonTime": "2019-01-01T00:00:00Z", "Datastream": {"@iot.id": ds}},
    )
    r.raise_for_status()
    foi = httpx.get(
        f"{r.headers['location']}/FeatureOfInterest", headers=server.headers, timeout=30
    ).json()["@iot.id"]
    return ds, int(foi)


def sqlite_side(args: argparse.Namespace) -> tuple[float, float, float, int]:
    """(raw rows/s, API rows/s, slowest request s, rows stored by the API) on SQLite."""
    server = Server(fresh_dir("bulk"))
    with server:
        ds, foi = prepare(server)
    raw_db = server.workdir / "raw.db"
    with sqlite3.connect(server.db_path) as src, sqlite3.connect(raw_db) as dst:
        src.backup(dst)  # the same schema, indexes and rows, for executemany
    raw = run_raw(raw_db, ds, foi, args)
    with server:
        api, slowest = run_api(server, ds, args)
        stored = count(server, ds) - 1
    return raw, api, slowest, stored


def pg_side(args: argparse.Namespace) -> tuple[float, float, float, int]:
    """The same on a fresh PostgreSQL database, raw binary COPY first."""
    from store_ingest import pg_database

    with pg_database() as url:
        server = Server(fresh_dir("bulk-pg"), url=url)
        with server:
            ds, foi = prepare(server)
        raw = run_raw_pg(url, ds, foi, args)
        with server:
            before = count(server, ds)
            api, slowest = run_api(server, ds, args)
            stored = count(server, ds) - before
    return raw, api, slowest, stored


def count(server: Server, ds: int) -> int:
    return int(
        httpx.get(
            f"{server.base}/v1.1/Datastreams({ds})/Observations",
            params={"$count": "true", "$top": "0"},
            headers=server.headers,
            timeout=120,
        ).json()["@iot.count"]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--backends", default="sqlite,postgresql")
    args = p.parse_args()
    load_before = loadavg()
    rows = [("path", "rows/s", "of raw", "slowest request s", "stored")]
    verdicts = []
    total = args.requests * args.rows
    for backend in args.backends.split(","):
        raw, api, slowest, stored = (sqlite_side if backend == "sqlite" else pg_side)(args)
        limit = "executemany" if backend == "sqlite" else "binary COPY"
        rows.append(
            (f"raw {backend} {limit} (same table, indexes)", f"{raw:,.0f}", "100 %", "-", "-")
        )
        rows.append(
            (
                f"POST /v1.1/CreateObservations ({backend})",
                f"{api:,.0f}",
                f"{100 * api / raw:.0f} %",
                f"{slowest:.2f}",
                f"{stored:,} of {total:,}",
            )
        )
        verdicts.append(f"{backend} {'met' if api >= TARGET * raw else 'NOT met'}")
    print(
        table(
            f"CreateObservations, {args.requests} requests x {args.rows:,} rows, "
            f"{args.clients} client(s)\n{machine()}",
            rows,
            f"goal >= {TARGET:.0%} of raw: {'; '.join(verdicts)}. "
            f"Load average before {load_before}, after {loadavg()}.",
        )
    )


if __name__ == "__main__":
    main()
