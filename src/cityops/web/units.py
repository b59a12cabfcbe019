"""How a value is shown to a person: UCUM codes as symbols, a precision per quantity.

SensorThings stores the unit as sent (the demo and most gauges send UCUM codes such as
``Cel``, ``ug/m3``, ``[degF]``, ``{AQI}``); operators read symbols (°C, µg/m³, °F, AQI).
The code is taken from ``unitOfMeasurement.definition`` (``...ucum.html#Cel``) or, if that
names no code, from ``symbol``. A code we do not know is shown as it is. Decimals follow
the quantity's measuring practice: water levels in centimetres (2), temperatures and
concentrations to a tenth (1), indices and percentages as integers (0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class Shown(NamedTuple):
    symbol: str
    decimals: int


#: UCUM code -> (symbol, decimals).
UCUM: dict[str, Shown] = {
    "m": Shown("m", 2),
    "cm": Shown("cm", 0),
    "mm": Shown("mm", 1),
    "mm/h": Shown("mm/h", 1),
    "mm/d": Shown("mm/d", 1),
    "m3/s": Shown("m³/s", 1),
    "Cel": Shown("°C", 1),
    "[degF]": Shown("°F", 1),
    "K": Shown("K", 1),
    "%": Shown("%", 0),
    "ug/m3": Shown("µg/m³", 1),
    "mg/m3": Shown("mg/m³", 2),
    "[ppb]": Shown("ppb", 0),
    "[ppm]": Shown("ppm", 1),
    "{AQI}": Shown("AQI", 0),
    "{VN_AQI}": Shown("VN_AQI", 0),
    "hPa": Shown("hPa", 1),
    "m/s": Shown("m/s", 1),
    "km/h": Shown("km/h", 0),
    "deg": Shown("°", 0),
    "W/m2": Shown("W/m²", 0),
    "1": Shown("", 2),
    "{SPI}": Shown("SPI", 2),
}
DEFAULT_DECIMALS = 2


def shown(unit: Mapping[str, Any] | None) -> Shown:
    """The symbol and decimals for a SensorThings ``unitOfMeasurement``."""
    unit = unit or {}
    definition = str(unit.get("definition") or "")
    code = definition.rsplit("#", 1)[1] if "ucum" in definition and "#" in definition else ""
    symbol = str(unit.get("symbol") or "")
    for key in (code, symbol):
        if key in UCUM:
            return UCUM[key]
    return Shown(symbol, DEFAULT_DECIMALS)


def format_value(value: Any, decimals: int) -> str:
    """A number at ``decimals`` places (no "-0"); anything else as text; None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text
