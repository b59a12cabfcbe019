"""Travel time of a flood wave between an upstream and a downstream station.

No published table of travel times between Mekong stations exists (see hazards.md), so
the lag is estimated from the stations' own history: both series are resampled on a
common regular grid, differenced (rises and falls per step), and the lag is the shift
that maximises the Pearson correlation of upstream changes with later downstream changes.
Sanity value: Xayaburi dam to Chiang Khan (~190 km) is quoted at about 13 hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, as_float, check_times


@dataclass(frozen=True)
class LagEstimate:
    """Lag in seconds (downstream after upstream) and its correlation score (-1..1, NaN if none)."""

    lag: float
    score: float
    pairs: int


def resample(times: ArrayLike, values: ArrayLike, grid: FloatArray, max_gap: float) -> FloatArray:
    """Linear interpolation of a series on ``grid``; NaN outside the record or inside a gap
    longer than ``max_gap`` seconds between valid samples."""
    t, v = check_times(times, values), as_float(values)
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    out = np.full(grid.shape, np.nan)
    if t.size < 2:
        return out
    inside = (grid >= t[0]) & (grid <= t[-1])
    left = np.searchsorted(t, grid, side="left")
    on_sample = t[np.minimum(left, t.size - 1)] == grid
    right = np.clip(left, 1, t.size - 1)
    short = (t[right] - t[right - 1]) <= max_gap
    use = inside & (short | on_sample)
    out[use] = np.interp(grid[use], t, v)
    return out


def _corr(a: FloatArray, b: FloatArray) -> tuple[float, int]:
    ok = np.isfinite(a) & np.isfinite(b)
    n = int(np.count_nonzero(ok))
    if n < 3:
        return float("nan"), n
    x, y = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    return (float(np.dot(x, y)) / den if den > 0 else float("nan")), n


def estimate_lag(
    up_times: ArrayLike,
    up_values: ArrayLike,
    down_times: ArrayLike,
    down_values: ArrayLike,
    *,
    max_lag: float,
    step: float = 3600.0,
    max_gap: float | None = None,
) -> LagEstimate:
    """Lag (s, a multiple of ``step``, 0..``max_lag``) that best aligns upstream rises with
    downstream rises, with its correlation score. ``max_gap`` (default 6 steps) bounds the
    interpolation across missing data. NaN lag/score when the records do not overlap enough.
    """
    if step <= 0 or max_lag < 0:
        raise ValueError("step must be > 0 and max_lag >= 0")
    tu, td = check_times(up_times, up_values), check_times(down_times, down_values)
    gap = 6 * step if max_gap is None else max_gap
    if tu.size < 2 or td.size < 2:
        return LagEstimate(float("nan"), float("nan"), 0)
    start, end = max(tu[0], td[0] - max_lag), min(tu[-1], td[-1])
    if end <= start:
        return LagEstimate(float("nan"), float("nan"), 0)
    grid = np.arange(np.floor(start / step) * step, end + max_lag + step, step)
    du = np.diff(resample(tu, up_values, grid, gap))
    dd = np.diff(resample(td, down_values, grid, gap))
    best = LagEstimate(float("nan"), float("nan"), 0)
    for k in range(int(max_lag // step) + 1):
        score, n = _corr(du[: du.size - k], dd[k:])
        if np.isfinite(score) and (not np.isfinite(best.score) or score > best.score):
            best = LagEstimate(k * step, score, n)
    return best
