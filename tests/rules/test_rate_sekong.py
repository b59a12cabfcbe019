"""No false alarm from the data itself: the real MRC Sekong 15-minute record (17 months,
telemetry gaps of up to 46 days) raises no rate-of-rise alarm across its gaps."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from cityops.rules import Series, build_rule

SEKONG = Path("/work/shared/data/mekong/sekong_bridge_water_level_MRC_014500.csv")
pytestmark = pytest.mark.skipif(not SEKONG.exists(), reason="MRC Sekong export not available")
HOUR = 3600.0


def _sekong() -> Series:
    with SEKONG.open(newline="") as f:
        rows = sorted(
            (
                datetime.strptime(r["Timestamp (UTC+07:00)"], "%Y-%m-%dT%H:%MZ")
                .replace(tzinfo=UTC)
                .timestamp(),
                float(r["Value"]),
            )
            for r in csv.DictReader(f)
        )
    return Series(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]))


@pytest.mark.parametrize("window_h", [1, 3, 6])
def test_sekong_raises_no_rate_of_rise_alarm_across_its_gaps(window_h: int) -> None:
    s = _sekong()
    gaps = np.flatnonzero(np.diff(s.times) > 24 * HOUR)
    assert gaps.size >= 4  # the record has its outages (676 h in May-June 2025)
    rule = build_rule(
        "river_level",
        {
            "inputs": {"level": 1},
            "levels": {"alarm": 13.0, "flood": 14.0},  # above anything in the record
            "rate_of_rise": {"per_hour": 0.3, "window": window_h * HOUR, "level": "alarm"},
        },
    )
    ls = rule.levels({"level": s})
    raised = np.flatnonzero(ls.levels > 0)
    for i in raised:  # every alarm rests on 3+ readings with no gap over half the window
        inside = (s.times > s.times[i] - window_h * HOUR) & (s.times <= s.times[i])
        t = s.times[inside]
        assert t.size >= 3 and np.diff(t).max() <= window_h * HOUR / 2
    if window_h >= 3:  # the record's only fast "rise" was the gauge coming back
        when = [datetime.fromtimestamp(float(ls.times[i]), UTC).isoformat() for i in raised[:5]]
        assert raised.size == 0, when
