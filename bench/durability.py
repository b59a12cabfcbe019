"""Durability: kill -9 the server under sustained POST load, restart it, and count that
every Observation answered 201 is stored.

    .venv/bin/python bench/durability.py [--rounds 3] [--load-seconds 4]

Each round starts ``cityops serve`` on the same SQLite file, drives it with 32 keep-alive
clients (bench/loadgen.py, which records the id of every 201), sends SIGKILL while the
load runs, and restarts it. At the end every acknowledged id is looked up in the database
and the API's count is compared. The limit beside the figure is the number of 201s: the
stored count must reach it (requests in flight at the kill may be stored without a 201).
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, Server, fresh_dir, machine, make_datastreams, table

HERE = Path(__file__).resolve().parent


def one_round(server: Server, streams: list[int], load_seconds: float) -> tuple[list[int], int]:
    """Load, kill -9 mid-load; (ids answered 201, connection errors seen)."""
    server.start()
    cmd = [
        PY,
        str(HERE / "loadgen.py"),
        "--port",
        str(server.port),
        "--token",
        server.token,
        "--datastreams",
        ",".join(map(str, streams)),
        "--conns",
        "32",
        "--warmup",
        "0",
        "--seconds",
        str(load_seconds + 30),
        "--ids",
        "--until-error",
    ]
    load = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    time.sleep(load_seconds)
    server.stop(signal.SIGKILL)
    out, _ = load.communicate(timeout=120)
    result = json.loads(out)
    return [i for i in result["ids"] if i > 0], len(result["errors"])


def stored_ids(db: Path) -> set[int]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM observations")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--load-seconds", type=float, default=4.0)
    args = p.parse_args()
    server = Server(fresh_dir("durability"))
    with server:
        streams = make_datastreams(server.base, server.headers, 32)
    acked: list[int] = []
    errors = 0
    for _ in range(args.rounds):
        ids, errs = one_round(server, streams, args.load_seconds)
        acked += ids
        errors += errs
    with server:  # restart once more, read back through the API too
        api_count = httpx.get(
            f"{server.base}/v1.1/Observations",
            params={"$count": "true", "$top": "0"},
            headers=server.headers,
            timeout=120,
        ).json()["@iot.count"]
        last = (
            httpx.get(
                f"{server.base}/v1.1/Observations({max(acked)})", headers=server.headers, timeout=30
            ).status_code
            if acked
            else 0
        )
    stored = stored_ids(server.db_path)
    missing = set(acked) - stored
    print(
        table(
            f"Durability: {args.rounds} x kill -9 under POST load (32 clients, "
            f"{args.load_seconds:g} s each)\n{machine()}",
            [
                ("figure", "count"),
                ("201 answers (limit: all must be stored)", f"{len(acked):,}"),
                ("stored after restart (database)", f"{len(stored):,}"),
                ("stored after restart (API $count)", f"{api_count:,}"),
                ("acknowledged but missing", f"{len(missing):,}"),
                ("stored without a 201 (in flight at the kill)", f"{len(stored - set(acked)):,}"),
                ("client connections cut by the kills", f"{errors:,}"),
            ],
            f"{'PASS' if not missing and acked else 'FAIL'}: every 201 is stored"
            f" (GET of the newest acknowledged id: {last}).",
        )
    )


if __name__ == "__main__":
    main()
