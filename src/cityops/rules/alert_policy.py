"""How a rule's incidents become public CAP alerts (pure config, read by ``alerting``).

Written in a rule as ``alert = { mode = "issue", area = "old-quarter" }``. The hazard key
names a set of CAP templates (``cityops.cap.templates.HAZARDS``); by default it follows
from the rule type.
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

    def resolved_mode(self, rule_type: str) -> str:
        """The effective mode for a rule of ``rule_type``."""
        if self.mode is not None:
            return self.mode
        return "off" if rule_type == "data_quality" else "draft"

    def resolved_hazard(self, rule_type: str) -> str | None:
        """The template hazard for a rule of ``rule_type`` (None: no templates)."""
        return self.hazard or HAZARD_OF_TYPE.get(rule_type)
