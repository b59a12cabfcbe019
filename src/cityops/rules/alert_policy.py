"""How a rule's incidents become public CAP alerts (pure config, read by ``alerting``).

Written in a rule as ``alert = { mode = "issue", area = "old-quarter" }``. The hazard key
names a set of CAP templates (``cityops.cap.templates.HAZARDS``); by default it follows
from the rule type.

A person decides by default: rules draft, an operator issues. ``mode = "issue"`` is the
city's explicit choice for one rule; even then nothing goes public on a single reading:
the condition must persist (``issue_after_readings`` readings over ``issue_after``
seconds, defaults per hazard in :data:`PERSISTENCE`), and after the first message at
most one public update goes out per ``update_interval`` unless the severity rises.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: CAP template hazard of each built-in rule type.
HAZARD_OF_TYPE = {
    "river_level": "river_flood",
    "river_lag": "river_flood",
    "rainfall": "heavy_rain",
    "heat_index": "heat",
    "aqi": "air_quality",
    "vn_aqi": "air_quality",
    "drought_spi": "drought",
    "data_quality": "sensor_failure",
}


#: Default persistence before automatic issue, per template hazard: (readings, seconds).
#: Never one reading; a river gauge (15 min to 12 h between readings) must hold its level
#: for an hour and three readings, an hourly rainfall total for two readings.
PERSISTENCE: dict[str, tuple[int, float]] = {
    "river_flood": (3, 3600.0),
    "heavy_rain": (2, 1800.0),
    "heat": (3, 3600.0),
    "air_quality": (3, 3600.0),
    "drought": (2, 0.0),
    "sensor_failure": (2, 900.0),
}
DEFAULT_PERSISTENCE = (3, 3600.0)
DEFAULT_UPDATE_INTERVAL = 3 * 3600.0


class AlertPolicy(BaseModel):
    """CAP alerting of a rule's incidents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["off", "draft", "issue"] | None = Field(
        default=None,
        description="off: no alerts; draft: drafted for an operator to review "
        "and issue; issue: issued automatically. Default: draft, off for data_quality",
    )
    hazard: str | None = Field(
        default=None,
        description="CAP template hazard (river_flood, "
        "heavy_rain, heat, air_quality, drought, sensor_failure)",
    )
    on_resolve: Literal["cancel", "all_clear"] = Field(
        default="cancel", description="what resolution sends: a Cancel or an AllClear Update"
    )
    expires_hours: float = Field(
        default=24.0, gt=0, le=24 * 14, description="hours an issued alert stays current"
    )
    radius_km: float = Field(
        default=10.0, gt=0, le=500, description="radius of the circle around the station"
    )
    area: str | None = Field(
        default=None,
        description="name of an imported area polygon of the city to use instead of the circle",
    )
    issue_after_readings: int | None = Field(
        default=None,
        ge=2,
        le=1000,
        description="automatic issue: readings at or above the level first (never 1; "
        "default by hazard)",
    )
    issue_after: float | None = Field(
        default=None,
        ge=0,
        le=7 * 86400,
        description="automatic issue: seconds the condition must last first (default by hazard)",
    )
    update_interval: float | None = Field(
        default=None,
        ge=0,
        le=7 * 86400,
        description="automatic issue: at most one public update per this many seconds "
        "unless the severity rises (default 3 h)",
    )

    def resolved_mode(self, rule_type: str) -> str:
        """The effective mode for a rule of ``rule_type``."""
        if self.mode is not None:
            return self.mode
        return "off" if rule_type == "data_quality" else "draft"

    def resolved_hazard(self, rule_type: str) -> str | None:
        """The template hazard for a rule of ``rule_type`` (None: no templates)."""
        return self.hazard or HAZARD_OF_TYPE.get(rule_type)

    def resolved_persistence(self, rule_type: str) -> tuple[int, float]:
        """(readings, seconds) the condition must last before automatic issue."""
        hazard = self.resolved_hazard(rule_type) or ""
        readings, seconds = PERSISTENCE.get(hazard, DEFAULT_PERSISTENCE)
        return (
            readings if self.issue_after_readings is None else self.issue_after_readings,
            seconds if self.issue_after is None else self.issue_after,
        )

    def resolved_update_interval(self) -> float:
        """Seconds between automatic public updates (a rise in severity goes at once)."""
        return DEFAULT_UPDATE_INTERVAL if self.update_interval is None else self.update_interval
