"""River level rule: named levels, optional rate-of-rise and time-to-level forecast.

Levels are national warning/danger (or alarm/flood) levels, e.g. Pakse warning 11.0 m,
danger 12.0 m (Lao DMH); see ``mekong_station_levels.csv``. MRC calls an "alarm situation"
a flood level forecast to be reached within 3 days: the ``forecast`` option expresses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cityops.hazards.thresholds import classify_levels
from cityops.hazards.trend import rate_of_rise, time_to_level

from .base import LevelSeries, Rule, RuleConfig, Series, ascending


class TrendWindow(BaseModel):
    """How much data a trend needs: samples, span, and the longest gap it may bridge.

    Defaults scale with the window: at least 3 samples spanning half the window, no gap
    longer than half the window (15-minute telemetry with a 3 h window tolerates 1.5 h
    of silence; twice-daily readings with a 2-day window work too).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    window: float = Field(gt=0, description="seconds")
    min_samples: int = Field(default=3, ge=2, description="valid samples in the window")
    min_span: float | None = Field(
        default=None, ge=0, description="seconds between first and last sample; default window/2"
    )
    max_gap: float | None = Field(
        default=None, gt=0, description="longest gap bridged, seconds; default window/2"
    )

    def rate(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The rate of rise (unit/h) under these data requirements."""
        half = self.window / 2
        return rate_of_rise(
            times,
            values,
            self.window,
            min_samples=self.min_samples,
            min_span=half if self.min_span is None else self.min_span,
            max_gap=half if self.max_gap is None else self.max_gap,
        )


class RateOfRise(TrendWindow):
    """Rising faster than ``per_hour`` (unit/h, over ``window`` s) raises to at least ``level``."""

    per_hour: float = Field(gt=0)
    level: str


class Forecast(TrendWindow):
    """Reaching ``target`` within ``horizon`` s on the trend over ``window`` s raises to at
    least ``level`` (MRC alarm: flood level forecast within 3 days = 259200 s)."""

    target: str
    horizon: float = Field(gt=0, description="seconds")
    level: str


class RiverLevelConfig(RuleConfig):
    ROLES = ("level",)
    unit: str = Field(default="m", description="UCUM unit of the thresholds")
    levels: dict[str, float]
    hysteresis: float = Field(default=0.0, ge=0)
    min_duration: float = Field(default=0.0, ge=0, description="seconds")
    rate_of_rise: RateOfRise | None = None
    forecast: Forecast | None = None

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(ascending(value))

    @model_validator(mode="after")
    def _names(self) -> RiverLevelConfig:
        for key, ref in (("rate_of_rise", self.rate_of_rise), ("forecast", self.forecast)):
            names = [ref.level] + ([ref.target] if isinstance(ref, Forecast) else []) if ref else []
            for name in names:
                if name not in self.levels:
                    raise ValueError(f"{key}: level {name!r} is not one of {list(self.levels)}")
        return self


class RiverLevelRule(Rule):
    """Water level against ascending levels, with hysteresis, minimum duration and trends."""

    type_name = "river_level"
    Config = RiverLevelConfig
    config: RiverLevelConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.config.levels)

    def input_units(self) -> dict[str, str]:
        return {"level": self.config.unit}

    @property
    def history(self) -> float:
        c = self.config
        windows = [c.min_duration]
        windows += [c.rate_of_rise.window] if c.rate_of_rise else []
        windows += [c.forecast.window] if c.forecast else []
        return max(windows) + 86400.0  # a day of context keeps hysteresis state right

    def _index(self, name: str) -> int:
        return list(self.config.levels).index(name) + 1

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        c, s = self.config, inputs["level"]
        level = classify_levels(
            s.times,
            s.values,
            list(c.levels.values()),
            hysteresis=c.hysteresis,
            min_duration=c.min_duration,
        )
        details: dict[str, np.ndarray] = {}
        if c.rate_of_rise:
            rate = c.rate_of_rise.rate(s.times, s.values)
            details["rate_per_hour"] = rate
            fast = np.nan_to_num(rate, nan=-np.inf) > c.rate_of_rise.per_hour
            level = np.where(fast, np.maximum(level, self._index(c.rate_of_rise.level)), level)
        if c.forecast:
            f = c.forecast
            rate = f.rate(s.times, s.values)
            eta = time_to_level(s.values, rate, c.levels[f.target])
            details["time_to_" + f.target] = eta
            soon = np.nan_to_num(eta, nan=np.inf) <= f.horizon
            level = np.where(soon, np.maximum(level, self._index(f.level)), level)
        return LevelSeries(s.times, level, s.values, self.level_names(), details)
