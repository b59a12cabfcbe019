"""NWS heat index and its risk bands.

Source: NWS Weather Prediction Center, "The Heat Index Equation"
(wpc.ncep.noaa.gov/html/heatindex_equation.shtml), and the NWS heat index chart.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, IntArray, as_float

#: NWS risk bands, lower bounds in °F: caution 80-90, extreme caution 90-103,
#: danger 103-124, extreme danger >= 125.
RISK_BANDS_F: dict[str, float] = {
    "caution": 80.0,
    "extreme caution": 90.0,
    "danger": 103.0,
    "extreme danger": 125.0,
}


def _rothfusz(t: FloatArray, rh: FloatArray) -> FloatArray:
    return (
        -42.379
        + 2.04901523 * t
        + 10.14333127 * rh
        - 0.22475541 * t * rh
        - 0.00683783 * t * t
        - 0.05481717 * rh * rh
        + 0.00122874 * t * t * rh
        + 0.00085282 * t * rh * rh
        - 0.00000199 * t * t * rh * rh
    )


def heat_index_f(temperature_f: ArrayLike, relative_humidity: ArrayLike) -> FloatArray:
    """Heat index in °F from air temperature (°F) and relative humidity (%).

    NWS algorithm: Steadman's simple form ``0.5 (T + 61 + 1.2 (T - 68) + 0.094 RH)``;
    where that is >= 80 °F, the Rothfusz regression instead, with its adjustments
    (RH < 13 % and 80-112 °F: minus ``(13-RH)/4 * sqrt((17-|T-95|)/17)``;
    RH > 85 % and 80-87 °F: plus ``(RH-85)/10 * (87-T)/5``). NaN in, NaN out.
    """
    t, rh = np.broadcast_arrays(as_float(temperature_f), as_float(relative_humidity))
    simple = 0.5 * (t + 61.0 + (t - 68.0) * 1.2 + rh * 0.094)
    full = _rothfusz(t, rh)
    dry = (rh < 13.0) & (t >= 80.0) & (t <= 112.0)
    with np.errstate(invalid="ignore"):
        full = np.where(
            dry, full - (13.0 - rh) / 4.0 * np.sqrt((17.0 - np.abs(t - 95.0)) / 17.0), full
        )
    humid = (rh > 85.0) & (t >= 80.0) & (t <= 87.0)
    full = np.where(humid, full + (rh - 85.0) / 10.0 * (87.0 - t) / 5.0, full)
    return np.where(simple >= 80.0, full, simple)


def heat_index_c(temperature_c: ArrayLike, relative_humidity: ArrayLike) -> FloatArray:
    """Heat index in °C from temperature (°C) and relative humidity (%).

    See :func:`heat_index_f`.
    """
    t_f = as_float(temperature_c) * 9.0 / 5.0 + 32.0
    return (heat_index_f(t_f, relative_humidity) - 32.0) * 5.0 / 9.0


def heat_risk_band(heat_index: ArrayLike) -> IntArray:
    """NWS risk band per heat index value in °F: 0 none, 1 caution ... 4 extreme danger.

    NaN gives 0. Band names in order: ``list(RISK_BANDS_F)``.
    """
    hi = as_float(heat_index)
    bounds = np.array(list(RISK_BANDS_F.values()))
    return np.searchsorted(bounds, np.nan_to_num(hi, nan=-np.inf), side="right").astype(np.int64)
