"""Viet Nam's air quality index (VN_AQI), Decision 1459/QĐ-TCMT of 12 November 2019.

Viet Nam publishes its own index beside (not instead of) the US EPA AQI: the breakpoints
differ (PM2.5 50 µg/m³ is AQI 100 here, about 137 in the EPA 2024 table) and so do the
categories, so a Vietnamese city reports VN_AQI to its public and the two must not be mixed.

Sources (facts, one value per published figure): Decision 1459/QĐ-TCMT, Table 2 (BP_i per
pollutant, µg/m³, CO in µg/m³ too) and Table 3 (categories and colours); copies in the
project reference ``vn_aqi_breakpoints_qd1459.csv`` and ``vn_aqi_categories_qd1459.csv``.

``AQI_x = (I_{i+1} - I_i) / (BP_{i+1} - BP_i) * (C_x - BP_i) + I_i`` on the band holding
``C_x``; the bands are contiguous, so a value on a breakpoint gets the same index from
either side. Unlike the EPA, concentrations are not truncated first; the index is rounded
to the nearest integer (half up). Decisions where the decision is silent or the table blank:

- O3 8-h is defined only up to 400 µg/m³ (I = 300); above that the 8-h index is NaN and the
  1-h index is used, as the decision's table leaves the 8-h column blank.
- Above the highest breakpoint the last band is extended linearly (AQI above 500), as our
  EPA index does: an operator must see how far beyond "Hazardous" the air is.
- The overall VN_AQI is the largest sub-index, and is only reported when PM2.5 or PM10 is
  among them (the decision requires at least one particulate parameter).
- PM NowCast: the EPA weighting (``hazards.aqi.nowcast``), which the decision adopts
  (w = c_min / c_max over 12 hours, floored at 1/2, 2 of the 3 newest hours required).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .series import FloatArray, IntArray, as_float

#: Sub-index values I_i at the rows of Table 2.
INDEX = (0.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0)
#: Table 2: BP_i per pollutant (µg/m³), aligned with ``INDEX``; NaN = blank in the table.
BREAKPOINTS: dict[str, tuple[float, ...]] = {
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 120, 170, 210, 400, np.nan, np.nan),
    "co": (0, 10000, 30000, 45000, 60000, 90000, 120000, 150000),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
}
PARTICULATES = ("pm25", "pm10")


class Category(NamedTuple):
    """A VN_AQI band (Table 3): integer bounds, names in Vietnamese and English, colour."""

    low: int
    high: int
    name_vi: str
    name_en: str
    colour: str


CATEGORIES: tuple[Category, ...] = (
    Category(0, 50, "Tốt", "Good", "#00E400"),
    Category(51, 100, "Trung bình", "Moderate", "#FFFF00"),
    Category(101, 150, "Kém", "Poor", "#FF7E00"),
    Category(151, 200, "Xấu", "Bad", "#FF0000"),
    Category(201, 300, "Rất xấu", "Very bad", "#8F3F97"),
    Category(301, 500, "Nguy hại", "Hazardous", "#7E0023"),
)


def sub_index(pollutant: str, concentration: ArrayLike) -> FloatArray:
    """VN_AQI sub-index of one pollutant (a key of ``BREAKPOINTS``) from µg/m³, rounded.

    NaN for negative or missing concentrations and for O3 8-h above 400 µg/m³.
    """
    try:
        bp = np.array(BREAKPOINTS[pollutant], dtype=float)
    except KeyError:
        raise ValueError(f"unknown VN_AQI pollutant {pollutant!r}") from None
    c = as_float(concentration)
    idx = np.array(INDEX)
    defined = np.isfinite(bp)
    bp, idx = bp[defined], idx[defined]
    out = np.full(c.shape, np.nan)
    extend = pollutant != "o3_8h"
    for k in range(bp.size - 1):
        top = k == bp.size - 2
        sel = (c >= bp[k]) & ((c <= bp[k + 1]) | (top and extend))
        out[sel] = (idx[k + 1] - idx[k]) / (bp[k + 1] - bp[k]) * (c[sel] - bp[k]) + idx[k]
    return np.floor(out + 0.5 + 1e-9)  # half up; epsilon absorbs float error at .5


def vn_aqi(sub_indices: Mapping[str, float]) -> float:
    """The VN_AQI from sub-indices per pollutant: their maximum, NaN without PM2.5/PM10."""
    finite = {k: v for k, v in sub_indices.items() if np.isfinite(v)}
    if not any(k in finite for k in PARTICULATES):
        return float("nan")
    return float(max(finite.values()))


def category(aqi: ArrayLike) -> IntArray:
    """Category index per VN_AQI (0 Good ... 5 Hazardous, see ``CATEGORIES``); -1 for NaN.

    Values above 500 stay Hazardous.
    """
    a = as_float(aqi)
    lows = np.array([cat.low for cat in CATEGORIES], dtype=float)
    cat = np.searchsorted(lows, np.nan_to_num(a, nan=-1.0), side="right") - 1
    return np.where(np.isnan(a) | (a < 0), -1, cat).astype(np.int64)
