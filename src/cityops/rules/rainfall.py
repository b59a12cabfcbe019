"""Rainfall rule: accumulation over a window against a level table or a regional preset
(PAGASA hourly heavy rainfall warning, Thai Meteorological Department 24 h totals)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, field_validator, model_validator

from cityops.hazards.rainfall import PRESETS, RainfallTable, classify_rainfall, simple_table

from .base import LevelSeries, Rule, RuleConfig, Series, ascending


class RainfallConfig(RuleConfig):
    ROLES = ("rain",)
    preset: str | None = Field(default=None, description=f"one of {sorted(PRESETS)}")
    window: float | None = Field(default=None, description="seconds, with levels")
    levels: dict[str, float] | None = Field(default=None, description="{name: mm}, ascending")

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str | None) -> str | None:
        if value is not None and value not in PRESETS:
            raise ValueError(f"unknown preset {value!r} (known: {', '.join(sorted(PRESETS))})")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise ValueError("window must be a positive number of seconds")
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else dict(ascending(value))

    @model_validator(mode="after")
    def _either(self) -> RainfallConfig:
        if self.preset is None and (self.window is None or self.levels is None):
            raise ValueError("give either a preset or both window and levels")
        if self.preset is not None and (self.window is not None or self.levels is not None):
            raise ValueError("a preset already sets window and levels: give one or the other")
        return self


class RainfallRule(Rule):
    """Rolling rainfall accumulation (mm) classified by a level table."""

    type_name = "rainfall"
    Config = RainfallConfig
    config: RainfallConfig

    @property
    def table(self) -> RainfallTable:
        c = self.config
        if c.preset is not None:
            return PRESETS[c.preset]
        assert c.window is not None and c.levels is not None
        return simple_table("custom", c.window, c.levels)

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.table.levels)

    def input_units(self) -> dict[str, str]:
        return {"rain": "mm"}

    @property
    def history(self) -> float:
        return self.table.history

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        s = inputs["rain"]
        level, acc = classify_rainfall(s.times, s.values, self.table)
        return LevelSeries(s.times, level, acc, self.level_names())
