"""Load rule definitions from TOML.

Format: one ``[[rule]]`` table per rule::

    [[rule]]
    name = "pakse-flood"          # unique
    type = "river_level"          # a registered rule type
    subject = "Pakse"             # optional: what the incident is about (default: inputs)
    enabled = true                # optional
    description = "..."           # optional
    output = 42                   # optional: datastream id for derived values (heat index, AQI)
    organisation = "pakse"        # optional: owning organisation's slug (engine store)
    inputs = { level = "ds-013901" }
    levels = { warning = 11.0, danger = 12.0 }

Every other key is the rule type's configuration. Errors are ``InvalidInput`` whose
message starts with ``line N:`` (the line of the rule's ``[[rule]]`` header; tomllib
reports no line for values, so the header lines are found by scanning the text).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cityops.errors import InvalidInput

from .base import Rule
from .registry import get

_HEADER = re.compile(r"^\s*\[\[\s*(?:rule|\"rule\"|'rule')\s*\]\]\s*(#.*)?$")
_MULTILINE = re.compile(r'"""|\'\'\'')
_META = ("name", "type", "subject", "enabled", "description", "output", "organisation")


@dataclass(frozen=True)
class RuleSpec:
    """A named, typed, validated rule as declared in a file."""

    name: str
    type: str
    rule: Rule
    subject: str
    enabled: bool = True
    line: int | None = None
    description: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)
    output: int | str | None = None
    organisation: str | None = None


def build_rule(type_name: str, config: Mapping[str, Any]) -> Rule:
    """Instantiate the registered rule type with its config (``InvalidInput`` on errors)."""
    cls = get(type_name)
    rule = cls(config)
    assert isinstance(rule, Rule)
    return rule


def _header_lines(text: str) -> list[int]:
    """1-based line numbers of the ``[[rule]]`` headers, outside multi-line strings."""
    lines, inside = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if not inside and _HEADER.match(line):
            lines.append(number)
        if len(_MULTILINE.findall(line)) % 2:
            inside = not inside
    return lines


# Bounds on one rule (docs/architecture.md, "Bounded cost"): names are shown in lists,
# incident titles and CAP headlines; every level is a column of state the engine keeps
# per subject and a branch of every evaluation.
MAX_NAME = 100
MAX_SUBJECT = 200
MAX_DESCRIPTION = 4000
MAX_LEVELS = 10
MAX_LEVEL_NAME = 64


def _at_most(value: str, limit: int, what: str, field: str) -> None:
    if len(value) > limit:
        raise InvalidInput(f"{what} may have at most {limit} characters", field=field)


def _check_levels(name: str, rule: Rule) -> None:
    levels = rule.level_names()[1:]
    if len(levels) > MAX_LEVELS:
        raise InvalidInput(
            f"rule {name!r}: at most {MAX_LEVELS} levels, got {len(levels)}", field="levels"
        )
    for level in levels:
        _at_most(level, MAX_LEVEL_NAME, f"rule {name!r}: a level name", "levels")


def _spec(table: Mapping[str, Any], line: int | None) -> RuleSpec:
    name, type_name = table.get("name"), table.get("type")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("rule needs a non-empty string 'name'", field="name")
    _at_most(name, MAX_NAME, "a rule name", "name")
    if not isinstance(type_name, str):
        raise InvalidInput(f"rule {name!r} needs a string 'type'", field="type")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput(f"rule {name!r}: enabled must be true or false", field="enabled")
    config = {k: v for k, v in table.items() if k not in _META}
    try:
        rule = build_rule(type_name, config)
    except InvalidInput as exc:
        raise InvalidInput(f"rule {name!r}: {exc.message}", field=exc.field) from None
    _check_levels(name, rule)
    inputs = ",".join(str(v) for v in rule.inputs.values())
    subject = str(table.get("subject", inputs))
    description = str(table.get("description", ""))
    _at_most(subject, MAX_SUBJECT, f"rule {name!r}: subject", "subject")
    _at_most(description, MAX_DESCRIPTION, f"rule {name!r}: description", "description")
    output, org = table.get("output"), table.get("organisation")
    if output is not None and (isinstance(output, bool) or not isinstance(output, int | str)):
        raise InvalidInput(f"rule {name!r}: output must be a datastream id", field="output")
    if org is not None and not isinstance(org, str):
        raise InvalidInput(f"rule {name!r}: organisation must be a slug", field="organisation")
    return RuleSpec(name, type_name, rule, subject, enabled, line, description, config, output, org)


def parse_rule(table: Mapping[str, Any]) -> RuleSpec:
    """Validate one rule given as a mapping (an API body): the same keys as a ``[[rule]]``."""
    if not isinstance(table, Mapping):
        raise InvalidInput("a rule must be a JSON object", field="body")
    return _spec(table, None)


def load_rules_toml(text: str) -> list[RuleSpec]:
    """Parse and validate rules from TOML text; errors name the line of the offending rule."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"invalid TOML: {exc}", field="toml") from None
    unknown = [k for k in doc if k != "rule"]
    if unknown:
        raise InvalidInput(
            f"unknown top-level key(s): {', '.join(unknown)} (use [[rule]])", field=unknown[0]
        )
    tables = doc.get("rule", [])
    if not isinstance(tables, list):
        raise InvalidInput("'rule' must be an array of tables: write [[rule]]", field="rule")
    headers = _header_lines(text)
    specs: list[RuleSpec] = []
    seen: set[str] = set()
    for i, table in enumerate(tables):
        line = headers[i] if len(headers) == len(tables) else None
        where = f"line {line}: " if line else f"rule #{i + 1}: "
        try:
            spec = _spec(table, line)
        except InvalidInput as exc:
            raise InvalidInput(where + exc.message, field=exc.field) from None
        if spec.name in seen:
            raise InvalidInput(where + f"duplicate rule name {spec.name!r}", field="name")
        seen.add(spec.name)
        specs.append(spec)
    return specs
