"""Sustained MQTT ingest into SQLite through the local Mosquitto, beside the broker's limit.

    .venv/bin/python bench/mqtt_ingest.py [--count 100000] [--datastreams 4] [--workers N]
                                          [--no-notify] [--catch-up]

The benchmark starts its own Mosquitto from the project's configuration
(``tests/mqtt/mosquitto-test.conf``: no queue limit, 1000 inflight) on a free port with its
persistence in a temporary directory, as tests/mqtt/test_restart.py does; the stock broker
on 1883 drops any backlog above ``max_queued_messages`` 1000. The broker is stopped at the
end. Two runs against it, same publisher (``mosquitto_pub`` processes publishing QoS 1 as
fast as the broker takes):
1. broker: a bare subscriber (QoS 1, acknowledging at once, doing nothing): Mosquitto's
   own C client ``mosquitto_sub`` (the broker's throughput to one connection), then a
   paho subscriber (the Python library CityOps uses, unpatched);
2. cityops: a real ``cityops serve`` process (CITYOPS_MQTT_URL pointing at the private
   broker; SQLite file, group commit, ack after commit, receipts, notifications on) storing
   every message as an Observation; progress is read from the database file (read-only).
Rates are counted from the first to the last message received / stored (sustained, not
start-up). Beside the rate, the CPU time the CityOps processes spent per stored observation
over the same interval (from psutil): a figure that load from other processes on the
machine does not change much. ``--workers N`` runs N processes sharing the subscription
(``$share/…``), all writing to the one SQLite file; ``--no-notify`` turns off the
SensorThings notifications (``CITYOPS_MQTT_NOTIFY=false``); ``--catch-up`` publishes
everything while CityOps is stopped and times how fast it works off the backlog once
restarted (the publishers do not share the two CPUs then).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as paho
import psutil
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CITYOPS, ROOT, free_port, wait_http  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.mqtt.broker import Broker, Publisher  # noqa: E402  (the tests' broker, device)

HOST = "127.0.0.1"
PORT = 0  # the private broker's port, set by main()
CONFIG = ROOT / "tests" / "mqtt" / "mosquitto-test.conf"  # what Broker runs


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
                orjson.dumps(
                    {"result": (k * n + i) % 997 / 10, "phenomenonTime": _stamp(k * n + i)}
                )
                + b"\n"
                for i in range(n)
            )
            proc = subprocess.Popen(
                [
                    "mosquitto_pub",
                    "-h",
                    HOST,
                    "-p",
                    str(PORT),
                    "-V",
                    "5",
                    "-q",
                    "1",
                    "-l",
                    "-t",
                    f"{prefix}v1.1/Datastreams({ds})/Observations",
                    "-D",
                    "publish",
                    "user-property",
                    "authorization",
                    f"Bearer {token}",
                ],
                stdin=subprocess.PIPE,
            )
            self.procs.append((proc, lines))
        # Writer threads: the pipes fill faster than mosquitto_pub reads, and the CityOps
        # run shares this process's event loop.
        self.threads = [
            threading.Thread(target=_feed, args=(proc, lines), daemon=True)
            for proc, lines in self.procs
        ]
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


def bare_c_subscriber(count: int, n_streams: int) -> float:
    """Messages a second ``mosquitto_sub`` (the broker's own C client: QoS 1, writing a
    time stamp per message) receives: the broker's throughput to a bare subscriber."""
    prefix = f"bench-{uuid.uuid4().hex[:6]}/"
    sub = subprocess.Popen(
        [
            "mosquitto_sub",
            "-h",
            HOST,
            "-p",
            str(PORT),
            "-V",
            "5",
            "-q",
            "1",
            "-C",
            str(count),
            "-F",
            "%U",
            "-t",
            f"{prefix}v1.1/+/Observations",
        ],
        stdout=subprocess.PIPE,
    )
    time.sleep(0.3)
    pub = start_publisher(prefix, "x", count, list(range(1, n_streams + 1)))
    out, _ = sub.communicate(timeout=120)
    pub.close()
    pub.wait()
    stamps = [float(line) for line in out.split()]
    print(f"mosquitto_sub received {len(stamps)} of {count}")
    return (len(stamps) - 1) / max(stamps[-1] - stamps[0], 1e-9)


def cityops_run(
    count: int,
    n_streams: int,
    folder: Path,
    workers: int = 1,
    notify: bool = True,
    catch_up: bool = False,
) -> tuple[float, float, list[dict[str, Any]]]:
    """Observations a second ``cityops serve`` stores from MQTT into a fresh SQLite
    database, its CPU µs per observation, and each worker's counters.

    With ``catch_up`` CityOps is stopped once subscribed, all messages are published into
    its session while it is down, and the rate is that of working off the backlog after
    the restart (no publisher competing for the CPU)."""
    from cityops.store import migrate
    from cityops.store.base import Store

    prefix = f"bench-{uuid.uuid4().hex[:6]}/"
    client_id = f"cityops-bench-{uuid.uuid4().hex[:6]}"
    db = folder / "bench.db"
    store = Store(f"sqlite:///{db}")
    migrate.upgrade(store.write_engine)
    token, ids = store.write_sync(lambda tx: _world(tx, n_streams))
    store.close()
    env = {
        **os.environ,
        "CITYOPS_SECRET_KEY": "bench-" + "x" * 32,
        "CITYOPS_MQTT_URL": f"mqtt://{HOST}:{PORT}",
        "CITYOPS_MQTT_CLIENT_ID": client_id,
        "CITYOPS_MQTT_CREATE_PREFIX": prefix,
        "CITYOPS_MQTT_SESSION_EXPIRY": "60",
        "CITYOPS_MQTT_NOTIFY": str(notify).lower(),
    }
    if workers > 1:
        env["CITYOPS_MQTT_SHARED_GROUP"] = f"bench{uuid.uuid4().hex[:6]}"
    ids_of = [f"{client_id}-{n}" for n in range(workers)] if workers > 1 else [client_id]
    http_port = free_port()
    log = (folder / "server.log").open("ab")

    def serve() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                CITYOPS,
                "serve",
                "--host",
                HOST,
                "--port",
                str(http_port),
                "-d",
                f"sqlite:///{db}",
                "--workers",
                str(workers),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
        )
        wait_http(f"http://{HOST}:{http_port}/health", proc)
        return proc

    server = serve()
    try:
        statuses = [_wait_status(c) for c in ids_of]  # every worker has subscribed
        reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        pub: Any = _Done()
        if catch_up:
            server.terminate()
            server.wait(30)
            device = Publisher(
                PORT,
                lambda n: f"{prefix}v1.1/Datastreams({ids[n % len(ids)]})/Observations",
                token,
                count,
                message_ids=False,
                window=1000,
            )
            device.start()
            device.finish()  # the broker holds every message for CityOps' session
            server = serve()
        else:
            pub = start_publisher(prefix, token, count, ids)
        first = last = 0.0
        n_first = stored = 0
        cpu_first = 0.0
        deadline = time.monotonic() + max(60, count / 500)
        while stored < count:
            time.sleep(0.01)
            stored = reader.execute("SELECT count(*) FROM observations").fetchone()[0]
            now = time.perf_counter()
            if stored and not first:
                first, n_first, cpu_first = now, stored, _cpu_seconds(server.pid)
            last = now
            if pub.poll() or time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(
                    f"publisher/server failed or timed out: {stored} of {count}"
                    f" stored; server log {folder / 'server.log'}"
                )
        cpu = _cpu_seconds(server.pid) - cpu_first
        pub.close()
        pub.wait()
        time.sleep(STATUS_WAIT)  # the next retained status carries the final counters
        stats = [_wait_status(c, after=st) for c, st in zip(ids_of, statuses, strict=True)]
        reader.close()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)
        log.close()
    return (count - n_first) / max(last - first, 1e-9), cpu * 1e6 / (count - n_first), stats


class _Done:
    """The publisher of a catch-up run: finished before CityOps started again."""

    def poll(self) -> int:
        return 0

    def close(self) -> None:
        pass

    def wait(self) -> int:
        return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (the uvicorn workers)."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


STATUS_WAIT = 5.5  # a little over the worker's status period (5 s)


def _wait_status(
    client_id: str, after: dict[str, Any] | None = None, timeout: float = 30
) -> dict[str, Any]:
    """The worker's retained ``cityops/status/<client id>`` counters (once it has
    subscribed); with ``after``, a message different from that one."""
    got: list[dict[str, Any]] = []
    seen = threading.Event()
    probe = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)

    def on_message(_c: Any, _u: Any, m: Any) -> None:
        body = orjson.loads(m.payload)
        if body != after:
            got.append(body)
            seen.set()

    probe.on_message = on_message
    probe.connect(HOST, PORT)
    probe.subscribe(f"cityops/status/{client_id}", qos=0)
    probe.loop_start()
    try:
        if not seen.wait(timeout):
            raise SystemExit("CityOps did not publish its status in time")
    finally:
        probe.loop_stop()
        probe.disconnect()
    return got[-1]


def _world(tx: Any, n_streams: int) -> tuple[str, list[int]]:
    """One Thing with ``n_streams`` Datastreams, and its device token."""
    from cityops.auth.principal import SYSTEM
    from cityops.auth.tokens import create_token
    from cityops.datamodel.entities import BY_NAME
    from cityops.sta.create import create_entity

    thing = create_entity(
        tx,
        BY_NAME["Thing"],
        {
            "name": "bench",
            "description": "b",
            "Locations": [
                {
                    "name": "site",
                    "description": "s",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [105.8, 15.1]},
                }
            ],
        },
        SYSTEM,
    )
    ids = []
    for i in range(n_streams):
        ids.append(
            create_entity(
                tx,
                BY_NAME["Datastream"],
                {
                    "name": f"s{i}",
                    "description": "d",
                    "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
                    "Thing": {"@iot.id": thing},
                    "Sensor": {
                        "name": "s",
                        "description": "s",
                        "encodingType": "text/plain",
                        "metadata": "-",
                    },
                    "ObservedProperty": {"name": "p", "definition": "d", "description": "d"},
                },
                SYSTEM,
            )
        )
    return create_token(tx.conn, thing_id=thing)[1], ids


def main() -> None:
    global PORT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--datastreams", type=int, default=4)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-notify", action="store_true")
    ap.add_argument(
        "--catch-up",
        action="store_true",
        help="publish everything while CityOps is down, then time the catch-up",
    )
    args = ap.parse_args()
    if shutil.which("mosquitto") is None or shutil.which("mosquitto_pub") is None:
        raise SystemExit(
            "needs mosquitto and mosquitto_pub (apt-get install mosquitto mosquitto-clients)"
        )
    folder = Path(tempfile.mkdtemp(prefix="cityops-bench-mqtt-"))
    (folder / "broker").mkdir()
    broker_proc = Broker(folder / "broker")
    PORT = broker_proc.port
    try:
        broker_c = bare_c_subscriber(args.count, args.datastreams)
        broker = bare_subscriber(args.count, args.datastreams)
        rate, cpu_us, stats = cityops_run(
            args.count, args.datastreams, folder, args.workers, not args.no_notify, args.catch_up
        )
    finally:
        broker_proc.stop()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {_mosquitto_version()}"
    )
    print(
        f"broker: private mosquitto -c {CONFIG.relative_to(ROOT)} on port {PORT}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"messages: {args.count} QoS 1 over {args.datastreams} datastreams; cityops: "
        f"{args.workers} worker(s), notifications {'off' if args.no_notify else 'on'}"
        f"{', catching up a backlog' if args.catch_up else ', publisher running'}"
    )
    print(f"broker -> mosquitto_sub (C)       : {broker_c:>9,.0f} msg/s")
    print(f"broker -> bare paho subscriber    : {broker:>9,.0f} msg/s")
    print(
        f"broker -> cityops serve -> SQLite : {rate:>9,.0f} obs/s "
        f"({rate / broker_c:.0%} of mosquitto_sub), {cpu_us:,.0f} CPU µs per observation"
    )
    print(f"target 10,000 obs/s: {'met' if rate >= 10_000 else 'NOT met'}")
    for st in stats:
        print(f"stats: {st}")
    shutil.rmtree(folder, ignore_errors=True)


def _mosquitto_version() -> str:
    try:
        out = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
        return out.splitlines()[0]
    except (OSError, IndexError):
        return "mosquitto ?"


if __name__ == "__main__":
    main()
