import numpy as np
import pytest

from cityops.hazards.rainfall import PRESETS, classify_rainfall, rolling_sum, simple_table

H = 3600.0


def test_rolling_sum_irregular_and_nan():
    t = np.array([0, 600, 1800, 3600, 4000, 7300], dtype=float)
    v = np.array([1.0, 2.0, np.nan, 3.0, 4.0, 5.0])
    s = rolling_sum(t, v, H)
    # window (t-3600, t]: at 3600 -> 2+3; at 4000 -> 2+3+4; at 7300 -> 4+5
    np.testing.assert_allclose(s, [1, 3, 3, 5, 9, 9])


def test_rolling_sum_window_without_valid_sample_is_nan():
    s = rolling_sum([0.0, 7200.0], [np.nan, np.nan], H)
    assert np.isnan(s).all()
    assert rolling_sum(np.empty(0), np.empty(0), H).size == 0


@pytest.mark.parametrize(
    ("mm_per_hour", "expected"),
    [
        (7.4, "normal"),
        (7.5, "yellow"),
        (14.9, "yellow"),
        (15.0, "orange"),
        (30.0, "orange"),
        (30.1, "red"),
    ],
)
def test_pagasa_hourly_bands(mm_per_hour, expected):
    table = PRESETS["pagasa_hourly"]
    level, acc = classify_rainfall([0.0], [mm_per_hour], table)
    assert ("normal", *table.levels)[level[0]] == expected
    assert acc[0] == mm_per_hour


def test_pagasa_red_from_three_hour_total():
    # 22 mm/h for three hours: orange each hour but > 65 mm in 3 h -> red
    t = np.array([1, 2, 3]) * H
    level, _ = classify_rainfall(t, [22.0, 22.0, 22.0], PRESETS["pagasa_hourly"])
    assert level.tolist() == [2, 2, 3]


@pytest.mark.parametrize(
    ("mm_24h", "expected"),
    [
        (0.0, "normal"),
        (0.1, "light"),
        (10.0, "light"),
        (10.1, "moderate"),
        (35.0, "moderate"),
        (35.1, "heavy"),
        (90.0, "heavy"),
        (90.1, "very heavy"),
    ],
)
def test_tmd_24h_bands(mm_24h, expected):
    table = PRESETS["tmd_24h"]
    # the 24 h total made of four 6-hourly reports
    t = np.array([6, 12, 18, 24]) * H
    level, acc = classify_rainfall(t, [mm_24h / 4] * 4, table)
    assert acc[-1] == pytest.approx(mm_24h)
    assert ("normal", *table.levels)[level[-1]] == expected


def test_simple_table():
    table = simple_table("x", 3 * H, {"a": 10.0, "b": 20.0})
    level, _ = classify_rainfall([0.0, H, 2 * H], [5.0, 5.0, 10.0], table)
    assert level.tolist() == [0, 1, 2]
