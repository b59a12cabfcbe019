import numpy as np

from cityops.hazards.trend import rate_of_rise, time_to_level

H = 3600.0


def test_rate_of_rise_linear_irregular():
    t = np.array([0.0, 0.5, 2.0, 2.2, 5.0, 6.0]) * H
    v = 10.0 + 0.25 * t / H
    rate = rate_of_rise(t, v, window=3 * H)
    assert np.isnan(rate[0])
    np.testing.assert_allclose(rate[1:], 0.25)


def test_rate_uses_trailing_window_only():
    t = np.arange(10) * H
    v = np.r_[np.zeros(5), np.arange(1, 6) * 0.1]  # flat, then rising 0.1/h
    rate = rate_of_rise(t, v, window=2.5 * H)
    np.testing.assert_allclose(rate[-3:], 0.1)
    np.testing.assert_allclose(rate[2:5], 0.0)


def test_rate_with_nan_and_empty():
    assert rate_of_rise(np.empty(0), np.empty(0), H).size == 0
    r = rate_of_rise([0.0, H, 2 * H], [1.0, np.nan, np.nan], window=5 * H)
    assert np.isnan(r).all()


def test_time_to_level():
    v = np.array([10.0, 10.0, 12.5, 10.0, np.nan])
    r = np.array([0.5, -0.1, 0.1, np.nan, 1.0])
    eta = time_to_level(v, r, 12.0)
    assert eta[0] == 4 * H
    assert eta[1] == np.inf
    assert eta[2] == 0.0
    assert np.isnan(eta[3]) and np.isnan(eta[4])


def test_rate_never_spans_a_gap_longer_than_allowed():
    t = np.array([0.0, 1.0, 2.0, 50.0, 51.0, 52.0, 53.0]) * H
    v = np.array([1.0, 1.0, 1.0, 3.0, 3.1, 3.2, 3.3])
    rate = rate_of_rise(t, v, window=100 * H, max_gap=6 * H)
    assert np.isnan(rate[3])  # alone after the gap
    np.testing.assert_allclose(rate[4:], 0.1)  # only the samples after the gap


def test_rate_needs_enough_samples_over_enough_time():
    t = np.arange(8) * 900.0
    v = 1.0 + 0.1 * np.arange(8)
    rate = rate_of_rise(t, v, window=6 * H, min_samples=4, min_span=H)
    assert np.isnan(rate[:4]).all()  # 4 samples span only 45 min
    np.testing.assert_allclose(rate[4:], 0.4)
