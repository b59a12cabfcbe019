"""Benchmark: commit of a level-crossing observation -> incident committed and readable,
with 10,000 active rules under ~2,000 observations/s (SQLite, one process).

Target (issue 6): p99 <= 50 ms. Printed beside limits measured in the same run: the
commit round trip of an empty write job under the same load (the floor any write pays),
and the raw ingest rate through store_observations with no engine.
Usage: python bench/engine_latency.py [--rules 10000] [--rate 2000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _hazard_setup import add_rules, make_datastreams, temp_store

from cityops.alerting.engine import Engine
from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.store.base import Store

T0 = datetime(2025, 8, 1, tzinfo=UTC)
BATCH = 100  # observations per write job (a CreateObservations request)


def _job(batch: list[ObservationIn]) -> Any:
    return lambda tx: store_observations(tx, batch, SYSTEM)


def load(
    store: Store, ds: list[int], rate: int, seconds: float, stop: threading.Event, sent: list[int]
) -> None:
    """Background observations below every level, ``rate`` a second, on random streams."""
    rng = np.random.default_rng(1)
    step = BATCH / rate  # 20 jobs a second at 2,000 obs/s
    next_t, k = time.perf_counter(), 0
    while not stop.is_set():
        picks = rng.choice(ds, BATCH)
        when = T0 + timedelta(seconds=k)
        store.writer.submit(
            _job([ObservationIn(int(d), when, result_number=5.0 + rng.random()) for d in picks])
        )
        sent[0] += BATCH
        k += 1
        next_t += step
        time.sleep(max(0.0, next_t - time.perf_counter()))


def probe(store: Store, ds: int, rule: str, seen: dict[str, float]) -> float | None:
    """Commit one crossing observation; seconds until its Incident event (after commit)."""
    done = threading.Event()
    committed: list[float] = []
    fut = store.writer.submit(
        _job([ObservationIn(ds, T0 + timedelta(days=400), result_number=12.5)])
    )
    fut.add_done_callback(lambda f: committed.append(time.perf_counter()))
    fut.result()
    deadline = time.perf_counter() + 30
    while rule not in seen and time.perf_counter() < deadline:
        time.sleep(0.0005)
    done.set()
    return seen[rule] - committed[0] if rule in seen else None


def empty_commit(store: Store) -> float:
    t = time.perf_counter()
    store.write_sync(lambda tx: None)
    return time.perf_counter() - t


def raw_ingest_rate(n_ds: int) -> float:
    """Observations/s through store_observations, 20 a job, no rules, no engine."""
    store = temp_store()
    ds = make_datastreams(store, n_ds)
    rng = np.random.default_rng(2)
    futures, n = [], 40_000
    t = time.perf_counter()
    for k in range(n // BATCH):
        picks = rng.choice(ds, BATCH)
        futures.append(
            store.writer.submit(
                _job(
                    [
                        ObservationIn(int(d), T0 + timedelta(seconds=k), result_number=1.0)
                        for d in picks
                    ]
                )
            )
        )
    for f in futures:
        f.result()
    rate = n / (time.perf_counter() - t)
    store.close()
    return rate


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs) * 1000, q)) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    a = ap.parse_args()
    store = temp_store()
    t = time.perf_counter()
    ds = make_datastreams(store, a.rules)
    add_rules(
        store,
        [
            {
                "name": f"r{d}",
                "type": "river_level",
                "subject": f"gauge {d}",
                "inputs": {"level": d},
                "levels": {"warning": 11.0, "danger": 12.0},
            }
            for d in ds
        ],
    )
    engine = Engine(store)
    engine.start()
    setup = time.perf_counter() - t
    seen: dict[str, float] = {}
    store.subscribe(
        lambda evs: [
            seen.setdefault(e.data["rule"], time.perf_counter())
            for e in evs
            if e.entity == "Incident" and e.kind == "created"
        ]
    )
    probes, background = ds[:400], ds[400:]
    stop, sent = threading.Event(), [0]
    th = threading.Thread(target=load, args=(store, background, a.rate, 0, stop, sent))
    th.start()
    time.sleep(a.warmup)
    lat, floor, start_sent, t_start = [], [], sent[0], time.perf_counter()
    i, missed = 0, 0
    while time.perf_counter() - t_start < a.seconds and i < len(probes):
        got = probe(store, probes[i], f"r{probes[i]}", seen)
        if got is not None:
            lat.append(got)
        else:
            missed += 1
        floor.append(empty_commit(store))
        i += 1
        time.sleep(0.03)
    achieved = (sent[0] - start_sent) / (time.perf_counter() - t_start)
    stop.set()
    th.join()
    engine.flush(60)
    engine.stop()
    store.close()
    raw = raw_ingest_rate(1000)
    print(
        f"setup: {a.rules} datastreams + rules in {setup:.1f} s; engine stats {dict(engine.stats)} "
        f"timing { ({k: round(v, 2) for k, v in engine.timing.items()}) }"
    )
    print(f"load: {achieved:,.0f} obs/s offered during measurement (target {a.rate}/s)")
    print(
        f"commit -> incident committed (event), {len(lat)} probes: "
        f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, max {max(lat or [0]) * 1000:.1f} ms"
        f", {missed} over 30 s   (target p99 <= 50 ms)"
    )
    print(
        f"limit: empty write job round trip under the same load: p50 {pct(floor, 50):.1f} ms, "
        f"p99 {pct(floor, 99):.1f} ms"
    )
    print(f"limit: raw ingest without rules: {raw:,.0f} obs/s (store_observations, {BATCH}/job)")


if __name__ == "__main__":
    main()
