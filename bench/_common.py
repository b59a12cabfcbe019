"""Shared pieces of the benchmarks: a real ``cityops serve`` process on a fresh SQLite
file, an admin token made through the services, a small world of Datastreams, memory
readings from /proc, and table printing.

Nothing here is timed itself; each benchmark measures its own figure and its limit.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CITYOPS = str(Path(PY).with_name("cityops"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def admin_token(db_url: str) -> str:
    """Migrate a fresh database and make an admin user with an API token (the services)."""
    from cityops.auth.tokens import create_token
    from cityops.auth.users import add_user
    from cityops.store import migrate
    from cityops.store.base import Store

    store = Store(db_url, read_pool_size=1)
    try:
        migrate.upgrade(store.write_engine)

        def job(tx: Any) -> str:
            uid = add_user(tx.conn, "bench", "tide-gauge-harness-5541", "admin")
            return create_token(tx.conn, user_id=uid, name="bench")[1]

        return str(store.write_sync(job))
    finally:
        store.close()


def wait_http(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60) -> None:
    """Poll ``url`` until it answers 200 (or fail if the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@dataclass
class Server:
    """A ``cityops serve`` process on its own SQLite file (or on ``url``, a fresh
    PostgreSQL database)."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    token: str = ""
    url: str = ""

    @property
    def db_path(self) -> Path:
        return self.workdir / "bench.db"

    @property
    def db_url(self) -> str:
        return self.url or f"sqlite:///{self.db_path}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self) -> None:
        """Start (or restart) the server on the same database; make the token once."""
        if not self.token:
            self.token = admin_token(self.db_url)
        env = {**os.environ, "CITYOPS_SECRET_KEY": "bench-" + "x" * 32}
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115 (the server keeps it)
        self.proc = subprocess.Popen(
            [CITYOPS, "serve", "--host", "127.0.0.1", "--port", str(self.port), "-d", self.db_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.workdir,
        )
        wait_http(f"{self.base}/health", self.proc)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.proc = None

    def __enter__(self) -> Server:  # noqa: PYI034
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def fresh_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"cityops-{prefix}-"))


def make_datastreams(base: str, headers: dict[str, str], n: int) -> list[int]:
    """One Thing with a Location and ``n`` Datastreams; their ids."""
    thing = {
        "name": "Bench gauge",
        "description": "benchmark station",
        "Locations": [
            {
                "name": "Site",
                "description": "bench site",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [105.8, 15.1]},
            }
        ],
        "Datastreams": [
            {
                "name": f"Level {i}",
                "description": "stage",
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "Sensor": {
                    "name": f"Radar {i}",
                    "description": "radar",
                    "encodingType": "text/plain",
                    "metadata": "none",
                },
                "ObservedProperty": {
                    "name": f"Level {i}",
                    "definition": "http://example.org/wl",
                    "description": "stage",
                },
            }
            for i in range(n)
        ],
    }
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        r = client.post("/v1.1/Things", json=thing)
        r.raise_for_status()
        r = client.get(
            f"/v1.1/Things({r.json()['@iot.id']})/Datastreams",
            params={"$select": "id", "$top": n, "$orderby": "id"},
        )
        r.raise_for_status()
        return [int(d["@iot.id"]) for d in r.json()["value"]]


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Resident memory of a process in MB (``VmHWM`` gives the kernel's peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process used so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str:
    """The 1-minute load average, printed before and after a run."""
    return Path("/proc/loadavg").read_text().split()[0]


def machine() -> str:
    """CPU model, cores and memory, for the header of every result table."""
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = 0.0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) / 1024 / 1024
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Python {platform.python_version()}"


def table(title: str, rows: list[tuple[str, ...]], note: str = "") -> str:
    """A plain-text table: first row is the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = "  ".join("-" * w for w in widths)
    out = [title, line]
    for n, r in enumerate(rows):
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if n == 0:
            out.append(line)
    out.append(line)
    if note:
        out.append(note)
    return "\n".join(out)
