"""Rule types, their registry, configuration and TOML loading (pure: no database).

Rule types are found through the ``cityops.rules`` entry points (``cityops.plugins``): the
built-ins river_level, rainfall, heat_index, aqi, vn_aqi, drought_spi, data_quality,
river_lag, and any installed plugin.

Modules: ``base`` (the Rule class, its config model, series types), ``registry`` (rule types
by name, from entry points), ``loader`` (rules from TOML), the rule types ``river``,
``rainfall``, ``heat``, ``air``, ``vn_air`` (VN_AQI), ``drought``, ``quality``, ``lag``;
and ``episodes`` (level series -> transitions and episodes), ``severity`` (levels -> CAP
severities), ``alert_policy`` (how incidents become public alerts), ``units`` (UCUM
conversion with pint).
"""

from .base import LevelSeries, Rule, RuleConfig, Series
from .episodes import Episode, Transition, episodes, transitions
from .loader import RuleSpec, build_rule, load_rules_toml, parse_rule
from .registry import get, names, rule_types

__all__ = [
    "Episode",
    "LevelSeries",
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
    "rule_types",
    "transitions",
]
