"""Rolling rainfall accumulations and the rainfall warning tables used in the region.

Sources:
- PAGASA (Philippines) heavy rainfall warning: yellow 7.5-15 mm/h, orange 15-30 mm/h,
  red > 30 mm/h or > 65 mm in the past 3 hours (rain expected to continue 2 more hours).
- Thai Meteorological Department, 24 h totals: light 0.1-10.0 mm, moderate 10.1-35.0,
  heavy 35.1-90.0, very heavy >= 90.1 mm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, IntArray, as_float, check_times, window_start

HOUR = 3600.0
DAY = 86400.0


def rolling_sum(times: ArrayLike, values: ArrayLike, window: float) -> FloatArray:
    """Sum of the samples in the trailing window ``(t - window, t]``, per sample.

    Each value is the rain (mm) that fell in its own reporting interval, so the sum over
    the window is the accumulation. NaN samples count as missing (not as zero); the sum
    is NaN only when the window holds no valid sample. ``window`` in seconds.
    """
    if window <= 0:
        raise ValueError("window must be > 0 seconds")
    t, v = check_times(times, values), as_float(values)
    ok = np.isfinite(v)
    csum = np.concatenate(([0.0], np.cumsum(np.where(ok, v, 0.0))))
    ccount = np.concatenate(([0], np.cumsum(ok)))
    start = window_start(t, window)
    end = np.arange(1, v.size + 1)
    total = csum[end] - csum[start]
    return np.where(ccount[end] - ccount[start] > 0, total, np.nan)


@dataclass(frozen=True)
class Criterion:
    """Level ``level`` (1-based) holds when the ``window``-second total passes ``threshold``.

    ``inclusive`` chooses ``>=`` (True) or ``>`` (False) as the table's wording says.
    """

    level: int
    window: float
    threshold: float
    inclusive: bool = True


@dataclass(frozen=True)
class RainfallTable:
    """An ordered list of level names and the criteria that raise each one."""

    name: str
    levels: tuple[str, ...]
    criteria: tuple[Criterion, ...]

    @property
    def history(self) -> float:
        """Longest window needed, in seconds."""
        return max(c.window for c in self.criteria)


PRESETS: Mapping[str, RainfallTable] = {
    "pagasa_hourly": RainfallTable(
        "PAGASA heavy rainfall warning",
        ("yellow", "orange", "red"),
        (
            Criterion(1, HOUR, 7.5),
            Criterion(2, HOUR, 15.0),
            Criterion(3, HOUR, 30.0, inclusive=False),
            Criterion(3, 3 * HOUR, 65.0, inclusive=False),
        ),
    ),
    "tmd_24h": RainfallTable(
        "Thai Meteorological Department 24 h rainfall",
        ("light", "moderate", "heavy", "very heavy"),
        (
            Criterion(1, DAY, 0.0, inclusive=False),
            Criterion(2, DAY, 10.0, inclusive=False),
            Criterion(3, DAY, 35.0, inclusive=False),
            Criterion(4, DAY, 90.0, inclusive=False),
        ),
    ),
}


def simple_table(name: str, window: float, levels: Mapping[str, float]) -> RainfallTable:
    """A table with one window and ascending inclusive thresholds (``{name: mm}``)."""
    crit = tuple(Criterion(k, window, mm) for k, mm in enumerate(levels.values(), start=1))
    return RainfallTable(name, tuple(levels), crit)


def classify_rainfall(
    times: ArrayLike, values: ArrayLike, table: RainfallTable
) -> tuple[IntArray, FloatArray]:
    """Level index per sample (0 = none) and the accumulation of the table's first window.

    The level is the highest one any criterion meets. Values in mm per reporting interval.
    """
    t = check_times(times, values)
    level = np.zeros(t.size, dtype=np.int64)
    sums: dict[float, FloatArray] = {}
    for c in table.criteria:
        if c.window not in sums:
            sums[c.window] = rolling_sum(t, values, c.window)
        acc = sums[c.window]
        with np.errstate(invalid="ignore"):
            met = acc >= c.threshold if c.inclusive else acc > c.threshold
        level = np.where(met, np.maximum(level, c.level), level)
    first = table.criteria[0].window
    return level, sums.get(first, np.full(t.size, np.nan))
