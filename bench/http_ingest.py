"""POST /v1.1/Observations from 32 concurrent keep-alive clients to one ``cityops serve``
process on a fresh SQLite file, beside a bare FastAPI endpoint that parses the same JSON
body, served by uvicorn the same way (same host, same log level), in the same run.

    .venv/bin/python bench/http_ingest.py [--seconds 10] [--conns 32]

The load generator (bench/loadgen.py) is a separate process on the same 2 cores, so
both figures include its share of the CPU.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, Server, free_port, fresh_dir, machine, make_datastreams, table, wait_http

HERE = Path(__file__).resolve().parent
TARGET = 5000.0

bare_app = FastAPI()
_ids = itertools.count(1)


@bare_app.get("/health")
async def _health() -> dict[str, str]:
    return {"status": "ok"}


@bare_app.post("/v1.1/Observations", status_code=201)
async def _bare(request: Request) -> Response:
    """Parse the body as the real handler does, store nothing, answer 201 + Location."""
    body = orjson.loads(await request.body())
    ident = next(_ids)
    link = f"http://127.0.0.1/v1.1/Observations({ident})"
    out = {"@iot.id": ident, "@iot.selfLink": link, "result": body.get("result")}
    return Response(orjson.dumps(out), 201, {"Location": link}, "application/json")


def load(port: int, token: str, streams: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """Run bench/loadgen.py against ``port``; its JSON result."""
    cmd = [
        PY,
        str(HERE / "loadgen.py"),
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
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout))


def run_bare(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    log = open(fresh_dir("bare") / "bare.log", "wb")  # noqa: SIM115 (the server keeps it)
    proc = subprocess.Popen(
        [PY, str(HERE / "http_ingest.py"), "--serve-bare", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        return load(port, "none", list(range(1, args.conns + 1)), args)
    finally:
        proc.terminate()
        proc.wait(30)


def run_cityops(args: argparse.Namespace) -> tuple[dict[str, Any], int]:
    with Server(fresh_dir("http")) as server:
        streams = make_datastreams(server.base, server.headers, args.conns)
        result = load(server.port, server.token, streams, args)
        stored = httpx.get(
            f"{server.base}/v1.1/Observations",
            params={"$count": "true", "$top": "0"},
            headers=server.headers,
            timeout=60,
        ).json()["@iot.count"]
    return result, int(stored)


def _row(name: str, r: dict[str, Any], limit: float | None) -> tuple[str, ...]:
    share = f"{100 * r['rate'] / limit:.0f} %" if limit else "100 %"
    others = sum(n for s, n in r["statuses"].items() if s != "201")
    return (
        name,
        f"{r['rate']:,.0f}",
        share,
        f"{r['p50_ms']:.1f}",
        f"{r['p99_ms']:.1f}",
        str(others),
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_bare:
        uvicorn.run(
            bare_app, host="127.0.0.1", port=args.serve_bare, log_level="info", proxy_headers=True
        )
        return
    bare = run_bare(args)
    ours, stored = run_cityops(args)
    acked = sum(n for s, n in ours["statuses"].items() if s == "201")
    print(
        table(
            f"POST /v1.1/Observations, {args.conns} keep-alive clients, {args.seconds:g} s "
            f"after {args.warmup:g} s warm-up\n{machine()}",
            [
                ("endpoint", "obs/s", "of bare", "p50 ms", "p99 ms", "non-201"),
                _row("bare FastAPI (parse JSON only)", bare, None),
                _row("cityops serve (SQLite)", ours, bare["rate"]),
            ],
            f"target >= {TARGET:,.0f} obs/s: {'met' if ours['rate'] >= TARGET else 'NOT met'}; "
            f"201s {acked:,}, stored {stored:,}. The load generator runs on the same cores.",
        )
    )


if __name__ == "__main__":
    main()
