"""A Project as plain JSON and back (for the database and the API).

Amounts and percentages are decimal strings (never floats, so no cent is lost), dates are
ISO 8601 strings, tuples are lists. Decoding goes through the model's own constructors,
so a stored document is validated like any other input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cityops.errors import InvalidInput
from cityops.programmes.model import (
    Budget,
    Location,
    Milestone,
    Money,
    Organisation,
    Participant,
    Project,
    Recipient,
    Result,
    Sector,
    Text,
    Transaction,
)

# Fields that hold nested values, and the class each (or each item) is made from.
_NESTED: dict[type, dict[str, type]] = {
    Project: {
        "participants": Participant,
        "reporting_org": Organisation,
        "sectors": Sector,
        "budgets": Budget,
        "transactions": Transaction,
        "milestones": Milestone,
        "results": Result,
        "locations": Location,
        "envelope": Money,
        "recipients": Recipient,
        "translations": Text,
    },
    Budget: {"amount": Money},
    Transaction: {"amount": Money, "provider": Organisation, "receiver": Organisation},
}


def to_json(value: Any) -> Any:
    """A model value (a Project or any part of it) as JSON-ready data."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: must be an object", field=where)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}", field=where)
    nested = _NESTED.get(cls, {})
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        inner = nested.get(name)
        if inner is None or value is None:
            kwargs[name] = tuple(value) if isinstance(value, list) else value
        elif isinstance(value, list):
            kwargs[name] = tuple(
                _build(inner, v, f"{where}.{name}[{i}]") for i, v in enumerate(value)
            )
        else:
            kwargs[name] = _build(inner, value, f"{where}.{name}")
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise InvalidInput(f"{where}: {exc}", field=where) from None


def from_json(data: Any) -> Project:
    """The Project a ``to_json`` document describes; InvalidInput names a bad field."""
    project: Project = _build(Project, data, "project")
    return project
