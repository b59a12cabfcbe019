"""Benchmark: replay 65 years of Pakse water levels (MRC 013901) with all its rules.

Target (issue 6): under 5 s. Printed beside the limits measured in the same run: reading
the series back from the store, and the bare ``classify_levels`` call on it.
Usage: python bench/replay_pakse.py  (needs /work/shared/data/mekong/).
"""

from __future__ import annotations

import csv
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _hazard_setup import add_rules, make_datastreams, temp_store

from cityops.alerting.replay import replay
from cityops.alerting.windows import load_series
from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.hazards.thresholds import classify_levels
from cityops.ingest.write import store_observations

CSV = Path("/work/shared/data/mekong/pakse_water_level_MRC_013901.csv")


def read() -> list[tuple[datetime, float]]:
    """Timestamps end in Z: taken as true UTC (the header's UTC+07:00 is ignored)."""
    with CSV.open(newline="") as f:
        return sorted(
            (
                datetime.strptime(r["Timestamp (UTC+07:00)"], "%Y-%m-%dT%H:%MZ").replace(
                    tzinfo=UTC
                ),
                float(r["Value"]),
            )
            for r in csv.DictReader(f)
        )


def rules(ds: int) -> list[dict[str, object]]:
    base = {"inputs": {"level": ds}, "subject": "Pakse"}
    return [
        {
            "name": "pakse-flood",
            "type": "river_level",
            **base,
            "levels": {"warning": 11.0, "danger": 12.0},
        },
        {
            "name": "pakse-alarm",
            "type": "river_level",
            **base,
            "levels": {"warning": 11.0, "danger": 12.0},
            "hysteresis": 0.1,
            "rate_of_rise": {"per_hour": 0.05, "window": 86400.0, "level": "warning"},
            "forecast": {
                "target": "danger",
                "horizon": 259200.0,
                "window": 172800.0,
                "level": "warning",
            },
        },
        {
            "name": "pakse-quality",
            "type": "data_quality",
            "subject": "Pakse gauge",
            "inputs": {"value": ds},
            "unit": "m",
            "max_gap": 3 * 86400.0,
            "spike_per_hour": 0.5,
            "minimum": -1.0,
            "maximum": 20.0,
        },
    ]


def main() -> None:
    rows = read()
    store = temp_store()
    ds = make_datastreams(store, 1)[0]
    t = time.perf_counter()
    for i in range(0, len(rows), 1000):
        batch = [ObservationIn(ds, w, result_number=v) for w, v in rows[i : i + 1000]]
        store.write_sync(lambda tx, b=batch: store_observations(tx, b, SYSTEM))
    imported = time.perf_counter() - t
    add_rules(store, rules(ds))
    t = time.perf_counter()
    with store.read() as conn:
        _, times, values = load_series(conn, ds)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    classify_levels(times, values, [11.0, 12.0])
    classify_s = time.perf_counter() - t
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        result = replay(store, datetime(1959, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
        best = min(best, time.perf_counter() - t)
    store.close()
    print(
        f"observations: {len(rows)} ({rows[0][0]:%Y-%m-%d} .. {rows[-1][0]:%Y-%m-%d}), "
        f"imported in {imported:.2f} s ({len(rows) / imported:,.0f} obs/s)"
    )
    print(
        f"replay, 3 rules, best of 3: {best:.3f} s   (target < 5 s)"
        f"  -> {len(result.incidents)} incidents, errors: {result.errors or 'none'}"
    )
    print(
        f"limit: reading the series from SQLite once: {read_s:.3f} s; "
        f"classify_levels alone: {classify_s:.3f} s"
    )


if __name__ == "__main__":
    main()
