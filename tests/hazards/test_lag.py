import numpy as np

from cityops.hazards.lag import estimate_lag, resample

H = 3600.0


def _wave(t: np.ndarray) -> np.ndarray:
    # two flood waves over a slowly varying base
    return (
        5 + 3 * np.exp(-((((t / H) - 200) / 30) ** 2)) + 2 * np.exp(-((((t / H) - 500) / 20) ** 2))
    )


def test_recovers_a_13_hour_lag_on_irregular_times():
    rng = np.random.default_rng(0)
    t_up = np.sort(rng.uniform(0, 800 * H, 1500))
    t_down = np.sort(rng.uniform(0, 800 * H, 900))
    up = _wave(t_up) + rng.normal(0, 0.005, t_up.size)
    down = 0.8 * _wave(t_down - 13 * H) + 1.0 + rng.normal(0, 0.005, t_down.size)
    down[::50] = np.nan
    est = estimate_lag(t_up, up, t_down, down, max_lag=48 * H, step=H)
    assert est.lag == 13 * H
    assert est.score > 0.9


def test_no_overlap_gives_nan():
    est = estimate_lag([0.0, H], [1.0, 2.0], [10 * H, 11 * H], [1.0, 2.0], max_lag=2 * H)
    assert np.isnan(est.lag) and np.isnan(est.score)
    est = estimate_lag([], [], [], [], max_lag=H)
    assert np.isnan(est.lag)


def test_resample_leaves_gaps_empty():
    t = np.array([0.0, H, 10 * H, 11 * H])
    grid = np.arange(0, 12) * H
    r = resample(t, [0.0, 1.0, 10.0, 11.0], grid, max_gap=2 * H)
    assert r[0] == 0 and r[1] == 1 and r[10] == 10 and r[11] == 11
    assert np.isnan(r[2:10]).all()
