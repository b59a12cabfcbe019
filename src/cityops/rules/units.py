"""Unit conversion between UCUM codes (as SensorThings datastreams declare them) via pint."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pint

from cityops.errors import InvalidInput


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry[float]:
    """The unit registry, built on first use (building it costs ~0.4 s at start-up)."""
    reg: pint.UnitRegistry[float] = pint.UnitRegistry()
    reg.define("ppb = 1e-9 = parts_per_billion")
    return reg


Converter = Callable[[np.ndarray], np.ndarray]

# UCUM atoms whose pint spelling differs; bracketed customary units and a few others.
_ATOMS = {
    "Cel": "degC",
    "[degF]": "degF",
    "K": "kelvin",
    "%": "percent",
    "[ppm]": "ppm",
    "[ppb]": "ppb",
    "[ppth]": "permille",
    "[in_i]": "inch",
    "[ft_i]": "foot",
    "[mi_i]": "mile",
    "[psi]": "psi",
    "h": "hour",
    "min": "minute",
    "s": "second",
    "d": "day",
    "a": "year",
    "g": "gram",
    "l": "liter",
    "L": "liter",
    "Pa": "pascal",
    "bar": "bar",
    "m": "meter",
}
_PREFIXES = {
    "u": "micro",
    "m": "milli",
    "c": "centi",
    "d": "deci",
    "k": "kilo",
    "h": "hecto",
    "M": "mega",
    "n": "nano",
}
_TOKEN = re.compile(r"(\[[^\]]+\]|[A-Za-z%]+)(-?\d*)")


def _atom(symbol: str) -> str:
    if symbol in _ATOMS:
        return _ATOMS[symbol]
    if len(symbol) > 1 and symbol[0] in _PREFIXES and symbol[1:] in _ATOMS:
        return _PREFIXES[symbol[0]] + _ATOMS[symbol[1:]]
    raise ValueError(symbol)


def _pint_expression(ucum: str) -> str:
    """Translate a UCUM code such as ``ug/m3``, ``mm/h`` or ``m3.s-1`` to a pint expression."""
    code = ucum.strip()
    if not code:
        raise ValueError(code)
    parts: list[str] = []
    for i, term in enumerate(code.split("/")):
        factors = []
        for factor in term.split("."):
            if factor.isdigit():  # UCUM "1" (unity) or a plain number factor
                factors.append(factor)
                continue
            m = _TOKEN.fullmatch(factor)
            if not m:
                raise ValueError(factor)
            name = _atom(m.group(1))
            factors.append(f"{name}**{m.group(2)}" if m.group(2) else name)
        expr = "*".join(factors)
        parts.append(expr if i == 0 else f"({expr})")
    return "/".join(parts)


@lru_cache(maxsize=256)
def to_pint(ucum: str) -> pint.Unit:
    """The pint unit of a UCUM code; ``InvalidInput`` (field "unit") if it is not understood."""
    try:
        return _registry().Unit(_pint_expression(ucum))
    except (ValueError, pint.errors.PintError, AttributeError) as exc:
        raise InvalidInput(f"unknown unit code {ucum!r}", field="unit") from exc


def converter(source: str, target: str, *, field: str = "unit") -> Converter:
    """A function converting arrays from UCUM ``source`` to UCUM ``target``.

    Offset units (Cel, [degF]) convert absolute temperatures. Incompatible dimensions
    raise ``InvalidInput`` naming ``field`` (e.g. the rule input "temperature").
    """
    try:
        src, dst = to_pint(source), to_pint(target)
    except InvalidInput as exc:
        raise InvalidInput(f"{field}: {exc.message}", field=field) from None
    if src == dst:
        return lambda values: np.asarray(values, dtype=np.float64)
    if src.dimensionality != dst.dimensionality:
        raise InvalidInput(
            f"{field}: unit {source!r} cannot be converted to {target!r}", field=field
        )

    def convert(values: np.ndarray) -> np.ndarray:
        q = _registry().Quantity(np.asarray(values, dtype=np.float64), src)
        return np.asarray(q.to(dst).magnitude, dtype=np.float64)

    return convert
