"""Threshold levels with hysteresis and minimum duration.

Standard practice of flood-warning and alarm systems (e.g. MRC/national warning and
danger levels for the Mekong, see ``mekong_station_levels.csv``): a level is entered
when the value reaches its threshold, and left only when the value falls clearly
below it, so that noise around a threshold does not make alarms flap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, IntArray, as_float, check_times


def _run_start_times(times: FloatArray, above: np.ndarray) -> FloatArray:
    """For each sample, the time at which its current run of ``above`` began (NaN if not above)."""
    idx = np.arange(above.size)
    starts = above & np.concatenate(([True], ~above[:-1])) if above.size else above
    first = np.where(starts, idx, 0)
    first = np.maximum.accumulate(first) if first.size else first
    return np.where(above, times[first], np.nan)


def classify_levels(
    times: ArrayLike,
    values: ArrayLike,
    thresholds: Sequence[float],
    *,
    hysteresis: float = 0.0,
    min_duration: float = 0.0,
) -> IntArray:
    """Level index of each sample against ascending thresholds.

    Index 0 means below every threshold, ``k`` means threshold ``k-1`` (0-based) is in force.
    A level ``k`` is entered once the value has stayed ``>= thresholds[k-1]`` for at least
    ``min_duration`` seconds (measured between sample times, so irregular sampling is fine).
    It is left only when the value drops below ``thresholds[k-1] - hysteresis``; the
    series then falls to the highest level whose (threshold - hysteresis) it still meets.
    NaN samples are ignored: they carry the previous level (0 before the first value).

    Units: ``values``, ``thresholds`` and ``hysteresis`` in the same unit; times and
    ``min_duration`` in seconds.
    """
    t, v = check_times(times, values), as_float(values)
    th = as_float(thresholds)
    if th.size and np.any(np.diff(th) <= 0):
        raise ValueError("thresholds must be strictly ascending")
    if hysteresis < 0 or min_duration < 0:
        raise ValueError("hysteresis and min_duration must be >= 0")
    out = np.zeros(v.size, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(v))
    if ok.size == 0 or th.size == 0:
        return out
    tv, vv = t[ok], v[ok]
    up = np.zeros(vv.size, dtype=np.int64)  # highest level whose entry condition is met
    hold = np.zeros(vv.size, dtype=np.int64)  # highest level still held under hysteresis
    for k, level in enumerate(th, start=1):
        above = vv >= level
        since = _run_start_times(tv, above)
        entered = above & (tv - np.nan_to_num(since, nan=np.inf) >= min_duration)
        up[entered] = k
        hold[vv >= level - hysteresis] = k
    state = _hysteresis_scan(up, hold)
    # NaN samples carry the previous valid level.
    pos = np.searchsorted(ok, np.arange(v.size), side="right") - 1
    has = pos >= 0
    out[has] = state[pos[has]]
    return out


def _hysteresis_scan(up: IntArray, hold: IntArray) -> IntArray:
    """state[i] = max(up[i], min(state[i-1], hold[i])): enter by ``up``, stay while ``hold``."""
    state = np.empty_like(up)
    prev = 0
    for i, (u, h) in enumerate(zip(up.tolist(), hold.tolist(), strict=True)):
        prev = max(u, min(prev, h))
        state[i] = prev
    return state
