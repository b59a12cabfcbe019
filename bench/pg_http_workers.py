"""POST /v1.1/Observations from 32 keep-alive clients to `cityops serve --workers N` on
PostgreSQL, for N = 1, 2 and 4, each on a fresh database.

The load generator is bench/loadgen.py (its own process, raw HTTP, one Datastream per
connection); the figures share the machine's cores with the server and PostgreSQL.
After each run the stored observations are counted against the 201 answers.

    .venv/bin/python -m bench.pg_http_workers [--seconds 10] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from typing import Any

import httpx
from bench._common import (
    CITYOPS,
    PY,
    admin_token,
    free_port,
    fresh_dir,
    machine,
    make_datastreams,
    table,
    wait_http,
)
from bench.store_ingest import pg_database

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(port: int, token: str, streams: list[int], args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        PY,
        os.path.join(HERE, "loadgen.py"),
        "--port",
        str(port),
        "--token",
        token,
        "--datastreams",
        ",".join(map(str, streams)),
        "--conns",
        str(args.conns),
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
    ]
    return dict(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))


def _ready(proc: subprocess.Popen[bytes], log: str, workers: int) -> None:
    """Wait until every worker finished its start-up (uvicorn logs it once per worker)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with open(log, encoding="utf-8", errors="replace") as f:
            if f.read().count("Application startup complete") >= workers:
                return
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        time.sleep(0.3)
    raise TimeoutError("workers did not start")


def run(workers: int, args: argparse.Namespace) -> tuple[dict[str, Any], int]:
    """One server with ``workers`` processes on a fresh database: (load result, stored)."""
    with pg_database() as url:
        token = admin_token(url)
        port = free_port()
        log = str(fresh_dir("pgw") / "server.log")
        env = {**os.environ, "CITYOPS_SECRET_KEY": "bench-" + "x" * 32}
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [CITYOPS, "serve", "--port", str(port), "--workers", str(workers), "-d", url],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            wait_http(f"http://127.0.0.1:{port}/health", proc, timeout=120)
            _ready(proc, log, workers)
            base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
            streams = make_datastreams(base, headers, args.conns)
            result = _load(port, token, streams, args)
            stored = httpx.get(
                f"{base}/v1.1/Observations",
                headers=headers,
                timeout=60,
                params={"$count": "true", "$top": "0"},
            ).json()["@iot.count"]
        finally:
            proc.terminate()
            proc.wait(60)
    return result, int(stored)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--workers", default="1,2,4")
    args = p.parse_args()
    rows = [("workers", "obs/s", "p50 ms", "p99 ms", "non-201", "201s", "stored")]
    for n in [int(w) for w in args.workers.split(",")]:
        r, stored = run(n, args)
        ok = r["statuses"].get("201", 0)
        others = sum(v for k, v in r["statuses"].items() if k != "201")
        rows.append(
            (
                str(n),
                f"{r['rate']:,.0f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                str(others),
                f"{ok:,}",
                f"{stored:,}",
            )
        )
    print(
        table(
            f"POST /v1.1/Observations on PostgreSQL, {args.conns} keep-alive clients, "
            f"{args.seconds:g} s after {args.warmup:g} s warm-up\n{machine()}",
            rows,
            "The load generator and PostgreSQL run on the same cores as the workers.",
        )
    )


if __name__ == "__main__":
    main()
