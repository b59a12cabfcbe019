"""Heat index rule: temperature and humidity datastreams, NWS heat index and risk bands."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, field_validator

from cityops.hazards.heat import RISK_BANDS_F, heat_index_f
from cityops.hazards.series import align_asof
from cityops.hazards.thresholds import classify_levels

from .base import LevelSeries, Rule, RuleConfig, Series, ascending
from .units import converter


class HeatIndexConfig(RuleConfig):
    ROLES = ("temperature", "humidity")
    unit: str = Field(default="[degF]", description="UCUM unit of levels and output: Cel or [degF]")
    levels: dict[str, float] = Field(default_factory=lambda: dict(RISK_BANDS_F))
    max_skew: float = Field(
        default=1800.0, gt=0, description="seconds a humidity value may lag a temperature"
    )
    hysteresis: float = Field(default=0.0, ge=0)
    min_duration: float = Field(default=0.0, ge=0, description="seconds")

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        if value not in ("Cel", "[degF]"):
            raise ValueError("unit must be 'Cel' or '[degF]'")
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(ascending(value))


class HeatIndexRule(Rule):
    """NWS heat index at each temperature sample, paired with the latest humidity.

    Default levels are the NWS bands in °F (caution 80, extreme caution 90, danger 103,
    extreme danger 125); with ``unit = "Cel"`` give levels in °C.
    """

    type_name = "heat_index"
    Config = HeatIndexConfig
    config: HeatIndexConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.config.levels)

    def input_units(self) -> dict[str, str]:
        return {"temperature": "[degF]", "humidity": "%"}

    @property
    def history(self) -> float:
        return self.config.max_skew + self.config.min_duration

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        c, t, h = self.config, inputs["temperature"], inputs["humidity"]
        rh = align_asof(t.times, h.times, h.values, c.max_skew)
        hi = converter("[degF]", c.unit)(heat_index_f(t.values, rh))
        level = classify_levels(
            t.times,
            hi,
            list(c.levels.values()),
            hysteresis=c.hysteresis,
            min_duration=c.min_duration,
        )
        return LevelSeries(t.times, level, hi, self.level_names(), {"humidity": rh})
