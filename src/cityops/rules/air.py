"""Air quality rule: US EPA AQI from PM2.5 / PM10 (NowCast) and ozone (8-h and 1-h)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, field_validator

from cityops.hazards.aqi import (
    CATEGORIES,
    aqi_o3_1h,
    aqi_o3_8h,
    aqi_pm10,
    aqi_pm25,
    hourly_means,
    nowcast_series,
)
from cityops.hazards.thresholds import classify_levels

from .base import LevelSeries, Rule, RuleConfig, Series, ascending
from .severity import default_severities

#: AQI lower bounds of the EPA categories above Good.
DEFAULT_LEVELS = dict(zip(CATEGORIES[1:], (51.0, 101.0, 151.0, 201.0, 301.0), strict=True))
HOUR = 3600.0
#: CAP severity of the EPA categories: Moderate air is a Minor matter (only unusually
#: sensitive people), sensitive groups Moderate, Unhealthy and Very Unhealthy Severe,
#: Hazardous Extreme; rising with the category, never falling.
AQI_SEVERITIES = {
    "moderate": "Minor",
    "unhealthy for sensitive groups": "Moderate",
    "unhealthy": "Severe",
    "very unhealthy": "Severe",
    "hazardous": "Extreme",
}


def _o3_index(means: np.ndarray) -> np.ndarray:
    """Ozone AQI per hour: the larger of the 8-h (>= 6 of 8 hours, TAD) and 1-h indices."""
    n = means.size
    eight = np.full(n, np.nan)
    for i in range(7, n):
        w = means[i - 7 : i + 1]
        if np.count_nonzero(np.isfinite(w)) >= 6:
            eight[i] = np.nanmean(w)
    return np.fmax(aqi_o3_8h(eight), aqi_o3_1h(means))


def _align_hours(hours: np.ndarray, start: float, n: int, values: np.ndarray) -> np.ndarray:
    out = np.full(n, np.nan)
    if hours.size:
        idx = ((hours - start) / HOUR).round().astype(np.int64)
        out[idx] = values
    return out


class AqiConfig(RuleConfig):
    OPTIONAL_ROLES = ("pm25", "pm10", "o3")
    levels: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_LEVELS))
    nowcast: bool = Field(default=True, description="NowCast for PM (else hourly means)")

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(ascending(value))


class AqiRule(Rule):
    """Hourly AQI (the maximum over the pollutants given) against AQI levels.

    Output times are the starts of the clock hours (UTC); the newest hour may be partial.
    PM2.5 and PM10 use the NowCast of hourly means, ozone its 8-h mean and 1-h value (ppm).
    """

    type_name = "aqi"
    Config = AqiConfig
    config: AqiConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.config.levels)

    def default_severities(self) -> list[str]:
        return default_severities(self.level_names()[1:], AQI_SEVERITIES)

    def input_units(self) -> dict[str, str]:
        units = {"pm25": "ug/m3", "pm10": "ug/m3", "o3": "[ppm]"}
        return {role: units[role] for role in self.config.inputs}

    @property
    def history(self) -> float:
        return 12 * HOUR

    def _pollutant_index(self, role: str, means: np.ndarray) -> np.ndarray:
        if role == "o3":
            return _o3_index(means)
        conc = nowcast_series(means) if self.config.nowcast else means
        return aqi_pm25(conc) if role == "pm25" else aqi_pm10(conc)

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        hourly = {role: hourly_means(s.times, s.values) for role, s in inputs.items()}
        starts = [h[0][0] for h in hourly.values() if h[0].size]
        if not starts:
            return LevelSeries(np.empty(0), np.empty(0, np.int64), np.empty(0), self.level_names())
        first, last = min(starts), max(h[0][-1] for h in hourly.values() if h[0].size)
        n = round((last - first) / HOUR) + 1
        times = first + HOUR * np.arange(n)
        details = {
            role: _align_hours(hours, first, n, self._pollutant_index(role, means))
            for role, (hours, means) in hourly.items()
        }
        with np.errstate(invalid="ignore"):
            aqi = np.fmax.reduce(np.vstack(list(details.values())), axis=0)
        level = classify_levels(times, aqi, list(self.config.levels.values()))
        return LevelSeries(times, level, aqi, self.level_names(), details)
