"""Real data: Pakse (MRC station 013901) water levels against warning 11.0 m / danger 12.0 m.

The expected danger episodes are computed from the raw CSV numbers with plain Python
(``tests/pakse.py``, shared with the replay test).
"""

from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import pytest

from cityops.rules import Series, build_rule, episodes
from tests.pakse import CSV, LOCAL, expected_danger, read_pakse, season

pytestmark = pytest.mark.skipif(not CSV.exists(), reason="MRC Pakse export not available")


def test_pakse_danger_episodes_match_the_raw_record():
    rows = read_pakse()
    expected, peak = expected_danger(rows)
    assert {2011, 2018, 2019} <= set(expected)  # the floods hazards.md names

    times = np.array([w.timestamp() for w, _ in rows])
    values = np.array([v for _, v in rows])
    rule = build_rule(
        "river_level", {"inputs": {"level": "pakse"}, "levels": {"warning": 11.0, "danger": 12.0}}
    )
    result = rule.levels({"level": Series(times, values)})
    got = defaultdict(list)
    warning_only = defaultdict(int)
    for ep in episodes(result):
        key = season(datetime.fromtimestamp(ep.start, UTC))
        if ep.max_level == 2:
            day = datetime.fromtimestamp(ep.max_level_time, UTC).astimezone(LOCAL).date()
            got[key].append(day)
        else:
            warning_only[key] += 1

    assert dict(got) == dict(expected)
    for key, top in peak.items():
        if top < 11.0:
            assert key not in got and key not in warning_only
        elif top < 12.0:
            assert key not in got
