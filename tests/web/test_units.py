"""Values as people read them: UCUM codes shown as symbols, a precision per quantity."""

from __future__ import annotations

import pytest

from cityops.demo.catalog import AIR, LEVEL, WEATHER, unit_json
from cityops.web.units import format_value, shown

RAW_CODE_MARKS = ("[", "]", "{", "}", "Cel", "ug", "/m3")


@pytest.mark.parametrize("kind", [LEVEL, *WEATHER, *AIR], ids=lambda k: k.key)
def test_every_demo_unit_renders_as_a_symbol(kind: object) -> None:
    symbol = shown(unit_json(kind)).symbol  # type: ignore[arg-type]
    assert symbol and not any(mark in symbol for mark in RAW_CODE_MARKS), symbol


def test_symbols_and_precision_by_quantity() -> None:
    ucum = "http://unitsofmeasure.org/ucum.html#"
    assert shown({"symbol": "Cel"}) == ("°C", 1)
    assert shown({"symbol": "degC", "definition": ucum + "Cel"}) == ("°C", 1)
    assert shown({"symbol": "ug/m3"}).symbol == "µg/m³"
    assert shown({"symbol": "{AQI}"}) == ("AQI", 0)
    assert shown({"symbol": "m", "definition": ucum + "m"}) == ("m", 2)
    assert shown({"symbol": "furlong"}) == ("furlong", 2)  # unknown: as sent
    assert shown(None) == ("", 2)
    assert format_value(77.83249999999987, 1) == "77.8"
    assert format_value(12.3456, 2) == "12.35"
    assert format_value(71.6, 0) == "72"
    assert format_value(-0.001, 2) == "0.00"
    assert format_value(None, 2) == "—"
    assert format_value("open", 2) == "open"
