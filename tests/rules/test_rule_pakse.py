"""Real data: Pakse (MRC station 013901) water levels against warning 11.0 m / danger 12.0 m.

The expected danger episodes are computed here from the raw CSV numbers with plain Python.
"""

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from cityops.rules import Series, build_rule, episodes

CSV = Path("/work/shared/data/mekong/pakse_water_level_MRC_013901.csv")
LOCAL = timezone(timedelta(hours=7))
pytestmark = pytest.mark.skipif(not CSV.exists(), reason="MRC Pakse export not available")


def _read() -> list[tuple[datetime, float]]:
    rows = []
    with CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            # the header says UTC+07:00 but each value ends in Z: taken as true UTC
            stamp = datetime.strptime(row["Timestamp (UTC+07:00)"], "%Y-%m-%dT%H:%MZ")
            rows.append((stamp.replace(tzinfo=UTC), float(row["Value"])))
    rows.sort()
    return rows


def _season(when: datetime) -> int:
    """Hydrological season: May to April (local time), named by the year it starts."""
    local = when.astimezone(LOCAL)
    return local.year if local.month >= 5 else local.year - 1


def _expected(rows):
    """Per season: local dates of the first 12.0 m crossing of each stretch above 11.0 m."""
    starts, peak = defaultdict(list), defaultdict(float)
    in_danger = False
    for when, value in rows:
        season = _season(when)
        peak[season] = max(peak[season], value)
        if value >= 12.0 and not in_danger:
            starts[season].append(when.astimezone(LOCAL).date())
            in_danger = True
        elif value < 11.0:
            in_danger = False
    return starts, peak


def test_pakse_danger_episodes_match_the_raw_record():
    rows = _read()
    expected, peak = _expected(rows)
    assert {2011, 2018, 2019} <= set(expected)  # the floods hazards.md names

    times = np.array([w.timestamp() for w, _ in rows])
    values = np.array([v for _, v in rows])
    rule = build_rule("river_level", {"inputs": {"level": "pakse"},
                                      "levels": {"warning": 11.0, "danger": 12.0}})
    result = rule.levels({"level": Series(times, values)})
    got = defaultdict(list)
    warning_only = defaultdict(int)
    for ep in episodes(result):
        season = _season(datetime.fromtimestamp(ep.start, UTC))
        if ep.max_level == 2:
            day = datetime.fromtimestamp(ep.max_level_time, UTC).astimezone(LOCAL).date()
            got[season].append(day)
        else:
            warning_only[season] += 1

    assert dict(got) == dict(expected)
    for season, top in peak.items():
        if top < 11.0:
            assert season not in got and season not in warning_only
        elif top < 12.0:
            assert season not in got
