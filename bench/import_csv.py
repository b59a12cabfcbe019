"""Benchmark: importing a generated logger CSV (default 10 million rows) on SQLite,
target >= 100,000 rows/s, printed beside raw sqlite3 executemany of the same rows.

The file is generated in a temporary directory (never committed) and deleted after.

    python bench/import_csv.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import tempfile
import time
from pathlib import Path

START = 1_700_000_000  # 2023-11-14T22:13:20Z, one row a second


def _generate(path: Path, rows: int) -> None:
    with path.open("w") as f:
        f.write("time,value\n")
        step = 1_000_000
        for base in range(0, rows, step):
            n = min(step, rows - base)
            f.write("".join(f"{START + i},{(i % 997) / 10}\n" for i in range(base, base + n)))


def _world(db: Path) -> int:
    from cityops.demo.world import ensure_world
    from cityops.store import migrate
    from cityops.store.base import Store

    store = Store(f"sqlite:///{db}", read_pool_size=1)
    migrate.upgrade(store.write_engine)
    ds = ensure_world(store).find("weather", "Bangkok").streams["temperature"]  # type: ignore
    store.close()
    return int(ds)


def _cityops(db: Path, path: Path, ds: int) -> tuple[float, float]:
    """(parse s, total s) of the import service, in process."""
    from cityops.imports.csvfile import CsvOptions
    from cityops.imports.service import Hooks, import_csv
    from cityops.store.base import Store

    store = Store(f"sqlite:///{db}", read_pool_size=1)
    marks: dict[str, float] = {}
    hooks = Hooks(store_start=lambda n: marks.setdefault("parsed", time.perf_counter()))
    t0 = time.perf_counter()
    out = import_csv(store, path, ds, CsvOptions("time", "value", time_format="epoch"), hooks=hooks)
    total = time.perf_counter() - t0
    store.close()
    assert out.stored == out.rows
    return marks["parsed"] - t0, total


def _raw(db: Path, rows: int, ds: int) -> float:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    chunk = 200_000
    for base in range(0, rows, chunk):
        n = min(chunk, rows - base)
        con.executemany(
            "INSERT INTO observations (datastream_id, feature_of_interest_id, "
            "phenomenon_time_start, result_number) VALUES (?, 1, ?, ?)",
            ((ds, f"{i:019d}", (i % 997) / 10) for i in range(base, base + n)),
        )
        con.executemany(
            "INSERT INTO ingest_receipts (source, key, observation_id) VALUES ('import', ?, ?)",
            ((f"{ds}@{(START + i) * 1_000_000}", i + 1) for i in range(base, base + n)),
        )
    con.execute("COMMIT")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, db, raw_db = Path(tmp) / "logger.csv", Path(tmp) / "a.db", Path(tmp) / "raw.db"
        t0 = time.perf_counter()
        _generate(path, args.rows)
        gen = time.perf_counter() - t0
        ds = _world(db)
        raw_db.write_bytes(db.read_bytes())
        parse, total = _cityops(db, path, ds)
        raw = _raw(raw_db, args.rows, ds)
    n = args.rows
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}; "
        f"{n:,} rows (file generated in {gen:.1f} s)"
    )
    print(
        f"cityops import csv: {total:7.1f} s  {n / total:10,.0f} rows/s  "
        f"(parse {parse:.1f} s, store {total - parse:.1f} s)   target >= 100,000 rows/s"
    )
    print(f"raw executemany:    {raw:7.1f} s  {n / raw:10,.0f} rows/s  (observations + receipts)")


if __name__ == "__main__":
    main()
