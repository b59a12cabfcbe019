"""Rate of rise and time to reach a level from the recent linear trend.

The trend is the least-squares slope over a trailing time window, the usual way
hydrological services read a rising limb (cf. MRC daily "rise/fall" bulletins, where a
day is "stable" when the daily change is under 5 cm at Pakse).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, as_float, check_times, window_start

HOUR = 3600.0


def rate_of_rise(
    times: ArrayLike,
    values: ArrayLike,
    window: float,
    *,
    min_samples: int = 2,
    min_span: float = 0.0,
    max_gap: float = np.inf,
) -> FloatArray:
    """Least-squares slope, in value units per hour, over the trailing window ``(t-window, t]``.

    ``window`` in seconds. The fit never reaches back across a gap between valid samples
    longer than ``max_gap`` seconds (the window then starts after the gap), and needs at
    least ``min_samples`` valid samples spanning at least ``min_span`` seconds: otherwise
    NaN. Two readings either side of a telemetry outage are not a trend (on the MRC
    Sekong record they made a 2.5 m/h "rise" out of a gauge coming back). NaN samples
    are missing: they get NaN and do not count. Irregular sampling is handled since the
    fit uses the actual times.
    """
    if window <= 0:
        raise ValueError("window must be > 0 seconds")
    if min_samples < 2 or min_span < 0 or max_gap <= 0:
        raise ValueError("min_samples >= 2, min_span >= 0 and max_gap > 0 are required")
    t_all, v_all = check_times(times, values), as_float(values)
    out = np.full(v_all.size, np.nan)
    ok = np.flatnonzero(np.isfinite(v_all))
    if ok.size == 0:
        return out
    t, v = t_all[ok], v_all[ok]
    start = np.maximum(window_start(t, window), _segment_start(t, max_gap))
    width = int((np.arange(v.size) - start).max()) + 1
    rows = max(1, 2_000_000 // width)  # bounds the (rows x width) work arrays
    rate = np.full(v.size, np.nan)
    for lo in range(0, v.size, rows):
        hi = min(lo + rows, v.size)
        rate[lo:hi] = _slopes(t, v, start[lo:hi], np.arange(lo, hi), width)
    count = np.arange(v.size) - start + 1
    short = (count < min_samples) | (t - t[start] < min_span)
    rate[short] = np.nan
    out[ok] = rate
    return out


def _segment_start(t: FloatArray, max_gap: float) -> np.ndarray:
    """Per sample, the index of the first sample after the last gap longer than max_gap."""
    marks = np.zeros(t.size, dtype=np.int64)
    if t.size > 1 and np.isfinite(max_gap):
        after = np.flatnonzero(np.diff(t) > max_gap) + 1
        marks[after] = after
    return np.maximum.accumulate(marks)


def _slopes(
    t: FloatArray, v: FloatArray, start: np.ndarray, end: np.ndarray, width: int
) -> FloatArray:
    """Least-squares slope per row over samples ``start[r] .. end[r]`` (vectorised)."""
    idx = end[:, None] - np.arange(width)[None, :]
    inside = idx >= start[:, None]
    idx = np.where(inside, idx, 0)
    tt, vv = t[idx], v[idx]
    ok = inside & np.isfinite(vv)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = np.where(ok, tt, 0.0).sum(axis=1) / n
        v_mean = np.where(ok, vv, 0.0).sum(axis=1) / n
        x = np.where(ok, (tt - t_mean[:, None]) / HOUR, 0.0)
        y = np.where(ok, vv - v_mean[:, None], 0.0)
        sxx, sxy = (x * x).sum(axis=1), (x * y).sum(axis=1)
        return np.where((n >= 2) & (sxx > 0), sxy / sxx, np.nan)


def time_to_level(values: ArrayLike, rates_per_hour: ArrayLike, level: float) -> FloatArray:
    """Seconds until ``level`` is reached if the current rate persists (linear extrapolation).

    0 when the value is already at or above the level; ``inf`` when below and not rising
    (rate <= 0); NaN when the value or the rate is unknown.
    """
    v, r = as_float(values), as_float(rates_per_hour)
    out = np.full(v.size, np.nan)
    known = np.isfinite(v) & np.isfinite(r)
    reached = known & (v >= level)
    rising = known & ~reached & (r > 0)
    out[reached] = 0.0
    out[known & ~reached & (r <= 0)] = np.inf
    out[rising] = (level - v[rising]) / r[rising] * HOUR
    return out
