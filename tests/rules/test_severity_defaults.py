"""Default CAP severities: by level name, never decreasing as the level rises; the EPA
AQI categories have their own table; a °C heat rule without levels uses °C bands."""

from __future__ import annotations

import numpy as np

from cityops.rules.air import AqiRule
from cityops.rules.base import Series
from cityops.rules.heat import HeatIndexRule
from cityops.rules.severity import default_severities

RANK = {"Unknown": 0, "Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}


def test_default_aqi_severities_rise_with_the_category() -> None:
    rule = AqiRule({"inputs": {"pm25": 1}})
    assert [rule.severity(k) for k in range(1, 6)] == [
        "Minor",
        "Moderate",
        "Severe",
        "Severe",
        "Extreme",
    ]


def test_defaults_never_decrease() -> None:
    names = ["caution", "moderate", "watch", "danger", "advisory", "red"]
    sev = default_severities(names)
    assert [RANK[x] for x in sev] == sorted(RANK[x] for x in sev)


def test_celsius_heat_rule_without_levels_classifies_in_celsius() -> None:
    rule = HeatIndexRule({"inputs": {"temperature": 1, "humidity": 2}, "unit": "Cel"})
    assert rule.config.levels["danger"] == 39.44  # 103 °F
    times = np.array([0.0, 3600.0])
    temp_f = np.array([95.0, 70.0])  # inputs arrive in °F (input_units)
    out = rule.levels(
        {"temperature": Series(times, temp_f), "humidity": Series(times, np.array([60.0, 60.0]))}
    )
    assert out.names[int(out.levels[0])] == "danger"  # ~45 °C heat index
    assert 44 < out.values[0] < 46  # reported in °C
    assert int(out.levels[1]) == 0
