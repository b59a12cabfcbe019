"""The vn_aqi rule type: hourly VN_AQI beside the US EPA aqi rule on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from cityops.errors import InvalidInput
from cityops.rules import Series, build_rule

H = 3600.0


def test_vn_aqi_rule_hourly_index_and_levels() -> None:
    rule = build_rule("vn_aqi", {"inputs": {"pm25": "p", "no2": "n"}})
    t = np.arange(12) * H + 60
    pm = Series(t, np.full(12, 40.0))  # NowCast 40 -> 50/25*(40-25)+50 = 80
    no2 = Series(t, np.full(12, 150.0))  # 50/100*50+50 = 75
    ls = rule.levels({"pm25": pm, "no2": no2})
    assert ls.values[-1] == 80
    assert ls.names[ls.levels[-1]] == "Moderate"
    assert ls.details["no2"][-1] == 75
    # The same air in the US EPA index is 112 (Unhealthy for Sensitive Groups).
    epa = build_rule("aqi", {"inputs": {"pm25": "p"}}).levels({"pm25": pm})
    assert epa.values[-1] == 112
    assert rule.input_units() == {"pm25": "ug/m3", "no2": "ug/m3"}
    assert rule.severity(rule.level_names().index("Very bad")) == "Severe"


def test_vn_aqi_rule_hours_without_particulates_have_no_index() -> None:
    rule = build_rule("vn_aqi", {"inputs": {"pm10": "p", "so2": "s"}})
    t = np.arange(6) * H + 60
    pm = Series(t[:2], np.array([60.0, 60.0]))
    so2 = Series(t, np.full(6, 1000.0))
    ls = rule.levels({"pm10": pm, "so2": so2})
    assert ls.values[1] == 225
    assert np.isnan(ls.values[-1])


def test_vn_aqi_rule_needs_a_particulate_input() -> None:
    with pytest.raises(InvalidInput, match="pm25 or pm10"):
        build_rule("vn_aqi", {"inputs": {"no2": "n"}})
