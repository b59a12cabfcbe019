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


def rate_of_rise(times: ArrayLike, values: ArrayLike, window: float) -> FloatArray:
    """Least-squares slope, in value units per hour, over the trailing window ``(t-window, t]``.

    ``window`` in seconds. NaN where the window holds fewer than two valid samples at
    distinct times. Irregular sampling is handled since the fit uses the actual times.
    """
    if window <= 0:
        raise ValueError("window must be > 0 seconds")
    t, v = check_times(times, values), as_float(values)
    out = np.full(v.size, np.nan)
    start = window_start(t, window)
    for i in range(v.size):
        tt, vv = t[start[i] : i + 1], v[start[i] : i + 1]
        ok = np.isfinite(vv)
        if np.count_nonzero(ok) < 2:
            continue
        x = (tt[ok] - tt[ok].mean()) / HOUR
        sxx = float(np.dot(x, x))
        if sxx > 0:
            out[i] = float(np.dot(x, vv[ok] - vv[ok].mean())) / sxx
    return out


def time_to_level(
    values: ArrayLike, rates_per_hour: ArrayLike, level: float
) -> FloatArray:
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
