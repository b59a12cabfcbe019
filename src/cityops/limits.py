"""Limits on what input may hold, shared by every way in (HTTP, MQTT, files).

They are process-wide because the parsers that apply them (times in ``sta/values``, JSON
bodies, MQTT payloads) sit below the layer that holds the settings; ``configure`` is
called once from the settings when the app (or a CLI command) starts. The defaults are the
settings' defaults; why each value was chosen is in docs/architecture.md ("Bounded cost").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cityops.errors import InvalidInput


@dataclass(frozen=True)
class InputLimits:
    max_json_depth: int = 64
    min_year: int = 1900
    max_year: int = 2200


_current = InputLimits()


def configure(settings: Any) -> None:
    """Take the limits from the settings (``max_json_depth``, ``min_year``, ``max_year``)."""
    global _current
    _current = InputLimits(settings.max_json_depth, settings.min_year, settings.max_year)


def current() -> InputLimits:
    return _current


def check_json(value: Any, field: str = "body", max_depth: int | None = None) -> None:
    """Refuse a parsed JSON document nested deeper than ``max_json_depth`` or holding a NUL
    character in a string or key (PostgreSQL cannot store it in text or jsonb, and a
    document accepted on one database must be accepted on the other).

    Walked with an explicit stack: a hostile document cannot exhaust the Python stack, and
    the cost is linear in its size. Depth counts containers: ``[]`` is 1, ``[[1]]`` is 2.
    """
    limit = _current.max_json_depth if max_depth is None else max_depth
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(f"{field}: text may not contain NUL (\\u0000)", field=field)
            continue
        if not isinstance(item, dict | list):
            continue
        depth += 1
        if depth > limit:
            raise InvalidInput(
                f"{field}: JSON nested deeper than {limit} levels (limit max_json_depth)",
                field=field,
            )
        if isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise InvalidInput(f"{field}: a key may not contain NUL (\\u0000)", field=field)
                stack.append((child, depth))
        else:
            stack.extend((child, depth) for child in item)


def check_year(value: datetime, field: str) -> None:
    """Refuse a time whose year (as written) is outside ``min_year``..``max_year``: such
    times overflow when converted to UTC, and nothing charts or reasons about them."""
    lim = _current
    if not lim.min_year <= value.year <= lim.max_year:
        raise InvalidInput(
            f"{field}: year {value.year} is outside {lim.min_year}..{lim.max_year} "
            "(settings min_year, max_year)",
            field=field,
        )
