"""Run every benchmark in sequence (``make bench``), each in its own process.

    .venv/bin/python bench/run_all.py [--quick]

``--quick`` shortens each run (for a smoke test; the figures in docs/benchmarks.md come
from the full runs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    # (script, full arguments, quick arguments)
    ("http_ingest.py", [], ["--seconds", "4", "--warmup", "1"]),
    ("bulk_ingest.py", [], ["--requests", "5"]),
    ("durability.py", [], ["--rounds", "1", "--load-seconds", "2"]),
    ("memory.py", [], ["--total", "100000"]),
    ("store_ingest.py", [], ["--rows", "20000"]),
    ("pg_http_workers.py", [], ["--seconds", "3", "--warmup", "1", "--workers", "1,2"]),
    ("query_bench.py", [], ["--observations", "50000", "--reps", "20"]),
    ("replay_pakse.py", [], []),
    (
        "engine_latency.py",
        [],
        ["--rules", "1000", "--rate", "500", "--seconds", "5", "--warmup", "2"],
    ),
    ("import_mrc.py", [], []),
    ("import_csv.py", [], ["--rows", "100000"]),
    ("mqtt_ingest.py", [], ["--count", "5000"]),
    ("pg_partitions.py", [], ["--observations", "50000", "--reps", "20"]),
    (
        "ogc_items.py",
        [],
        ["--features", "5000", "--wards", "100", "--facilities", "1000", "--reps", "20"],
    ),
    ("cluster_ingest.py", [], ["--seconds", "2", "--nodes", "1,2", "--mqtt-rate", "300"]),
    (
        "page_load.py",
        [],
        ["--observations", "100000", "--reps", "2", "--samples", "5", "--history-days", "0.5"],
    ),
    ("cluster_takeover.py", [], ["--rounds", "1", "--lease", "3"]),
    (
        "cluster_engine_latency.py",
        [],
        ["--rules", "1000", "--rate", "300", "--seconds", "4", "--warmup", "2"],
    ),
]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    failed = []
    for script, full, quick in BENCHMARKS:
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"$ {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        if subprocess.run(cmd, check=False).returncode != 0:
            failed.append(script)
        print(f"({time.perf_counter() - start:.0f} s)\n", flush=True)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
