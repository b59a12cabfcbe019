"""Data-quality checks on one series: gaps, flat lines, spikes, physical range.

After the automated QC tests of hydrometeorological networks (WMO-No. 1185 Guide to
Instruments and Methods of Observation, Vol. V; NOAA IOOS QARTOS: gap, flat-line,
spike/rate-of-change and gross range tests). Each returns a boolean flag per sample.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .series import as_float, check_times

BoolArray = NDArray[np.bool_]


def gap_before(times: ArrayLike, values: ArrayLike, max_gap: float) -> BoolArray:
    """True for a valid sample that follows more than ``max_gap`` seconds without valid data."""
    t, v = check_times(times, values), as_float(values)
    ok = np.isfinite(v)
    flag = np.zeros(v.size, dtype=bool)
    idx = np.flatnonzero(ok)
    if idx.size > 1:
        flag[idx[1:]] = np.diff(t[idx]) > max_gap
    return flag


def stale(last_time: float, now: float, max_gap: float) -> bool:
    """True when the newest valid sample (``last_time``, NaN if none) is older than
    ``max_gap`` seconds."""
    return not np.isfinite(last_time) or now - last_time > max_gap


def flat_line(
    times: ArrayLike, values: ArrayLike, duration: float, tolerance: float = 0.0
) -> BoolArray:
    """True where the valid values of the trailing ``duration`` seconds (at least two, spanning
    the whole duration) vary by no more than ``tolerance`` (same unit as the values)."""
    t, v = check_times(times, values), as_float(values)
    flag = np.zeros(v.size, dtype=bool)
    idx = np.flatnonzero(np.isfinite(v))
    if idx.size < 2:
        return flag
    tv, vv = t[idx], v[idx]
    start = np.searchsorted(tv, tv - duration, side="left")  # window [t - duration, t]
    for i in range(tv.size):
        s = start[i]
        if i - s >= 1 and tv[i] - tv[s] >= duration:
            flag[idx[i]] = float(np.ptp(vv[s : i + 1])) <= tolerance
    return flag


def spikes(times: ArrayLike, values: ArrayLike, max_rate_per_hour: float) -> BoolArray:
    """True where a value differs from the previous valid one faster than ``max_rate_per_hour``
    (units per hour), i.e. a jump no physical process of the variable can make."""
    t, v = check_times(times, values), as_float(values)
    flag = np.zeros(v.size, dtype=bool)
    idx = np.flatnonzero(np.isfinite(v))
    if idx.size < 2:
        return flag
    dt = np.maximum(np.diff(t[idx]), 1.0) / 3600.0  # 1 s floor: equal stamps still compare
    flag[idx[1:]] = np.abs(np.diff(v[idx])) / dt > max_rate_per_hour
    return flag


def out_of_range(
    values: ArrayLike, minimum: float | None = None, maximum: float | None = None
) -> BoolArray:
    """True where a valid value lies outside the physical range ``[minimum, maximum]``."""
    v = as_float(values)
    lo = -np.inf if minimum is None else minimum
    hi = np.inf if maximum is None else maximum
    with np.errstate(invalid="ignore"):
        return np.isfinite(v) & ((v < lo) | (v > hi))
