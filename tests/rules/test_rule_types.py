import numpy as np
import pytest

from cityops.errors import InvalidInput
from cityops.rules import LevelSeries, Series, build_rule, episodes, get, names, transitions
from cityops.rules.quality import FLAT, GAP, RANGE, SPIKE, STALE

H = 3600.0


def _river(**extra):
    cfg = {"inputs": {"level": "ds1"}, "levels": {"warning": 11.0, "danger": 12.0}}
    return build_rule("river_level", cfg | extra)


def test_builtin_types_are_registered():
    assert {
        "river_level",
        "rainfall",
        "heat_index",
        "aqi",
        "drought_spi",
        "data_quality",
        "river_lag",
    } <= set(names())
    assert get("river_level").type_name == "river_level"


def test_river_level_rule_basic():
    rule = _river(hysteresis=0.1)
    t = np.arange(6) * H
    ls = rule.levels({"level": Series(t, [10.0, 11.2, 12.1, 11.95, 10.95, 10.5])})
    assert ls.names == ("normal", "warning", "danger")
    assert ls.levels.tolist() == [0, 1, 2, 2, 1, 0]
    assert ls.last() == (5 * H, 0, 10.5)
    assert rule.severity(1) == "Moderate" and rule.severity(2) == "Severe"
    assert rule.history >= 86400


def test_river_rate_of_rise_and_forecast():
    rule = _river(
        rate_of_rise={"per_hour": 0.05, "window": 6 * H, "level": "warning"},
        forecast={"target": "danger", "horizon": 72 * H, "window": 24 * H, "level": "warning"},
    )
    t = np.arange(0, 48) * H
    slow = 9.0 + 0.02 * np.arange(48)  # 0.02 m/h: reaches 12.0 m in ~100 h from 10 m
    ls = rule.levels({"level": Series(t, slow)})
    eta = ls.details["time_to_danger"]
    assert ls.levels[0] == 0
    # at 9.94 m (t=47h) and 0.02 m/h, danger in 103 h > 72 h; earlier even later
    assert not ls.levels.any()
    fast = 9.0 + 0.1 * np.arange(48)
    ls = rule.levels({"level": Series(t, fast)})
    assert ls.levels[5] == 1  # rising 0.1 m/h > 0.05 m/h
    assert eta[-1] == pytest.approx((12.0 - slow[-1]) / 0.02 * H)


def test_rainfall_rule_preset_and_custom():
    rule = build_rule("rainfall", {"inputs": {"rain": "r1"}, "preset": "pagasa_hourly"})
    t = np.arange(4) * H
    ls = rule.levels({"rain": Series(t, [2.0, 8.0, 16.0, 31.0])})
    assert [ls.names[i] for i in ls.levels] == ["normal", "yellow", "orange", "red"]
    custom = build_rule(
        "rainfall", {"inputs": {"rain": "r1"}, "window": 2 * H, "levels": {"wet": 10.0}}
    )
    assert custom.levels({"rain": Series(t, [2.0, 8.0, 1.0, 1.0])}).levels.tolist() == [0, 1, 0, 0]
    assert custom.history == 2 * H


def test_heat_index_rule_pairs_streams_and_converts():
    rule = build_rule("heat_index", {"inputs": {"temperature": "t", "humidity": "h"}})
    to_f = rule.converter("temperature", "Cel")
    t = np.array([0.0, H, 2 * H, 3 * H])
    temp = Series(t, to_f(np.array([25.0, 32.0, 35.0, 40.0])))
    hum = Series(np.array([0.0, 2.5 * H]), np.array([80.0, 60.0]))
    ls = rule.levels({"temperature": temp, "humidity": hum})
    # the 0 h humidity is too old (> 30 min) for the 1 h and 2 h temperatures
    assert np.isnan(ls.details["humidity"][1:3]).all()
    assert ls.levels[0] == 0  # 77 °F
    assert ls.names[ls.levels[-1]] == "extreme danger"  # 104 °F at 60 % -> ~141 °F
    celsius = build_rule(
        "heat_index",
        {
            "inputs": {"temperature": "t", "humidity": "h"},
            "unit": "Cel",
            "levels": {"danger": 39.4},
        },
    )
    ls_c = celsius.levels({"temperature": temp, "humidity": hum})
    assert ls_c.values[-1] == pytest.approx((ls.values[-1] - 32) * 5 / 9)


def test_aqi_rule_nowcast_and_ozone():
    rule = build_rule("aqi", {"inputs": {"pm25": "p", "o3": "o"}})
    t = np.arange(12) * H + 60
    pm = Series(t, np.full(12, 40.0))  # NowCast 40.0 -> AQI 112 (USG)
    o3 = Series(t, np.full(12, 0.05))  # 8-h 0.050 -> AQI 46
    ls = rule.levels({"pm25": pm, "o3": o3})
    assert ls.times[0] == 0.0 and ls.times.size == 12
    assert ls.values[-1] == 112
    assert ls.names[ls.levels[-1]] == "Unhealthy for Sensitive Groups"
    assert ls.details["o3"][-1] == 46
    assert rule.input_units() == {"pm25": "ug/m3", "o3": "[ppm]"}
    empty = rule.levels({"pm25": Series.empty(), "o3": Series.empty()})
    assert len(empty) == 0


def test_drought_spi_rule_flags_a_dry_spell():
    rng = np.random.default_rng(2)
    months = np.arange("1990-01", "2021-01", dtype="datetime64[M]")
    rain = rng.gamma(3.0, 30.0, size=months.size)
    rain[-4:] = 1.0  # four very dry months at the end of 2020
    t = (months.astype("datetime64[s]") + np.timedelta64(14, "D")).astype(np.float64)
    rule = build_rule(
        "drought_spi", {"inputs": {"precipitation": "p"}, "scale": 3, "include_current_month": True}
    )
    ls = rule.levels({"precipitation": Series(t, rain)})
    assert ls.times.size == months.size
    assert ls.names[ls.levels[-1]] == "extremely dry"
    assert ls.values[-1] < -2.0
    default = build_rule("drought_spi", {"inputs": {"precipitation": "p"}})
    assert len(default.levels({"precipitation": Series(t, rain)})) == months.size - 1


def test_data_quality_rule_flags():
    rule = build_rule(
        "data_quality",
        {
            "inputs": {"value": "v"},
            "unit": "m",
            "max_gap": 2 * H,
            "flat_duration": 3 * H,
            "spike_per_hour": 1.0,
            "minimum": 0.0,
            "maximum": 30.0,
        },
    )
    t = np.array([0, 1, 2, 3, 4, 8, 9, 10], dtype=float) * H
    v = np.array([5.0, 5.0, 5.0, 5.0, 9.0, 9.5, -1.0, 9.0])
    ls = rule.levels({"value": Series(t, v)}, now=20 * H)
    flags = ls.values.astype(int)
    assert flags[3] & FLAT and flags[4] & SPIKE and flags[5] & GAP and flags[6] & RANGE
    assert ls.times[-1] == 20 * H and flags[-1] == STALE
    assert ls.levels.tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1]
    assert rule.levels({"value": Series.empty()}, now=0.0).levels.tolist() == [1]


def test_river_lag_rule_forecasts_downstream():
    t = np.arange(0, 400) * H
    up = 5 + 4 * np.exp(-((((t / H) - 200) / 40) ** 2))
    down = 6 + 4 * np.exp(-((((t / H) - 213) / 40) ** 2))
    rule = build_rule(
        "river_lag",
        {
            "inputs": {"upstream": "a", "downstream": "b"},
            "levels": {"warning": 8.0, "danger": 9.5},
            "max_lag": 48 * H,
            "estimation_window": 30 * 86400,
        },
    )
    ls = rule.levels({"upstream": Series(t, up), "downstream": Series(t, down)})
    assert ls.details["lag"][0] == 13 * H
    first_danger = ls.times[np.argmax(ls.levels == 2)]
    actual = t[np.argmax(down >= 9.5)]
    assert first_danger < actual  # the forecast warns before the downstream crossing
    fixed = build_rule(
        "river_lag",
        {"inputs": {"upstream": "a", "downstream": "b"}, "levels": {"warning": 8.0}, "lag": 13 * H},
    )
    assert fixed.lag_seconds(Series(t, up), Series(t, down))[0] == 13 * H


def test_episodes_and_transitions():
    t = np.arange(8) * 10.0
    ls = LevelSeries(
        t,
        np.array([0, 1, 2, 1, 0, 0, 1, 1]),
        np.array([1, 5, 9, 6, 2, 1, 5, 7.0]),
        ("normal", "w", "d"),
    )
    eps = episodes(ls)
    assert [(e.start, e.end, e.max_level, e.max_value, e.max_level_time) for e in eps] == [
        (10.0, 40.0, 2, 9.0, 20.0),
        (60.0, None, 1, 7.0, 60.0),
    ]
    tr = transitions(ls)
    assert [(x.time, x.from_level, x.to_level) for x in tr] == [
        (10.0, 0, 1),
        (20.0, 1, 2),
        (30.0, 2, 1),
        (40.0, 1, 0),
        (60.0, 0, 1),
    ]
    first = transitions(ls, initial_level=1)[0]
    assert (first.time, first.from_level, first.to_level) == (0.0, 1, 0)
    empty = LevelSeries(np.empty(0), np.empty(0, int), np.empty(0), ("normal",))
    assert episodes(empty) == [] and transitions(empty) == [] and empty.last() is None


@pytest.mark.parametrize("rule_type", ["river_level", "rainfall", "data_quality"])
def test_rules_survive_nan_and_empty(rule_type):
    configs = {
        "river_level": {"inputs": {"level": "x"}, "levels": {"w": 1.0}},
        "rainfall": {"inputs": {"rain": "x"}, "preset": "tmd_24h"},
        "data_quality": {"inputs": {"value": "x"}, "unit": "m", "minimum": 0.0},
    }
    rule = build_rule(rule_type, configs[rule_type])
    role = next(iter(rule.inputs))
    assert len(rule.levels({role: Series.empty()})) == 0
    ls = rule.levels({role: Series(np.arange(3.0), np.full(3, np.nan))})
    assert ls.levels.tolist() == [0, 0, 0]


def test_unknown_type_is_invalid_input():
    with pytest.raises(InvalidInput) as err:
        build_rule("tsunami", {})
    assert err.value.field == "type"
