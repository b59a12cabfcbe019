import numpy as np
import pytest

from cityops.hazards.thresholds import classify_levels

H = 3600.0


def test_simple_levels_without_hysteresis():
    v = [10.0, 11.0, 11.5, 12.0, 12.5, 11.9, 10.9]
    t = np.arange(len(v)) * H
    assert classify_levels(t, v, [11.0, 12.0]).tolist() == [0, 1, 1, 2, 2, 1, 0]


def test_hysteresis_keeps_level_until_clearly_below():
    v = [12.1, 11.95, 11.85, 12.0, 11.7, 10.95, 10.7]
    t = np.arange(len(v)) * H
    levels = classify_levels(t, v, [11.0, 12.0], hysteresis=0.2)
    # 11.95, 11.85 stay danger (>= 11.8); 11.7 drops to warning; 10.95 keeps warning (>= 10.8)
    assert levels.tolist() == [2, 2, 2, 2, 1, 1, 0]


def test_hysteresis_band_does_not_enter_a_level():
    v = [10.9, 10.95, 11.0]
    assert classify_levels(np.arange(3) * H, v, [11.0], hysteresis=0.5).tolist() == [0, 0, 1]


def test_min_duration_on_irregular_times():
    t = np.array([0.0, 600.0, 700.0, 3700.0, 4000.0, 9000.0])
    v = np.array([12.0, 12.0, 12.0, 12.0, 10.0, 12.0])
    levels = classify_levels(t, v, [11.0], min_duration=3600.0)
    # entered only once the run started at t=0 has lasted 3600 s (sample at 3700)
    assert levels.tolist() == [0, 0, 0, 1, 0, 0]


def test_min_duration_per_level():
    t = np.arange(6) * H
    v = [11.5, 12.5, 12.5, 11.5, 11.5, 11.5]
    assert classify_levels(t, v, [11.0, 12.0], min_duration=H).tolist() == [0, 1, 2, 1, 1, 1]


def test_nan_is_ignored_and_carries_level():
    t = np.arange(6) * H
    v = [np.nan, 12.0, np.nan, np.nan, 10.0, np.nan]
    assert classify_levels(t, v, [11.0]).tolist() == [0, 1, 1, 1, 0, 0]


def test_nan_does_not_break_a_min_duration_run():
    t = np.arange(4) * H
    v = [12.0, np.nan, 12.0, 12.0]
    assert classify_levels(t, v, [11.0], min_duration=2 * H).tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("values", [[], [np.nan, np.nan]])
def test_empty_and_all_nan(values):
    t = np.arange(len(values)) * H
    assert classify_levels(t, values, [1.0]).tolist() == [0] * len(values)


def test_rejects_unsorted_thresholds_and_times():
    with pytest.raises(ValueError):
        classify_levels([0, 1], [1, 2], [2.0, 1.0])
    with pytest.raises(ValueError):
        classify_levels([1, 0], [1, 2], [1.0])
