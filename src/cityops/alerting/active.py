"""A stored rule made ready to run: its Rule object, input datastreams and unit converters.

Units are resolved here, once, when a rule is attached: a datastream's
``unitOfMeasurement.symbol`` is read as a UCUM code (a few common non-UCUM symbols such
as ``°C`` are accepted), and each input gets a converter into the unit the rule type
asks for. Incompatible units refuse the rule with a message naming rule and datastream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.errors import InvalidInput
from cityops.incidents.state import Policy
from cityops.rules import Rule, build_rule
from cityops.rules.units import Converter, to_pint
from cityops.store import schema as s

# Symbols seen in SensorThings payloads that are not UCUM codes.
_SYMBOL_ALIASES = {
    "°C": "Cel",
    "℃": "Cel",
    "°F": "[degF]",
    "µg/m³": "ug/m3",
    "μg/m³": "ug/m3",
    "µg/m3": "ug/m3",
    "ppm": "[ppm]",
    "ppb": "[ppb]",
}


@dataclass(frozen=True)
class ActiveRule:
    """Everything the engine and replay need to evaluate one rule."""

    id: int
    name: str
    type: str
    subject: str
    org_id: int | None
    rule: Rule
    inputs: Mapping[str, int]  # role -> datastream id
    converters: Mapping[str, Converter]
    output: int | None
    policy: Policy

    @property
    def datastreams(self) -> set[int]:
        return set(self.inputs.values())


def ucum_of(unit: Any) -> str:
    """The UCUM code of a datastream's ``unitOfMeasurement`` JSON ("" if none)."""
    symbol = str((unit or {}).get("symbol") or "").strip()
    return _SYMBOL_ALIASES.get(symbol, symbol)


def datastream_id(value: Any, field: str) -> int:
    """A datastream id from a rule's config (an integer or a string of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidInput(f"{field}: {value!r} is not a datastream id", field=field)


def input_ids(rule: Rule) -> dict[str, int]:
    """Role -> datastream id of a rule's inputs (InvalidInput naming the role)."""
    return {role: datastream_id(v, f"inputs.{role}") for role, v in rule.inputs.items()}


def datastream_units(conn: Connection, ids: set[int]) -> dict[int, str]:
    """UCUM code per existing datastream id among ``ids``."""
    ds = s.datastreams
    rows = conn.execute(select(ds.c.id, ds.c.unit_of_measurement).where(ds.c.id.in_(sorted(ids))))
    return {int(r.id): ucum_of(r.unit_of_measurement) for r in rows}


def converters(
    name: str, rule: Rule, inputs: Mapping[str, int], units: Mapping[int, str]
) -> dict[str, Converter]:
    """One converter per input role; InvalidInput naming the rule, role and datastream."""
    out: dict[str, Converter] = {}
    for role, ds_id in inputs.items():
        if ds_id not in units:
            raise InvalidInput(
                f"rule {name!r}: inputs.{role}: Datastream {ds_id} does not exist",
                field=f"inputs.{role}",
            )
        unit = units[ds_id]
        try:
            out[role] = rule.converter(role, unit)
        except InvalidInput:
            wanted = rule.input_units()[role]
            raise InvalidInput(
                f"rule {name!r}: inputs.{role}: Datastream {ds_id} is in {unit or 'no unit'!r}, "
                f"which cannot be converted to {wanted!r}",
                field=f"inputs.{role}",
            ) from None
    return out


def output_unit(rule: Rule) -> str | None:
    """UCUM unit of a rule's values when written as derived observations (None: any)."""
    unit = getattr(rule.config, "unit", None)
    return unit if rule.type_name == "heat_index" else None


def check_output(name: str, rule: Rule, output: int, units: Mapping[int, str]) -> None:
    """The output datastream exists and takes the rule's unit."""
    if output not in units:
        raise InvalidInput(
            f"rule {name!r}: output: Datastream {output} does not exist", field="output"
        )
    want = output_unit(rule)
    if want is None:
        return
    try:
        same = to_pint(units[output]) == to_pint(want)
    except InvalidInput:
        same = False
    if not same:
        raise InvalidInput(
            f"rule {name!r}: output: Datastream {output} is in {units[output]!r}; the rule "
            f"writes {want!r}",
            field="output",
        )


def activate(row: Any, units: Mapping[int, str], zone: str | None = None) -> ActiveRule:
    """An ActiveRule from a ``rules`` row, the units of the datastreams it reads and the
    IANA time zone of its organisation (calendar months of SPI are the city's)."""
    rule = build_rule(row.type, row.config)
    if zone:
        try:
            rule.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # an unknown zone name: UTC, as for a city without one
    inputs = input_ids(rule)
    conv = converters(row.name, rule, inputs, units)
    policy = rule.policy()
    return ActiveRule(
        int(row.id),
        row.name,
        row.type,
        row.subject,
        row.org_id,
        rule,
        inputs,
        conv,
        row.output_datastream_id,
        policy,
    )


def load_active(
    conn: Connection, names: list[str] | None = None, enabled_only: bool = True
) -> tuple[list[ActiveRule], dict[str, str]]:
    """Every (enabled) rule ready to run, and {rule name: error} for rules that cannot run."""
    r = s.rules
    q = select(r)
    if enabled_only:
        q = q.where(r.c.enabled.is_(True))
    if names:
        q = q.where(r.c.name.in_(names))
    rows = list(conn.execute(q.order_by(r.c.id)))
    wanted: set[int] = set()
    for row in rows:
        wanted.update(int(v) for v in row.config.get("inputs", {}).values() if str(v).isdigit())
    units = datastream_units(conn, wanted)
    o = s.organisations
    zones = dict(conn.execute(select(o.c.id, o.c.timezone)).all())
    active, broken = [], {}
    for row in rows:
        try:
            active.append(activate(row, units, zones.get(row.org_id)))
        except InvalidInput as exc:
            broken[row.name] = exc.message
    return active, broken
