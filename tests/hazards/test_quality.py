import numpy as np

from cityops.hazards.quality import flat_line, gap_before, out_of_range, spikes, stale

H = 3600.0


def test_gap_before_ignores_nan_samples():
    t = np.array([0, 1, 2, 5, 6]) * H
    v = [1.0, 1.0, np.nan, 1.0, 1.0]
    assert gap_before(t, v, 2 * H).tolist() == [False, False, False, True, False]


def test_stale():
    assert stale(0.0, 3 * H, 2 * H)
    assert not stale(2 * H, 3 * H, 2 * H)
    assert stale(float("nan"), 0.0, H)


def test_flat_line_needs_the_full_duration():
    t = np.arange(8) * H
    v = [1.0, 2.0, 3.0, 3.0, 3.0, 3.001, 3.0, 4.0]
    got = flat_line(t, v, 3 * H, tolerance=0.01)
    assert got.tolist() == [False, False, False, False, False, True, True, False]


def test_spikes_irregular():
    t = np.array([0.0, 600.0, 1200.0, 7200.0])
    v = [10.0, 10.1, 15.0, 16.0]
    # 0.1 m in 10 min = 0.6 m/h; 4.9 m in 10 min = 29.4 m/h; 1 m in 100 min = 0.6 m/h
    assert spikes(t, v, max_rate_per_hour=2.0).tolist() == [False, False, True, False]


def test_out_of_range():
    got = out_of_range([-1.0, 0.0, 5.0, 51.0, np.nan], minimum=0.0, maximum=50.0)
    assert got.tolist() == [True, False, False, True, False]
    assert not out_of_range([1e9]).any()


def test_empty_inputs():
    e = np.empty(0)
    assert gap_before(e, e, H).size == 0
    assert flat_line(e, e, H).size == 0
    assert spikes(e, e, 1.0).size == 0
    assert out_of_range(e, 0, 1).size == 0
