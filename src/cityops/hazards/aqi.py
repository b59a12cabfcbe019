"""US EPA Air Quality Index and the PM NowCast.

Sources: US EPA, Technical Assistance Document for the Reporting of Daily Air Quality -
the Air Quality Index (AQI), 2024 (PM2.5 breakpoints revised in 2024); AirNow NowCast FAQ
and EPA "PM NowCast" fact sheet.

``I = (I_hi - I_lo) / (C_hi - C_lo) * (C - C_lo) + I_lo``, rounded to the nearest
integer, after truncating C: PM2.5 to 0.1 ug/m3, PM10 to 1 ug/m3, O3 to 0.001 ppm.

PM2.5 above 225.4 ug/m3 (sources disagree): we follow the 2024 TAD, 225.5-325.4 maps to
AQI 301-500, and above 325.4 the same last segment is extended linearly (as the TAD allows
"the last two breakpoints" beyond the table), so the AQI keeps rising past 500 instead of
being capped: an operator must see how far beyond "Hazardous" the air is. The pre-2024
split (250.5-350.4 -> 301-400, 350.5-500.4 -> 401-500) is not used.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, IntArray, as_float

CATEGORIES = (
    "Good",
    "Moderate",
    "Unhealthy for Sensitive Groups",
    "Unhealthy",
    "Very Unhealthy",
    "Hazardous",
)
_AQI_LO = np.array([0, 51, 101, 151, 201, 301], dtype=float)
_AQI_HI = np.array([50, 100, 150, 200, 300, 500], dtype=float)

#: (C_lo, C_hi) per AQI band; rows align with _AQI_LO/_AQI_HI (NaN = band not defined).
PM25_24H = np.array(
    [[0.0, 9.0], [9.1, 35.4], [35.5, 55.4], [55.5, 125.4], [125.5, 225.4], [225.5, 325.4]]
)
PM10_24H = np.array([[0, 54], [55, 154], [155, 254], [255, 354], [355, 424], [425, 604]], float)
O3_8H = np.array(
    [[0.0, 0.054], [0.055, 0.070], [0.071, 0.085], [0.086, 0.105], [0.106, 0.200], [np.nan, np.nan]]
)
O3_1H = np.array(
    [
        [np.nan, np.nan],
        [np.nan, np.nan],
        [0.125, 0.164],
        [0.165, 0.204],
        [0.205, 0.404],
        [0.405, 0.604],
    ]
)
#: O3 1-h 301-500 is split in two rows in the TAD: 0.405-0.504 -> 301-400, 0.505-0.604 -> 401-500.
_O3_1H_TOP = np.array([[0.405, 0.504, 301, 400], [0.505, 0.604, 401, 500]])


def _truncate(c: FloatArray, step: float) -> FloatArray:
    # The small epsilon keeps values like 35.4 (stored as 35.39999...) on their decimal.
    return np.floor(c / step + 1e-6) * step


def _index(c: FloatArray, table: np.ndarray, extend_top: bool) -> FloatArray:
    out = np.full(c.shape, np.nan)
    for (c_lo, c_hi), i_lo, i_hi in zip(table, _AQI_LO, _AQI_HI, strict=False):
        if np.isnan(c_lo):
            continue
        last = extend_top and c_hi == table[-1, 1]
        sel = (c >= c_lo - 1e-9) & ((c <= c_hi + 1e-9) | last)
        out[sel] = (i_hi - i_lo) / (c_hi - c_lo) * (c[sel] - c_lo) + i_lo
    return np.floor(out + 0.5 + 1e-9)  # half up; epsilon absorbs float error at .5


def aqi_pm25(concentration: ArrayLike) -> FloatArray:
    """AQI from a 24-h (or NowCast) PM2.5 concentration in ug/m3; 2024 breakpoints.

    Truncated to 0.1 ug/m3; above 325.4 the 301-500 segment is extended (AQI > 500).
    Negative or NaN concentrations give NaN.
    """
    return _index(_truncate(as_float(concentration), 0.1), PM25_24H, extend_top=True)


def aqi_pm10(concentration: ArrayLike) -> FloatArray:
    """AQI from a 24-h (or NowCast) PM10 concentration in ug/m3, truncated to 1 ug/m3.

    Above 604 the top segment is extended, as for PM2.5.
    """
    return _index(_truncate(as_float(concentration), 1.0), PM10_24H, extend_top=True)


def aqi_o3_8h(concentration_ppm: ArrayLike) -> FloatArray:
    """AQI from an 8-h ozone mean in ppm (truncated to 0.001); NaN above 0.200 ppm,
    where the TAD requires the 1-h value instead."""
    return _index(_truncate(as_float(concentration_ppm), 0.001), O3_8H, extend_top=False)


def aqi_o3_1h(concentration_ppm: ArrayLike) -> FloatArray:
    """AQI from a 1-h ozone value in ppm (truncated to 0.001); defined from 0.125 ppm
    (AQI 101) to 0.604 ppm (AQI 500), NaN elsewhere."""
    c = _truncate(as_float(concentration_ppm), 0.001)
    out = _index(c, O3_1H[:5], extend_top=False)
    for c_lo, c_hi, i_lo, i_hi in _O3_1H_TOP:
        sel = (c >= c_lo - 1e-9) & (c <= c_hi + 1e-9)
        out[sel] = np.floor((i_hi - i_lo) / (c_hi - c_lo) * (c[sel] - c_lo) + i_lo + 0.5 + 1e-9)
    return out


def aqi_category(aqi: ArrayLike) -> IntArray:
    """Category index per AQI (0 Good ... 5 Hazardous, names in ``CATEGORIES``); -1 for NaN."""
    a = as_float(aqi)
    cat = np.searchsorted(_AQI_LO, np.nan_to_num(a, nan=-1.0), side="right") - 1
    return np.where(np.isnan(a), -1, cat).astype(np.int64)


def nowcast(hourly: ArrayLike, *, min_weight: float = 0.5) -> float:
    """PM NowCast from up to 12 hourly means, ``hourly[0]`` the newest (c1); NaN = missing.

    ``w = min/max`` over the valid hours, floored at ``min_weight`` (0.5 for PM);
    ``NowCast = sum(c_i w^(i-1)) / sum(w^(i-1))`` over the valid hours. NaN when two of the
    three newest hours are missing (EPA completeness rule). Raw, untruncated means in;
    the result is not truncated either (the AQI functions truncate).
    """
    c = as_float(hourly)[:12]
    if np.count_nonzero(np.isfinite(c[:3])) < 2:
        return float("nan")
    ok = np.isfinite(c)
    cmax, cmin = float(np.max(c[ok])), float(np.min(c[ok]))
    w = 1.0 if cmax <= 0 else max(cmin / cmax, min_weight)
    powers = w ** np.arange(c.size)
    return float(np.sum(c[ok] * powers[ok]) / np.sum(powers[ok]))


def hourly_means(times: ArrayLike, values: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Mean per clock hour (UTC), hours labelled by their start; empty hours are NaN.

    Returns (hour start times in seconds, means), covering every hour from the first to
    the last sample.
    """
    t, v = as_float(times), as_float(values)
    ok = np.isfinite(v) & np.isfinite(t)
    if not np.any(ok):
        return np.empty(0), np.empty(0)
    hour = np.floor(t[ok] / 3600.0).astype(np.int64)
    first = int(hour.min())
    n = int(hour.max()) - first + 1
    sums = np.bincount(hour - first, weights=v[ok], minlength=n)
    counts = np.bincount(hour - first, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return as_float((first + np.arange(n)) * 3600.0), as_float(means)


def nowcast_series(hourly: ArrayLike, *, min_weight: float = 0.5) -> FloatArray:
    """NowCast at every hour of a contiguous hourly series (oldest first)."""
    h = as_float(hourly)
    out = np.full(h.size, np.nan)
    for i in range(h.size):
        window = h[max(0, i - 11) : i + 1][::-1]
        out[i] = nowcast(
            np.pad(window, (0, 12 - window.size), constant_values=np.nan), min_weight=min_weight
        )
    return out
