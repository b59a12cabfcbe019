"""Sustained MQTT ingest into SQLite through the local Mosquitto, beside the broker's limit.

    .venv/bin/python bench/mqtt_ingest.py [--count 100000] [--datastreams 10]

Two runs, same publisher (a separate process publishing QoS 1 as fast as the broker takes):
1. broker: a bare subscriber (QoS 1, acknowledging at once, doing nothing) — the most any
   MQTT consumer can get through this broker on this machine;
2. cityops: the CityOps MQTT worker (SQLite file, group commit, ack after commit, receipts,
   notifications on) storing every message as an Observation.
Rates are counted from the first to the last message received (sustained, not start-up).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import tempfile
import threading
import time
import uuid
from typing import Any

import orjson
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HOST, PORT = "127.0.0.1", 1883


def start_publisher(prefix: str, token: str, count: int, ids: list[int]) -> _Publishers:
    """One ``mosquitto_pub -l`` process per datastream (a C client, so that the publisher
    is not the bottleneck), ``count`` QoS 1 creates in all."""
    return _Publishers(prefix, token, count, ids)


class _Publishers:
    def __init__(self, prefix: str, token: str, count: int, ids: list[int]) -> None:
        self.procs = []
        for k, ds in enumerate(ids):
            n = count // len(ids) + (1 if k < count % len(ids) else 0)
            lines = b"".join(
                orjson.dumps({"result": (k * n + i) % 997 / 10,
                              "phenomenonTime": _stamp(k * n + i)}) + b"\n"
                for i in range(n))
            proc = subprocess.Popen(
                ["mosquitto_pub", "-h", HOST, "-p", str(PORT), "-V", "5", "-q", "1", "-l",
                 "-t", f"{prefix}v1.1/Datastreams({ds})/Observations",
                 "-D", "publish", "user-property", "authorization", f"Bearer {token}"],
                stdin=subprocess.PIPE)
            self.procs.append((proc, lines))
        # Writer threads: the pipes fill faster than mosquitto_pub reads, and the CityOps
        # run shares this process's event loop.
        self.threads = [threading.Thread(target=_feed, args=(proc, lines), daemon=True)
                        for proc, lines in self.procs]
        for t in self.threads:
            t.start()

    def close(self) -> None:
        """End the input. Only once all was received: ``mosquitto_pub -l`` drops what it
        has not sent yet when its input ends."""
        for t in self.threads:
            t.join()
        for proc, _ in self.procs:
            assert proc.stdin is not None
            proc.stdin.close()

    def poll(self) -> int | None:
        codes = [p.poll() for p, _ in self.procs]
        return None if None in codes else max(c or 0 for c in codes)

    def wait(self) -> int:
        return max(p.wait() for p, _ in self.procs)


def _feed(proc: subprocess.Popen[bytes], lines: bytes) -> None:
    assert proc.stdin is not None
    proc.stdin.write(lines)
    proc.stdin.flush()


def _stamp(i: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_000 + i))


def bare_subscriber(count: int, n_streams: int) -> float:
    """Messages a second a do-nothing QoS 1 subscriber (paho, the library under aiomqtt)
    receives through the broker."""
    prefix = f"bench-{uuid.uuid4().hex[:6]}/"
    got = {"n": 0, "first": 0.0, "last": 0.0}
    sub = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        now = time.perf_counter()
        got["first"] = got["first"] or now
        got["last"] = now
        got["n"] += 1

    sub.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.ReceiveMaximum = 65535  # as CityOps: the broker's 1000-message queue never fills
    sub.connect(HOST, PORT, properties=props)
    sub.subscribe(f"{prefix}v1.1/+/Observations", qos=1)
    sub.loop_start()
    time.sleep(0.3)
    pub = start_publisher(prefix, "x", count, list(range(1, n_streams + 1)))
    deadline = time.monotonic() + 120
    while got["n"] < count and time.monotonic() < deadline:
        time.sleep(0.05)
    pub.close()
    pub.wait()
    sub.loop_stop()
    sub.disconnect()
    print(f"bare subscriber received {got['n']} of {count}")
    return got["n"] / max(got["last"] - got["first"], 1e-9)


async def cityops_run(count: int, n_streams: int) -> tuple[float, dict[str, Any]]:
    """Observations a second CityOps stores from MQTT into a fresh SQLite database."""
    from cityops.mqtt.service import MqttService
    from cityops.settings import Settings
    from cityops.store import migrate
    from cityops.store.base import Store

    folder = tempfile.mkdtemp(prefix="cityops-bench-")
    prefix = f"bench-{uuid.uuid4().hex[:6]}/"
    settings = Settings(database_url=f"sqlite:///{folder}/bench.db",
                        mqtt_url=f"mqtt://{HOST}:{PORT}", mqtt_create_prefix=prefix,
                        mqtt_client_id=f"cityops-bench-{uuid.uuid4().hex[:6]}",
                        mqtt_session_expiry=60)
    store = Store(settings.database_url)
    migrate.upgrade(store.write_engine)
    token, ids = store.write_sync(lambda tx: _world(tx, n_streams))
    service = MqttService(settings, store, "http://localhost:8000/v1.1")
    await service.start()
    await asyncio.wait_for(service.connected.wait(), 10)
    pub = start_publisher(prefix, token, count, ids)
    first = 0.0
    deadline = time.monotonic() + 60
    while service.stats.stored + service.stats.duplicates < count:
        await asyncio.sleep(0.005)
        if service.stats.stored and not first:
            first = time.perf_counter()
        if pub.poll() or time.monotonic() > deadline:
            raise SystemExit(f"publisher failed or timed out: {service.stats.as_dict()}")
    last = time.perf_counter()
    await asyncio.to_thread(pub.close)
    await asyncio.to_thread(pub.wait)
    await asyncio.sleep(0.5)
    await service.stop()
    store.close()
    return count / max(last - first, 1e-9), service.stats.as_dict()


def _world(tx: Any, n_streams: int) -> tuple[str, list[int]]:
    """One Thing with ``n_streams`` Datastreams, and its device token."""
    from cityops.auth.principal import SYSTEM
    from cityops.auth.tokens import create_token
    from cityops.sta.create import create_entity
    from cityops.sta.entities import BY_NAME

    thing = create_entity(tx, BY_NAME["Thing"], {
        "name": "bench", "description": "b", "Locations": [{
            "name": "site", "description": "s", "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [105.8, 15.1]}}]}, SYSTEM)
    ids = []
    for i in range(n_streams):
        ids.append(create_entity(tx, BY_NAME["Datastream"], {
            "name": f"s{i}", "description": "d", "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
            "Thing": {"@iot.id": thing},
            "Sensor": {"name": "s", "description": "s", "encodingType": "text/plain",
                       "metadata": "-"},
            "ObservedProperty": {"name": "p", "definition": "d", "description": "d"},
        }, SYSTEM))
    return create_token(tx.conn, thing_id=thing)[1], ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--datastreams", type=int, default=4)
    args = ap.parse_args()
    broker = bare_subscriber(args.count, args.datastreams)
    rate, stats = asyncio.run(cityops_run(args.count, args.datastreams))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {_mosquitto_version()}")
    print(f"messages: {args.count} QoS 1 over {args.datastreams} datastreams")
    print(f"broker -> bare QoS 1 subscriber : {broker:>9,.0f} msg/s")
    print(f"broker -> CityOps -> SQLite      : {rate:>9,.0f} obs/s "
          f"({rate / broker:.0%} of the broker)")
    print(f"stats: {stats}")


def _mosquitto_version() -> str:
    try:
        out = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
        return out.splitlines()[0]
    except (OSError, IndexError):
        return "mosquitto ?"


if __name__ == "__main__":
    main()
