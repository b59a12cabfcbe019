"""Air quality rule in Viet Nam's own index (VN_AQI, Decision 1459/QĐ-TCMT), beside ``aqi``.

A Vietnamese city reports VN_AQI to its public; the US EPA ``aqi`` rule may run on the same
datastreams. Hourly index: PM2.5 and PM10 from the NowCast of hourly means, CO, SO2 and
NO2 from hourly means, ozone the larger of its 1-h and 8-h sub-indices (8-h mean of at
least 6 of 8 hours). All concentrations in µg/m³ (CO too, as in the decision's table).
The overall index is reported only for hours with a particulate sub-index.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, field_validator

from cityops.hazards.aqi import hourly_means, nowcast_series
from cityops.hazards.thresholds import classify_levels
from cityops.hazards.vn_aqi import CATEGORIES, PARTICULATES, sub_index

from .air import HOUR, _align_hours
from .base import LevelSeries, Rule, RuleConfig, Series, ascending

#: VN_AQI lower bounds of the categories above Good (Table 3), by their English names.
DEFAULT_LEVELS = {cat.name_en: float(cat.low) for cat in CATEGORIES[1:]}
ROLES = ("pm25", "pm10", "o3", "co", "so2", "no2")


def _o3_index(means: np.ndarray) -> np.ndarray:
    eight = np.full(means.size, np.nan)
    for i in range(7, means.size):
        w = means[i - 7 : i + 1]
        if np.count_nonzero(np.isfinite(w)) >= 6:
            eight[i] = np.nanmean(w)
    return np.fmax(sub_index("o3_8h", eight), sub_index("o3_1h", means))


class VnAqiConfig(RuleConfig):
    OPTIONAL_ROLES = ROLES
    levels: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_LEVELS))

    @field_validator("inputs")
    @classmethod
    def _particulate(cls, value: dict[str, str | int]) -> dict[str, str | int]:
        if not any(role in value for role in PARTICULATES):
            raise ValueError("VN_AQI needs a pm25 or pm10 input (Decision 1459)")
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(ascending(value))


class VnAqiRule(Rule):
    """Hourly VN_AQI (the maximum sub-index, with PM present) against VN_AQI levels.

    Output times are the starts of the clock hours (UTC); ``details`` hold the sub-indices.
    """

    type_name = "vn_aqi"
    Config = VnAqiConfig
    config: VnAqiConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.config.levels)

    def input_units(self) -> dict[str, str]:
        return {role: "ug/m3" for role in self.config.inputs}

    @property
    def history(self) -> float:
        return 12 * HOUR

    @staticmethod
    def _pollutant_index(role: str, means: np.ndarray) -> np.ndarray:
        if role == "o3":
            return _o3_index(means)
        if role in PARTICULATES:
            return sub_index(role, nowcast_series(means))
        return sub_index(role, means)

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        hourly = {role: hourly_means(s.times, s.values) for role, s in inputs.items()}
        filled = [h for h in hourly.values() if h[0].size]
        if not filled:
            return LevelSeries(np.empty(0), np.empty(0, np.int64), np.empty(0), self.level_names())
        first = min(h[0][0] for h in filled)
        n = round((max(h[0][-1] for h in filled) - first) / HOUR) + 1
        times = first + HOUR * np.arange(n)
        details = {
            role: _align_hours(hours, first, n, self._pollutant_index(role, means))
            for role, (hours, means) in hourly.items()
        }
        with np.errstate(invalid="ignore"):
            aqi = np.fmax.reduce(np.vstack(list(details.values())), axis=0)
            pm = [details[r] for r in PARTICULATES if r in details]
            has_pm = np.any(np.isfinite(np.vstack(pm)), axis=0)
        aqi = np.where(has_pm, aqi, np.nan)
        level = classify_levels(times, aqi, list(self.config.levels.values()))
        return LevelSeries(times, level, aqi, self.level_names(), details)
