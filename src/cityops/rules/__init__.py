"""Rule types, their registry, configuration and TOML loading (pure: no database).

Importing this package registers the built-in rule types: river_level, rainfall,
heat_index, aqi, vn_aqi, drought_spi, data_quality, river_lag.

Modules: ``base`` (the Rule class, its config model, series types), ``registry`` (name ->
class, for built-ins and plugins), ``loader`` (rules from TOML), the rule types ``river``,
``rainfall``, ``heat``, ``air``, ``vn_air`` (VN_AQI), ``drought``, ``quality``, ``lag``;
and ``episodes`` (level series -> transitions and episodes), ``severity`` (levels -> CAP
severities), ``alert_policy`` (how incidents become public alerts), ``units`` (UCUM
conversion with pint).
"""

from . import air, drought, heat, lag, quality, rainfall, river, vn_air  # noqa: F401  (registration)
from .base import LevelSeries, Rule, RuleConfig, Series
from .episodes import Episode, Transition, episodes, transitions
from .loader import RuleSpec, build_rule, load_rules_toml, parse_rule
from .registry import Registry, get, names, register, rule_types

__all__ = [
    "Episode",
    "LevelSeries",
    "Registry",
    "Rule",
    "RuleConfig",
    "RuleSpec",
    "Series",
    "Transition",
    "build_rule",
    "episodes",
    "get",
    "load_rules_toml",
    "names",
    "parse_rule",
    "register",
    "rule_types",
    "transitions",
]
