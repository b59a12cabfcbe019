"""Small helpers shared by the hazard functions (array checks, as-of alignment)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def as_float(values: ArrayLike) -> FloatArray:
    """Return ``values`` as a 1-D float64 array (a copy only when needed)."""
    return np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()


def check_times(times: ArrayLike, values: ArrayLike | None = None) -> FloatArray:
    """Validate a time axis: 1-D, finite, non-decreasing, same length as ``values``.

    Raises ``ValueError`` (a programming error of the caller, not user input).
    """
    t = as_float(times)
    if values is not None and as_float(values).shape != t.shape:
        raise ValueError("times and values differ in length")
    if t.size and (not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0)):
        raise ValueError("times must be finite and sorted ascending")
    return t


def window_start(times: FloatArray, window: float) -> IntArray:
    """Index of the first sample inside the trailing window ``(t_i - window, t_i]``."""
    return np.searchsorted(times, times - window, side="right").astype(np.int64)


def align_asof(
    target_times: ArrayLike, times: ArrayLike, values: ArrayLike, tolerance: float
) -> FloatArray:
    """Value of a series at each target time: the latest sample at or before it.

    Samples older than ``tolerance`` seconds, or NaN, give NaN. Used to pair two
    datastreams (temperature and humidity) sampled at different instants.
    """
    tt, t, v = as_float(target_times), check_times(times, values), as_float(values)
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    out = np.full(tt.shape, np.nan)
    if t.size == 0:
        return out
    idx = np.searchsorted(t, tt, side="right") - 1
    has = idx >= 0
    safe = np.where(has, idx, 0)
    fresh = has & (tt - t[safe] <= tolerance)
    out[fresh] = v[safe[fresh]]
    return out
