"""POST /v1.1/Observations, one Observation per request, from 32 keep-alive connections
(wrk), to one ``cityops serve`` process on SQLite and on PostgreSQL, beside a bare FastAPI
endpoint that only parses the same JSON, served by uvicorn the same way, in the same run.

    .venv/bin/python bench/http_ingest.py [--seconds 10] [--warmup 2] [--conns 32]
                                          [--threads 1] [--backends sqlite,postgresql]

The load generator is wrk (Debian package ``wrk``, C, one thread by default) with
bench/post_observation.lua, so that it takes little of the 2 cores the server shares with
it. Besides requests per second the table gives the server's own CPU time per request
(user + system of the server process from /proc, during the measured run): the figure to
compare between runs on a busy machine. PostgreSQL's backend CPU is not in it. After each
run the stored observations are counted against the 201 answers (warm-up included).

``--granian`` adds a row: the same CityOps application served by granian (Rust ASGI
server, ``pip install granian``) instead of uvicorn, on SQLite, for the choice of server
(CPU per request of its worker process).

Goal (issue 22): CityOps >= 50 % of the bare endpoint's rate, every 201 stored.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
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
from _common import (
    PY,
    Server,
    admin_token,
    cpu_seconds,
    free_port,
    fresh_dir,
    loadavg,
    machine,
    make_datastreams,
    table,
    wait_http,
)

HERE = Path(__file__).resolve().parent
WRK = "/usr/bin/wrk"
GOAL = 0.50

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


def wrk(port: int, token: str, streams: list[int], seconds: float, args: Any) -> dict[str, Any]:
    """One wrk run against ``port``; its result line as a dict."""
    env = {**os.environ, "TOKEN": token, "DS0": str(streams[0]), "NDS": str(len(streams))}
    cmd = [
        WRK,
        f"-t{args.threads}",
        f"-c{args.conns}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(HERE / "post_observation.lua"),
        f"http://127.0.0.1:{port}/",
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK-RESULT "))
    result = dict(json.loads(line.removeprefix("WRK-RESULT ")))
    result["rate"] = result["statuses"].get("201", 0) / result["seconds"]
    return result


def measured(pid: int, port: int, token: str, streams: list[int], args: Any) -> dict[str, Any]:
    """Warm up, then the measured run with the server's CPU time per request."""
    warm = wrk(port, token, streams, args.warmup, args) if args.warmup > 0 else {"statuses": {}}
    before = cpu_seconds(pid)
    result = wrk(port, token, streams, args.seconds, args)
    used = cpu_seconds(pid) - before
    result["cpu_us"] = 1e6 * used / max(1, result["requests"])
    result["all_201"] = result["statuses"].get("201", 0) + warm["statuses"].get("201", 0)
    return result


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
        return measured(proc.pid, port, "none", list(range(1, args.conns + 1)), args)
    finally:
        proc.terminate()
        proc.wait(30)


def run_cityops(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    with server:
        streams = make_datastreams(server.base, server.headers, args.conns)
        assert server.proc is not None
        result = measured(server.proc.pid, server.port, server.token, streams, args)
        result["stored"] = httpx.get(
            f"{server.base}/v1.1/Observations",
            params={"$count": "true", "$top": "0"},
            headers=server.headers,
            timeout=120,
        ).json()["@iot.count"]
    return result


def run_granian(args: argparse.Namespace) -> dict[str, Any]:
    """CityOps under granian (one worker, uvloop) on a fresh SQLite file."""
    workdir = fresh_dir("granian")
    url = f"sqlite:///{workdir / 'bench.db'}"
    token = admin_token(url)
    port = free_port()
    env = {
        **os.environ,
        "CITYOPS_DATABASE_URL": url,
        "CITYOPS_HOST": "127.0.0.1",
        "CITYOPS_PORT": str(port),
        "CITYOPS_SECRET_KEY": "bench-" + "x" * 32,
    }
    granian = str(Path(PY).with_name("granian"))
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 (the server keeps it)
    proc = subprocess.Popen(
        [
            granian,
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--factory",
            "cityops.cli.serve:app_from_env",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/health", proc)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        worker = int(children[0]) if children else proc.pid
        headers = {"Authorization": f"Bearer {token}"}
        streams = make_datastreams(base, headers, args.conns)
        result = measured(worker, port, token, streams, args)
        result["stored"] = httpx.get(
            f"{base}/v1.1/Observations",
            params={"$count": "true", "$top": "0"},
            headers=headers,
            timeout=120,
        ).json()["@iot.count"]
        return result
    finally:
        proc.terminate()
        proc.wait(30)


def _row(name: str, r: dict[str, Any], bare: dict[str, Any] | None) -> tuple[str, ...]:
    others = sum(n for s, n in r["statuses"].items() if s != "201")
    stored = "-" if "stored" not in r else f"{r['stored']:,} of {r['all_201']:,}"
    return (
        name,
        f"{r['rate']:,.0f}",
        f"{100 * r['rate'] / bare['rate']:.0f} %" if bare else "100 %",
        f"{r['cpu_us']:.0f}",
        f"{r['p50_ms']:.1f}",
        f"{r['p99_ms']:.1f}",
        str(others),
        stored,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--granian", action="store_true", help="also CityOps under granian")
    p.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_bare:
        uvicorn.run(
            bare_app, host="127.0.0.1", port=args.serve_bare, log_level="info", proxy_headers=True
        )
        return
    load_before = loadavg()
    bare = run_bare(args)
    rows = [
        ("endpoint", "obs/s", "of bare", "CPU us/req", "p50 ms", "p99 ms", "non-201", "stored"),
        _row("bare FastAPI (parse JSON only)", bare, None),
    ]
    verdicts = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            ours = run_cityops(Server(fresh_dir("http")), args)
        else:
            from store_ingest import pg_database

            with pg_database() as url:
                ours = run_cityops(Server(fresh_dir("http-pg"), url=url), args)
        rows.append(_row(f"cityops serve ({backend})", ours, bare))
        ok = ours["rate"] >= GOAL * bare["rate"] and ours["stored"] >= ours["all_201"]
        verdicts.append(f"{backend} {'met' if ok else 'NOT met'}")
    if args.granian:
        rows.append(_row("cityops under granian (sqlite)", run_granian(args), bare))
    print(
        table(
            f"POST /v1.1/Observations, wrk -t{args.threads} -c{args.conns}, {args.seconds:g} s "
            f"after {args.warmup:g} s warm-up\n{machine()}",
            rows,
            f"goal >= {GOAL:.0%} of bare, every 201 stored: {'; '.join(verdicts)}. "
            f"Load average before {load_before}, after {loadavg()}.",
        )
    )


if __name__ == "__main__":
    main()
