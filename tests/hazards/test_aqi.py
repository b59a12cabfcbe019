import numpy as np
import pytest

from cityops.hazards.aqi import (
    CATEGORIES,
    aqi_category,
    aqi_o3_1h,
    aqi_o3_8h,
    aqi_pm10,
    aqi_pm25,
    hourly_means,
    nowcast,
    nowcast_series,
)


def test_tad_worked_example_ozone():
    # EPA TAD: 8-h ozone 0.07853 ppm -> truncate to 0.078 -> AQI 126
    assert aqi_o3_8h(0.07853)[0] == 126


def test_tad_worked_example_pm25():
    # EPA TAD: PM2.5 35.9 ug/m3 -> AQI 102 (band 35.5-55.4 -> 101-150, unchanged in 2024)
    assert aqi_pm25(35.9)[0] == 102


@pytest.mark.parametrize(
    ("conc", "aqi"),
    [
        (0.0, 0),
        (9.0, 50),
        (9.1, 51),
        (9.05, 50),
        (35.4, 100),
        (35.49, 100),
        (35.5, 101),
        (55.4, 150),
        (55.5, 151),
        (125.4, 200),
        (125.5, 201),
        (225.4, 300),
        (225.5, 301),
        (325.4, 500),
    ],
)
def test_pm25_2024_breakpoints(conc, aqi):
    assert aqi_pm25(conc)[0] == aqi


def test_pm25_above_the_table_extends_the_top_segment():
    # Documented choice: 225.5-325.4 -> 301-500 extended linearly beyond 325.4.
    slope = (500 - 301) / (325.4 - 225.5)
    assert aqi_pm25(425.4)[0] == round(301 + slope * (425.4 - 225.5))
    assert aqi_pm25(425.4)[0] > 500
    assert aqi_category(aqi_pm25(425.4))[0] == CATEGORIES.index("Hazardous")


@pytest.mark.parametrize(
    ("conc", "aqi"),
    [
        (54, 50),
        (54.9, 50),
        (55, 51),
        (154, 100),
        (155, 101),
        (254, 150),
        (354, 200),
        (424, 300),
        (425, 301),
        (604, 500),
    ],
)
def test_pm10_breakpoints_and_truncation(conc, aqi):
    assert aqi_pm10(conc)[0] == aqi


def test_ozone_tables():
    assert aqi_o3_8h(0.054)[0] == 50
    assert aqi_o3_8h(0.0709)[0] == 100  # truncates to 0.070
    assert aqi_o3_8h(0.200)[0] == 300
    assert np.isnan(aqi_o3_8h(0.201)[0])  # above the 8-h table: the 1-h value applies
    assert np.isnan(aqi_o3_1h(0.124)[0])  # below the 1-h table
    assert aqi_o3_1h(0.125)[0] == 101
    assert aqi_o3_1h(0.404)[0] == 300
    assert aqi_o3_1h(0.405)[0] == 301
    assert aqi_o3_1h(0.604)[0] == 500


def test_categories():
    got = aqi_category([0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500, np.nan])
    assert got.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, -1]


def test_nowcast_epa_example():
    # EPA NowCast training example: hours oldest..newest
    # 50 80 75 90 82 53 64 74 21 10 16 13 -> w = 1 - 80/90 < 0.5 -> 0.5, NowCast 17.4
    oldest_first = [50, 80, 75, 90, 82, 53, 64, 74, 21, 10, 16, 13]
    assert nowcast(oldest_first[::-1]) == pytest.approx(17.4, abs=0.05)


def test_nowcast_equal_hours_is_the_mean_and_missing_rule():
    assert nowcast([20.0] * 12) == pytest.approx(20.0)
    hours = [10.0, np.nan, np.nan] + [30.0] * 9
    assert np.isnan(nowcast(hours))  # two of the three newest missing
    hours = [10.0, np.nan, 20.0] + [np.nan] * 9
    w = 0.5  # min/max = 0.5
    assert nowcast(hours) == pytest.approx((10 + 20 * w**2) / (1 + w**2))


def test_nowcast_series_and_hourly_means():
    t = np.array([0, 1800, 3600, 7300, 7400, 4 * 3600 + 5], dtype=float)
    hours, means = hourly_means(t, [10, 20, 30, 40, 60, 5])
    assert hours.tolist() == [0, 3600, 7200, 10800, 14400]
    np.testing.assert_allclose(means, [15, 30, 50, np.nan, 5])
    nc = nowcast_series(means)
    assert nc.shape == means.shape
    assert np.isnan(nc[0])  # the hours before the record count as missing
    assert nc[1] == pytest.approx((30 + 15 * 0.5) / 1.5)
    assert np.isfinite(nc[-1])  # hours 4 and 2 valid out of the newest three


def test_nan_and_empty_inputs():
    assert np.isnan(aqi_pm25([np.nan, -1.0])).all()
    assert aqi_pm25([]).size == 0
    assert np.isnan(nowcast([]))
    assert hourly_means([], [])[0].size == 0
