"""Memory: the server's resident set while 1 million observations are loaded through
the API (CreateObservations batches), sampled during the run; the peak against 300 MB.

    .venv/bin/python bench/memory.py [--total 1000000] [--rows 10000] [--clients 2]

RSS is read from /proc/<pid>/status (VmRSS every 0.2 s; VmHWM is the kernel's own peak).
The server's RSS when idle after start-up is printed beside it as the in-run reference.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Server, fresh_dir, machine, make_datastreams, rss_mb, table
from bulk_ingest import body

LIMIT_MB = 300.0


class Sampler(threading.Thread):
    """Reads a process's VmRSS until stopped; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = 0.0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.samples += 1
            time.sleep(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def load(server: Server, streams: list[int], args: argparse.Namespace) -> None:
    """Send ``args.total`` rows in requests of ``args.rows``, round robin over streams."""
    requests = list(range(args.total // args.rows))
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=server.base, headers=server.headers, timeout=300) as c:
            while True:
                with lock:
                    if not requests:
                        return
                    n = requests.pop()
                r = c.post(
                    "/v1.1/CreateObservations",
                    content=body(streams[n % len(streams)], n, args.rows),
                    headers={"Content-Type": "application/json"},
                )
                assert r.status_code == 201, r.text[:300]

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--total", type=int, default=1_000_000)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=2)
    args = p.parse_args()
    with Server(fresh_dir("memory")) as server:
        assert server.proc is not None
        pid = server.proc.pid
        streams = make_datastreams(server.base, server.headers, 10)
        idle = rss_mb(pid)
        sampler = Sampler(pid)
        sampler.start()
        start = time.perf_counter()
        load(server, streams, args)
        elapsed = time.perf_counter() - start
        sampler.stop()
        final, hwm = rss_mb(pid), rss_mb(pid, "VmHWM")
        stored = httpx.get(
            f"{server.base}/v1.1/Observations",
            params={"$count": "true", "$top": "0"},
            headers=server.headers,
            timeout=300,
        ).json()["@iot.count"]
    peak = max(sampler.peak, hwm)
    print(
        table(
            f"Server memory while {args.total:,} observations are loaded "
            f"({args.rows:,}-row CreateObservations, {args.clients} clients)\n{machine()}",
            [
                ("figure", "MB"),
                ("RSS idle after start (reference)", f"{idle:.0f}"),
                (f"peak RSS sampled ({sampler.samples} samples)", f"{sampler.peak:.0f}"),
                ("peak RSS (kernel VmHWM)", f"{hwm:.0f}"),
                ("RSS at the end", f"{final:.0f}"),
                ("limit", f"{LIMIT_MB:.0f}"),
            ],
            f"{'PASS' if peak < LIMIT_MB else 'FAIL'}: peak {peak:.0f} MB vs {LIMIT_MB:.0f} MB; "
            f"stored {stored:,} rows in {elapsed:.0f} s ({stored / elapsed:,.0f} rows/s).",
        )
    )


if __name__ == "__main__":
    main()
