"""Ingest through the NATS JetStream log with 1, 2 and 3 CityOps nodes (``events_url``).

For each cluster size: a 3-node NATS JetStream cluster on loopback ports, a fresh
PostgreSQL database, a private Mosquitto (tests/mqtt/mosquitto-test.conf), and N
``cityops serve`` processes. Three loads, one after the other, spread over the nodes:

- HTTP single POSTs: ``wrk`` (when installed; a Lua script posting one Observation per
  request) against every node at once, else bench/loadgen.py per node;
- CreateObservations: 4 clients per node posting 500 rows per request;
- MQTT: a device publishing QoS 1 observations as fast as the broker acknowledges them,
  shared by the nodes through an MQTT 5 shared subscription.

Each load prints the acknowledged observations per second, the rate at which they were in
the database (acknowledged until the last one was stored), the scaling factor against one
node, and the CPU seconds each node spent per 1,000 observations (user + system from
/proc, for the CityOps processes only): on a 2-core machine shared with NATS, PostgreSQL
and the load generators the scaling factor cannot show the gain of real hosts; CPU per
observation per node projects it.

    .venv/bin/python bench/cluster_ingest.py [--seconds 10] [--nodes 1,2,3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ and tests/ as packages

import httpx  # noqa: E402
from bench._common import (  # noqa: E402
    CITYOPS,
    PY,
    admin_token,
    free_port,
    fresh_dir,
    machine,
    table,
    wait_http,
)
from bench.store_ingest import pg_database  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from tests.cluster.natscluster import NatsCluster  # noqa: E402
from tests.mqtt.broker import Broker, Publisher, mqtt_env  # noqa: E402

from cityops.store import schema as s  # noqa: E402

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"result": %%d, "Datastream": {"@iot.id": %(stream)d}}', counter)
  return wrk.format(nil, "/v1.1/Observations", nil, body)
end
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def stored(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(s.observations)).scalar_one())
    finally:
        engine.dispose()


def wait_stored(url: str, at_least: int, timeout: float = 300) -> float:
    """Poll until ``at_least`` observations are stored; the time it happened."""
    deadline = time.monotonic() + timeout
    while stored(url) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return time.monotonic()


def http_single(nodes: list[str], token: str, stream: int, seconds: float) -> int:
    """Acknowledged single POSTs (wrk, or bench/loadgen.py without it)."""
    if shutil.which("wrk"):
        script = fresh_dir("wrk") / "post.lua"
        script.write_text(WRK_SCRIPT % {"token": token, "stream": stream})
        procs = [
            subprocess.Popen(
                ["wrk", "-t1", "-c16", f"-d{seconds:g}s", "-s", str(script), url],
                stdout=subprocess.PIPE,
                text=True,
            )
            for url in nodes
        ]
        total = 0
        for proc in procs:
            out, _ = proc.communicate()
            for line in out.splitlines():
                if "requests in" in line:
                    total += int(line.split()[0])
                if "Non-2xx" in line:
                    total -= int(line.split()[-1])
        return total
    here = os.path.dirname(os.path.abspath(__file__))
    procs = [
        subprocess.Popen(
            [
                PY,
                os.path.join(here, "loadgen.py"),
                "--port",
                url.rsplit(":", 1)[1],
                "--token",
                token,
                "--datastreams",
                str(stream),
                "--conns",
                "16",
                "--seconds",
                str(seconds),
                "--warmup",
                "0",
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            text=True,
        )
        for url in nodes
    ]
    return sum(int(json.loads(p.communicate()[0])["statuses"].get("201", 0)) for p in procs)


def bulk(nodes: list[str], token: str, stream: int, seconds: float) -> int:
    rows = [[f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z", i] for i in range(500)]
    body = [
        {
            "Datastream": {"@iot.id": stream},
            "components": ["phenomenonTime", "result"],
            "dataArray": rows,
        }
    ]
    acked = 0

    async def client(url: str, stop: float) -> None:
        nonlocal acked
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            while time.monotonic() < stop:
                r = await http.post("/v1.1/CreateObservations", json=body)
                if r.status_code == 201:
                    acked += sum(1 for x in r.json() if x != "error")

    async def run() -> None:
        stop = time.monotonic() + seconds
        await asyncio.gather(*(client(u, stop) for u in nodes for _ in range(4)))

    asyncio.run(run())
    return acked


def mqtt(broker: Broker, token: str, stream: int, seconds: float, rate: float) -> int:
    total = int(seconds * rate)
    pub = Publisher(
        broker.port,
        lambda n: f"v1.1/Datastreams({stream})/Observations",
        token,
        total,
        window=1000,
    )
    pub.start()
    pub.finish(timeout=seconds * 20 + 60)
    return total


def measure(
    name: str, url: str, pids: list[int], load: Any, base_count: int
) -> tuple[str, int, float, float, float]:
    """(name, acknowledged, ack/s, stored/s, CPU s per 1000 obs per node)."""
    cpu0 = [cpu_seconds(p) for p in pids]
    start = time.monotonic()
    acked = load()
    acked_at = time.monotonic()
    done = wait_stored(url, base_count + acked)
    cpu = sum(cpu_seconds(p) - c for p, c in zip(pids, cpu0, strict=True))
    per_node = cpu / len(pids) / max(acked, 1) * 1000
    return name, acked, acked / (acked_at - start), acked / (done - start), per_node


def device_token(url: str, thing: int) -> str:
    out = subprocess.run(
        [CITYOPS, "token", "create", "--device", str(thing), "-d", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.split(": ", 1)[1].strip()


def run(n: int, args: argparse.Namespace) -> list[tuple[str, int, float, float, float]]:
    root = fresh_dir("cluster")
    with ExitStack() as stack, pg_database() as url:
        nats = NatsCluster(root / "nats", nodes_count=3).start()
        stack.callback(nats.stop)
        broker = Broker(root / "mosquitto")
        stack.callback(broker.stop, True)
        token = admin_token(url)
        env = {
            **os.environ,
            "CITYOPS_DATABASE_URL": url,
            "CITYOPS_EVENTS_URL": nats.urls,
            **mqtt_env(broker, "cityops-bench", mqtt_shared_group="bench"),
        }
        procs, nodes = [], []
        for _ in range(n):
            port = free_port()
            log = open(root / f"node-{port}.log", "wb")  # noqa: SIM115
            stack.callback(log.close)
            proc = subprocess.Popen(
                [CITYOPS, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
            )
            stack.callback(proc.wait, 60)
            stack.callback(proc.terminate)
            wait_http(f"http://127.0.0.1:{port}/health", proc, timeout=120)
            procs.append(proc)
            nodes.append(f"http://127.0.0.1:{port}")
        headers = {"Authorization": f"Bearer {token}"}
        thing = {
            "name": "Bench gauge", "description": "bench",
            "Locations": [{
                "name": "Site", "description": "bench", "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [105.8, 15.1]},
            }],
        }  # fmt: skip
        r = httpx.post(nodes[0] + "/v1.1/Things", json=thing, headers=headers, timeout=30)
        thing_id = r.json()["@iot.id"]
        ds = {
            "name": "Level", "description": "stage", "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
            "Thing": {"@iot.id": thing_id},
            "Sensor": {"name": "Radar", "description": "r", "encodingType": "text/plain",
                       "metadata": "none"},
            "ObservedProperty": {"name": "Level", "definition": "x", "description": "d"},
        }  # fmt: skip
        stream = httpx.post(nodes[0] + "/v1.1/Datastreams", json=ds, headers=headers).json()[
            "@iot.id"
        ]
        device = device_token(url, thing_id)
        pids = [p.pid for p in procs]
        out = []
        for name, load in (
            ("HTTP POST", lambda: http_single(nodes, device, stream, args.seconds)),
            ("CreateObservations", lambda: bulk(nodes, device, stream, args.seconds)),
            ("MQTT QoS 1", lambda: mqtt(broker, device, stream, args.seconds, args.mqtt_rate)),
        ):
            out.append(measure(name, url, pids, load, stored(url)))
        return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--nodes", default="1,2,3")
    p.add_argument("--mqtt-rate", type=float, default=3000.0, help="QoS 1 messages to send /s")
    args = p.parse_args()
    results = {n: run(n, args) for n in [int(x) for x in args.nodes.split(",")]}
    first = results[min(results)]
    rows = [("nodes", "load", "acked", "acked/s", "stored/s", "x vs 1 node", "CPU s/1000 obs/node")]
    for n, res in results.items():
        for (name, acked, ack_rate, stored_rate, cpu), base in zip(res, first, strict=True):
            rows.append(
                (
                    str(n), name, f"{acked:,}", f"{ack_rate:,.0f}", f"{stored_rate:,.0f}",
                    f"{stored_rate / base[3]:.2f}", f"{cpu:.3f}",
                )
            )  # fmt: skip
    print(
        table(
            f"Ingest through the NATS JetStream log (3 NATS nodes, R3), {args.seconds:g} s "
            f"per load\n{machine()}",
            rows,
            "Limit measured in the same run: the 1-node row of each load. NATS, PostgreSQL, "
            "Mosquitto and the load generators share the cores with the nodes.",
        )
    )


if __name__ == "__main__":
    main()
