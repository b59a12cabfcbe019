"""Rule base class, its config model, and the series types rules consume and produce."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cityops.errors import InvalidInput
from cityops.hazards.series import FloatArray, IntArray, as_float, check_times
from cityops.incidents.state import Policy

from .alert_policy import AlertPolicy
from .severity import CAP_SEVERITIES, default_severities
from .units import Converter, converter


@dataclass(frozen=True)
class Series:
    """One datastream's observations: times (s since epoch, UTC, ascending) and values
    (float64, NaN = missing), already in the unit the rule asked for."""

    times: FloatArray
    values: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", check_times(self.times, self.values))
        object.__setattr__(self, "values", as_float(self.values))

    @classmethod
    def empty(cls) -> Series:
        return cls(np.empty(0), np.empty(0))


@dataclass(frozen=True)
class LevelSeries:
    """What a rule evaluates to: one level index and value per output time.

    ``names[0]`` is ``"normal"`` (no hazard); ``names[k]`` is level ``k``. ``values`` is the
    quantity the level was judged on (water level, accumulation, heat index, AQI, SPI ...);
    ``details`` holds extra per-sample arrays (rate of rise, time to level, ...).
    """

    times: FloatArray
    levels: IntArray
    values: FloatArray
    names: tuple[str, ...]
    details: Mapping[str, FloatArray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.times.size)

    def last(self) -> tuple[float, int, float] | None:
        """(time, level, value) of the newest element, for incremental evaluation."""
        if not len(self):
            return None
        return float(self.times[-1]), int(self.levels[-1]), float(self.values[-1])


class RuleConfig(BaseModel):
    """Fields shared by every rule type. Subclasses add their own and set ``ROLES``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inputs: dict[str, str | int] = Field(description="datastream id per input role")
    severities: list[str] | None = Field(
        default=None, description="CAP severity per level, lowest level first"
    )
    auto_resolve: bool = Field(default=True, description="resolve the incident at level 0")
    cooldown: float | None = Field(
        default=None,
        ge=0,
        le=90 * 86400,
        description="seconds back at normal before the system resolves the incident; a "
        "rise within it continues the same incident. Default by rule type (river 5 days)",
    )
    alert: AlertPolicy = Field(
        default_factory=AlertPolicy, description="CAP alerts from this rule's incidents"
    )

    ROLES: ClassVar[tuple[str, ...]] = ()
    OPTIONAL_ROLES: ClassVar[tuple[str, ...]] = ()

    @field_validator("inputs")
    @classmethod
    def _roles(cls, value: dict[str, str | int]) -> dict[str, str | int]:
        missing = [r for r in cls.ROLES if r not in value]
        unknown = [r for r in value if r not in cls.ROLES + cls.OPTIONAL_ROLES]
        if missing:
            raise ValueError(f"missing input role(s): {', '.join(missing)}")
        if unknown:
            allowed = ", ".join(cls.ROLES + cls.OPTIONAL_ROLES)
            raise ValueError(f"unknown input role(s): {', '.join(unknown)} (allowed: {allowed})")
        if not value:
            raise ValueError("at least one input is required")
        return value

    @field_validator("severities")
    @classmethod
    def _severities(cls, value: list[str] | None) -> list[str] | None:
        for s in value or ():
            if s not in CAP_SEVERITIES:
                raise ValueError(f"{s!r} is not a CAP severity ({', '.join(CAP_SEVERITIES)})")
        return value


#: Cool-down by rule type (seconds): how long a hazard must stay away before an incident
#: ends. A Mekong flood wave dips under its warning level for days and comes back (Pakse
#: 2011: 3.5 days at 10.2-10.8 m between a first rise above 11 m and the September crest;
#: 14 days between the August and September floods), so a river incident ends after 5
#: days back at normal; rain showers come in bursts within hours; heat and air quality
#: follow the daily cycle.
COOLDOWNS = {
    "river_level": 5 * 86400.0,
    "river_lag": 5 * 86400.0,
    "rainfall": 6 * 3600.0,
    "heat_index": 24 * 3600.0,
    "aqi": 6 * 3600.0,
    "drought_spi": 0.0,  # monthly values: one month back to normal ends the drought
    "data_quality": 3600.0,
}


def default_cooldown(rule_type: str) -> float:
    """The cool-down of a rule type when its config sets none (1 h for unknown types)."""
    return COOLDOWNS.get(rule_type, 3600.0)


def validation_error(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """The first pydantic error as ``InvalidInput`` whose field is the dotted path."""
    err = exc.errors()[0]
    path = ".".join(str(p) for p in err["loc"])
    name = f"{prefix}.{path}" if prefix and path else (prefix or path)
    msg = err["msg"].removeprefix("Value error, ")
    return InvalidInput(f"{name}: {msg}" if name else msg, field=name or None)


class Rule:
    """Base of every rule type: validated config, inputs by role, units, history, levels.

    Subclasses set ``type_name``, ``Config`` and implement :meth:`level_names`,
    :meth:`input_units` and :meth:`levels`; they stay pure (no I/O, no clock).
    """

    type_name: ClassVar[str] = ""
    Config: ClassVar[type[RuleConfig]] = RuleConfig
    #: The time zone of the rule's city, for rules that count calendar periods (SPI
    #: months); set when the rule is attached to its organisation. UTC by default.
    zone: tzinfo = UTC

    def __init__(self, config: RuleConfig | Mapping[str, Any]) -> None:
        if not isinstance(config, self.Config):
            try:
                config = self.Config.model_validate(dict(config))
            except ValidationError as exc:
                raise validation_error(exc) from None
        self.config = config
        sev = config.severities
        if sev is not None and len(sev) != len(self.level_names()) - 1:
            raise InvalidInput(
                f"severities: {len(sev)} given for {len(self.level_names()) - 1} levels",
                field="severities",
            )

    @property
    def inputs(self) -> dict[str, str | int]:
        """Datastream id per input role, e.g. ``{"level": "ds-12"}``."""
        return dict(self.config.inputs)

    def level_names(self) -> tuple[str, ...]:
        """``("normal", <level 1>, ...)``."""
        raise NotImplementedError

    def input_units(self) -> dict[str, str]:
        """UCUM unit each input role must be in when passed to :meth:`levels`."""
        raise NotImplementedError

    @property
    def history(self) -> float:
        """Seconds of history before the newest observation that evaluation needs."""
        return 0.0

    @property
    def watches_clock(self) -> bool:
        """True when the rule can change level without new data (the engine then also
        evaluates it on its clock, with ``now``): checks for the absence of data."""
        return False

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        """Evaluate the rule over the given series (pure). ``now`` only matters to checks
        that look at the absence of data."""
        raise NotImplementedError

    def converter(self, role: str, unit: str) -> Converter:
        """Converter from a datastream's UCUM ``unit`` to this input's unit, or
        ``InvalidInput`` naming the role when the units are incompatible."""
        units = self.input_units()
        if role not in units:
            raise InvalidInput(f"unknown input role {role!r}", field=f"inputs.{role}")
        return converter(unit, units[role], field=f"inputs.{role}")

    def policy(self) -> Policy:
        """How this rule's level changes act on its incidents (auto-resolve, cool-down)."""
        c = self.config
        cooldown = default_cooldown(self.type_name) if c.cooldown is None else c.cooldown
        return Policy(auto_resolve=c.auto_resolve, cooldown=cooldown)

    def severity(self, level: int) -> str:
        """CAP severity of a level (``"Unknown"`` for level 0)."""
        if level <= 0:
            return "Unknown"
        sev = self.config.severities or self.default_severities()
        return sev[min(level, len(sev)) - 1]

    def default_severities(self) -> list[str]:
        """CAP severity per level (lowest first) when the rule lists none: by name, else by
        position, never decreasing as the level rises (see ``rules.severity``)."""
        return default_severities(self.level_names()[1:])


def ascending(levels: Mapping[str, float], what: str = "levels") -> Mapping[str, float]:
    """Validate a non-empty ``{name: threshold}`` table with strictly ascending thresholds."""
    if not levels:
        raise ValueError(f"{what}: at least one level is required")
    values: Sequence[float] = list(levels.values())
    pairs = list(levels.items())
    for (a_name, a), (b_name, b) in zip(pairs, pairs[1:], strict=False):  # neighbours
        if not b > a:
            raise ValueError(
                f"levels not ascending: {b_name!r} ({b}) must be above {a_name!r} ({a})"
            )
    if any(not np.isfinite(v) for v in values):
        raise ValueError("thresholds must be finite numbers")
    if "normal" in levels:
        raise ValueError("'normal' is reserved for level 0")
    return levels
