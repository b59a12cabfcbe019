"""Data-quality rule: no data, flat line, spike and out-of-range checks on one datastream."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, model_validator

from cityops.hazards import quality as qc

from .base import LevelSeries, Rule, RuleConfig, Series

#: Bits of the per-sample flag value.
GAP, FLAT, SPIKE, RANGE, STALE = 1, 2, 4, 8, 16


class DataQualityConfig(RuleConfig):
    ROLES = ("value",)
    unit: str = Field(description="UCUM unit the range, tolerance and rate are given in")
    max_gap: float | None = Field(default=None, gt=0, description="seconds without data")
    flat_duration: float | None = Field(default=None, gt=0, description="seconds")
    flat_tolerance: float = Field(default=0.0, ge=0)
    spike_per_hour: float | None = Field(default=None, gt=0, description="unit per hour")
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _some_check(self) -> DataQualityConfig:
        checks = (self.max_gap, self.flat_duration, self.spike_per_hour, self.minimum, self.maximum)
        if all(c is None for c in checks):
            raise ValueError(
                "configure at least one check (max_gap, flat_duration, spike_per_hour, "
                "minimum, maximum)"
            )
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            raise ValueError("minimum must be below maximum")
        return self


class DataQualityRule(Rule):
    """Level 1 ("suspect") where any configured check flags a sample.

    The value of each sample is a bit mask: 1 gap before it, 2 flat line, 4 spike,
    8 out of range, 16 stale (no data up to ``now``: a synthetic element at ``now``).
    """

    type_name = "data_quality"
    Config = DataQualityConfig
    config: DataQualityConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", "suspect")

    def input_units(self) -> dict[str, str]:
        return {"value": self.config.unit}

    @property
    def history(self) -> float:
        return max(self.config.max_gap or 0.0, self.config.flat_duration or 0.0) + 3600.0

    @property
    def watches_clock(self) -> bool:
        return self.config.max_gap is not None  # a sensor that stopped sends nothing

    def _flags(self, s: Series) -> np.ndarray:
        c = self.config
        flags = np.zeros(s.values.size, dtype=np.int64)
        if c.max_gap is not None:
            flags |= GAP * qc.gap_before(s.times, s.values, c.max_gap)
        if c.flat_duration is not None:
            flags |= FLAT * qc.flat_line(s.times, s.values, c.flat_duration, c.flat_tolerance)
        if c.spike_per_hour is not None:
            flags |= SPIKE * qc.spikes(s.times, s.values, c.spike_per_hour)
        flags |= RANGE * qc.out_of_range(s.values, c.minimum, c.maximum)
        return flags

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        s, c = inputs["value"], self.config
        flags, times = self._flags(s), s.times
        if now is not None and c.max_gap is not None and (not times.size or now > times[-1]):
            valid = s.times[np.isfinite(s.values)]
            last = float(valid[-1]) if valid.size else float("nan")
            stale = STALE if qc.stale(last, now, c.max_gap) else 0
            flags, times = np.append(flags, stale), np.append(times, now)
        level = (flags > 0).astype(np.int64)
        return LevelSeries(times, level, flags.astype(np.float64), self.level_names())
