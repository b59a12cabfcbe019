"""Heat index rule: temperature and humidity datastreams, NWS heat index and risk bands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import Field, field_validator, model_validator

from cityops.hazards.heat import RISK_BANDS_F, heat_index_f
from cityops.hazards.series import align_asof
from cityops.hazards.thresholds import classify_levels

from .base import LevelSeries, Rule, RuleConfig, Series, ascending
from .units import converter


def bands_in(unit: str) -> dict[str, float]:
    """The NWS heat index bands (lower bounds) in ``unit`` (``Cel`` or ``[degF]``), exact
    conversions of the published °F values, rounded to 0.01."""
    convert = converter("[degF]", unit)
    return {
        name: round(float(convert(np.array([value]))[0]), 2) for name, value in RISK_BANDS_F.items()
    }


class HeatIndexConfig(RuleConfig):
    ROLES = ("temperature", "humidity")
    unit: str = Field(default="[degF]", description="UCUM unit of levels and output: Cel or [degF]")
    levels: dict[str, float] = Field(
        default_factory=lambda: dict(RISK_BANDS_F),
        description="{name: heat index} in ``unit``; default: the NWS bands in that unit",
    )
    max_skew: float = Field(
        default=1800.0, gt=0, description="seconds a humidity value may lag a temperature"
    )
    hysteresis: float = Field(default=0.0, ge=0)
    min_duration: float = Field(default=0.0, ge=0, description="seconds")

    @model_validator(mode="before")
    @classmethod
    def _default_levels(cls, data: Any) -> Any:
        """Without explicit levels, the NWS bands in the rule's unit: a °C rule compares
        °C heat indices with °C thresholds (80 °F = 26.67 °C ...), never with °F numbers."""
        if isinstance(data, dict) and "levels" not in data and data.get("unit") == "Cel":
            return {**data, "levels": bands_in("Cel")}
        return data

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

    Default levels are the NWS bands (caution 80, extreme caution 90, danger 103, extreme
    danger 125 °F) in the rule's unit: with ``unit = "Cel"`` and no levels, 26.67, 32.22,
    39.44 and 51.67 °C. Explicit levels are in the rule's unit.
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
