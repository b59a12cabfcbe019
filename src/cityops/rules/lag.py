"""River lag rule: forecast a downstream level from an upstream station's rise.

The travel time is estimated from the stations' history (cross-correlation of changes)
unless configured; the downstream level expected one lag ahead is
``down(t) + (up(t) - up(t - lag))``, classified against the downstream levels.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, field_validator, model_validator

from cityops.hazards.lag import estimate_lag
from cityops.hazards.series import align_asof
from cityops.hazards.thresholds import classify_levels

from .base import LevelSeries, Rule, RuleConfig, Series, ascending


class RiverLagConfig(RuleConfig):
    ROLES = ("upstream", "downstream")
    unit: str = Field(default="m", description="UCUM unit of both stations and the levels")
    levels: dict[str, float] = Field(description="downstream levels, ascending")
    lag: float | None = Field(default=None, gt=0, description="seconds; estimated if absent")
    max_lag: float = Field(default=5 * 86400.0, gt=0, description="seconds")
    step: float = Field(default=3600.0, gt=0, description="resampling step, seconds")
    estimation_window: float = Field(default=60 * 86400.0, gt=0, description="seconds")
    min_score: float = Field(default=0.5, ge=-1, le=1, description="correlation needed")

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(ascending(value))

    @model_validator(mode="after")
    def _window(self) -> RiverLagConfig:
        if self.max_lag >= self.estimation_window:
            raise ValueError("max_lag must be shorter than estimation_window")
        return self


class RiverLagRule(Rule):
    """Level at the downstream station forecast from the upstream station's rise."""

    type_name = "river_lag"
    Config = RiverLagConfig
    config: RiverLagConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.config.levels)

    def input_units(self) -> dict[str, str]:
        return {"upstream": self.config.unit, "downstream": self.config.unit}

    @property
    def history(self) -> float:
        return self.config.lag + 86400.0 if self.config.lag else self.config.estimation_window

    def lag_seconds(self, up: Series, down: Series) -> tuple[float, float]:
        """(lag s, score): configured (score NaN) or estimated from the recent window."""
        c = self.config
        if c.lag is not None:
            return c.lag, float("nan")
        if not (up.times.size and down.times.size):
            return float("nan"), float("nan")
        since = max(up.times[-1], down.times[-1]) - c.estimation_window
        u, d = up.times >= since, down.times >= since
        est = estimate_lag(
            up.times[u], up.values[u], down.times[d], down.values[d], max_lag=c.max_lag, step=c.step
        )
        return (est.lag, est.score) if est.score >= c.min_score else (float("nan"), est.score)

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        up, down, c = inputs["upstream"], inputs["downstream"], self.config
        lag, score = self.lag_seconds(up, down)
        times = np.union1d(up.times, down.times)
        if np.isfinite(lag):
            tol = max(lag, 6 * c.step)  # how stale a paired sample may be
            rise = align_asof(times, up.times, up.values, tol) - align_asof(
                times - lag, up.times, up.values, tol
            )
            forecast = align_asof(times, down.times, down.values, tol) + rise
        else:
            forecast = np.full(times.size, np.nan)
        level = classify_levels(times, forecast, list(c.levels.values()))
        details = {"lag": np.full(times.size, lag), "score": np.full(times.size, score)}
        return LevelSeries(times, level, forecast, self.level_names(), details)
