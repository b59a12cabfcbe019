"""Drought rule: Standardized Precipitation Index over 1, 3, 6 or 12 months."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from cityops.hazards.spi import spi
from cityops.hazards.thresholds import classify_levels

from .base import LevelSeries, Rule, RuleConfig, Series

#: WMO/McKee dry categories as SPI upper bounds (level when SPI <= bound).
DEFAULT_LEVELS = {"moderately dry": -1.0, "severely dry": -1.5, "extremely dry": -2.0}
YEAR = 365.25 * 86400.0


def monthly_totals(
    times: np.ndarray, values: np.ndarray, zone: tzinfo | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sum per calendar month of ``zone`` (the station's city; UTC when None) from the
    first to the last sample's month; months without any valid sample are NaN. Returns
    (month start times in s, totals). Rain falling on the 1st at 03:00 in Bangkok is
    February rain there, though it is still January in UTC."""
    ok = np.isfinite(values)
    if not ok.any():
        return np.empty(0), np.empty(0)
    t, v = times[ok], values[ok]
    starts = _month_starts(float(t.min()), float(t.max()), zone or UTC)
    index = np.searchsorted(starts, t, side="right") - 1
    n = starts.size
    totals = np.bincount(index, weights=v, minlength=n)
    counts = np.bincount(index, minlength=n)
    return starts, np.where(counts > 0, totals, np.nan)


def _month_starts(first: float, last: float, zone: tzinfo) -> np.ndarray:
    """Epoch seconds of each local month start from ``first``'s month to ``last``'s."""
    a = datetime.fromtimestamp(first, zone)
    b = datetime.fromtimestamp(last, zone)
    out = []
    year, month = a.year, a.month
    while (year, month) <= (b.year, b.month):
        out.append(datetime(year, month, 1, tzinfo=zone).timestamp())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return np.asarray(out, dtype=np.float64)


class DroughtSpiConfig(RuleConfig):
    ROLES = ("precipitation",)
    scale: Literal[1, 3, 6, 12] = Field(default=3, description="months")
    levels: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_LEVELS), description="{name: SPI}, descending"
    )
    calibration_years: int = Field(default=30, ge=1, description="years fitted before the latest")
    include_current_month: bool = Field(
        default=False, description="use the month of the newest sample (often incomplete)"
    )

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        bounds = list(value.values())
        if not bounds:
            raise ValueError("at least one level is required")
        if any(not b < a for a, b in itertools.pairwise(bounds)):
            raise ValueError("SPI levels must be descending (drier levels have lower SPI)")
        return value


class DroughtSpiRule(Rule):
    """Monthly SPI from a precipitation datastream (any reporting interval, summed per
    calendar month of the rule's city, ``zone``). Level k when SPI <= the k-th
    (descending) bound."""

    type_name = "drought_spi"
    Config = DroughtSpiConfig
    config: DroughtSpiConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", *self.config.levels)

    def input_units(self) -> dict[str, str]:
        return {"precipitation": "mm"}

    @property
    def history(self) -> float:
        return self.config.calibration_years * YEAR + self.config.scale * 31 * 86400.0

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        c, s = self.config, inputs["precipitation"]
        starts, totals = monthly_totals(s.times, s.values, self.zone)
        if not c.include_current_month and starts.size:
            starts, totals = starts[:-1], totals[:-1]
        if not starts.size:
            return LevelSeries(np.empty(0), np.empty(0, np.int64), np.empty(0), self.level_names())
        first_month = datetime.fromtimestamp(float(starts[0]), self.zone).month
        calibration = slice(max(0, starts.size - 12 * c.calibration_years), None)
        index = spi(totals, c.scale, start_month=first_month, calibration=calibration)
        # classify dryness as a rising quantity: -SPI against -bounds
        bounds = [-b for b in c.levels.values()]
        level = classify_levels(starts, -index, bounds)
        return LevelSeries(starts, level, index, self.level_names())
