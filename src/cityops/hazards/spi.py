"""Standardized Precipitation Index (SPI).

Sources: McKee, Doesken and Kleist (1993), "The relationship of drought frequency and
duration to time scales"; WMO (2012) Standardized Precipitation Index User Guide
(WMO-No. 1090). Reference implementation used as a test oracle: PyPI ``climate-indices``.

1. Sum precipitation over the time scale (1, 3, 6, 12 months).
2. Per calendar month, fit a gamma distribution to the non-zero sums of the calibration
   period (Thom's maximum-likelihood approximation:
   ``A = ln(mean) - mean(ln x)``, ``alpha = (1 + sqrt(1 + 4A/3)) / (4A)``, ``beta = mean/alpha``).
3. With q the share of zeros, ``H = q + (1 - q) G(x)``; ``SPI = Phi^-1(H)``, clipped to +-3.09.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, as_float

SPI_LIMIT = 3.09
#: WMO categories (lower bound of SPI, name), wettest first.
CATEGORIES = (
    (2.0, "extremely wet"),
    (1.5, "very wet"),
    (1.0, "moderately wet"),
    (-0.99, "near normal"),
    (-1.49, "moderately dry"),
    (-1.99, "severely dry"),
    (-np.inf, "extremely dry"),
)


def rolling_months(monthly: ArrayLike, scale: int) -> FloatArray:
    """Sum over the trailing ``scale`` months; NaN when any month in the window is missing
    (and for the first ``scale - 1`` months)."""
    if scale < 1:
        raise ValueError("scale must be >= 1 month")
    p = as_float(monthly)
    out = np.full(p.size, np.nan)
    if p.size >= scale:
        windows = np.lib.stride_tricks.sliding_window_view(p, scale)
        out[scale - 1 :] = windows.sum(axis=1)
    return out


def _gamma_fit(x: FloatArray) -> tuple[float, float]:
    """Thom's approximation of the gamma shape and scale of positive values ``x``."""
    mean = float(np.mean(x))
    a = np.log(mean) - float(np.mean(np.log(x)))
    if a <= 0:  # all values equal: no spread to fit
        return float("nan"), float("nan")
    alpha = (1.0 + np.sqrt(1.0 + 4.0 * a / 3.0)) / (4.0 * a)
    return float(alpha), mean / float(alpha)


def spi(
    monthly: ArrayLike,
    scale: int,
    *,
    start_month: int = 1,
    calibration: slice | None = None,
) -> FloatArray:
    """SPI per month of a consecutive monthly precipitation series (any unit, e.g. mm).

    ``start_month`` is the calendar month (1-12) of ``monthly[0]``; ``calibration`` selects
    the months used to fit the distributions (default: the whole record). Missing months
    (NaN) give NaN for every window that contains them. Months whose calendar month has no
    usable fit (fewer than two distinct non-zero sums) give NaN.
    """
    acc = rolling_months(monthly, scale)
    out = np.full(acc.size, np.nan)
    cal = np.zeros(acc.size, dtype=bool)
    cal[calibration if calibration is not None else slice(None)] = True
    month = (np.arange(acc.size) + start_month - 1) % 12
    for m in range(12):
        this = month == m
        fit = acc[this & cal]
        fit = fit[np.isfinite(fit)]
        positive = fit[fit > 0]
        if fit.size == 0 or positive.size < 2:
            continue
        q = 1.0 - positive.size / fit.size
        alpha, beta = _gamma_fit(positive)
        if not np.isfinite(alpha):
            continue
        x = acc[this]
        from scipy import stats  # imported here: scipy costs ~1 s at start-up

        g = stats.gamma.cdf(x, a=alpha, scale=beta)
        h = q + (1.0 - q) * g
        out[this] = stats.norm.ppf(h)
    clipped: FloatArray = np.clip(out, -SPI_LIMIT, SPI_LIMIT)
    return clipped


def spi_category(value: float) -> str:
    """WMO SPI category name for one SPI value (e.g. -1.7 -> "severely dry")."""
    if not np.isfinite(value):
        return "unknown"
    for lower, name in CATEGORIES:
        if value >= lower:
            return name
    return CATEGORIES[-1][1]
