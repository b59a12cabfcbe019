"""Benchmark: ``cityops import mrc`` of the Pakse export (~31,000 rows), target < 2 s.

Runs the real command (a fresh process, as a user would) on a fresh SQLite file holding
the demo world, then the raw limit in the same run: sqlite3 executemany of the same rows
(observations and receipts) on an empty copy.

    python bench/import_mrc.py [--file PATH]
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAKSE = Path("/work/shared/data/mekong/pakse_water_level_MRC_013901.csv")
CITYOPS = str(Path(sys.executable).with_name("cityops"))


def _world(db: Path) -> None:
    from cityops.demo.world import ensure_world
    from cityops.store import migrate
    from cityops.store.base import Store

    store = Store(f"sqlite:///{db}", read_pool_size=1)
    migrate.upgrade(store.write_engine)
    ensure_world(store)
    store.close()


def _raw(db: Path, path: Path) -> float:
    """sqlite3 executemany of the same rows: the limit this machine sets."""
    from cityops.imports.mrc import read_mrc
    from cityops.imports.timezones import from_epoch_us

    times, values = read_mrc(path).rows.finish(str(path))
    obs = [
        (12, 1, from_epoch_us(t).strftime("%Y-%m-%d %H:%M:%S.%f"), v)
        for t, v in zip(times.tolist(), values.tolist(), strict=True)
    ]
    keys = [("import", f"12@{t}", i + 1) for i, t in enumerate(times.tolist())]
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "INSERT INTO observations (datastream_id, feature_of_interest_id, "
        "phenomenon_time_start, result_number) VALUES (?, ?, ?, ?)",
        obs,
    )
    con.executemany(
        "INSERT INTO ingest_receipts (source, key, observation_id) VALUES (?, ?, ?)", keys
    )
    con.execute("COMMIT")
    return time.perf_counter() - t0


def _in_process(db: Path, path: Path) -> float:
    """The import itself, without the Python start-up of a new process."""
    from cityops.imports.service import import_mrc
    from cityops.store.base import Store

    store = Store(f"sqlite:///{db}", read_pool_size=1)
    t0 = time.perf_counter()
    import_mrc(store, path)
    took = time.perf_counter() - t0
    store.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--file", type=Path, default=PAKSE)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, raw_db = Path(tmp) / "bench.db", Path(tmp) / "raw.db"
        _world(db)
        raw_db.write_bytes(db.read_bytes())
        (Path(tmp) / "inproc.db").write_bytes(db.read_bytes())
        t0 = time.perf_counter()
        subprocess.run(
            [CITYOPS, "import", "mrc", str(args.file), "-q", "--database", f"sqlite:///{db}"],
            check=True,
        )
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(
            [CITYOPS, "import", "mrc", str(args.file), "-q", "--database", f"sqlite:///{db}"],
            check=True,
        )
        again = time.perf_counter() - t0
        raw = _raw(raw_db, args.file)
        inproc = _in_process(Path(tmp) / "inproc.db", args.file)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    print(f"cityops import mrc (whole command, new process): {wall:6.2f} s   (target < 2 s)")
    print(f"re-import (nothing stored):                       {again:6.2f} s")
    print(f"import_mrc in process (parse + store, no start-up): {inproc:6.2f} s")
    print(f"raw sqlite3 executemany of the same rows:         {raw:6.2f} s   (limit)")


if __name__ == "__main__":
    main()
