import numpy as np
import pytest

from cityops.errors import InvalidInput
from cityops.rules import build_rule

RIVER = {"inputs": {"level": "ds1"}, "levels": {"warning": 11.0, "danger": 12.0}}


def _error(rule_type, config) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        build_rule(rule_type, config)
    return err.value


@pytest.mark.parametrize(
    ("rule_type", "config", "field"),
    [
        ("river_level", RIVER | {"levels": {"warning": 12.0, "danger": 11.0}}, "levels"),
        ("river_level", RIVER | {"levels": {}}, "levels"),
        ("river_level", RIVER | {"hysteresis": -0.1}, "hysteresis"),
        ("river_level", RIVER | {"min_duration": -5}, "min_duration"),
        ("river_level", RIVER | {"inputs": {}}, "inputs"),
        ("river_level", RIVER | {"inputs": {"stage": "x"}}, "inputs"),
        ("river_level", RIVER | {"colour": "red"}, "colour"),
        (
            "river_level",
            RIVER | {"rate_of_rise": {"per_hour": 0.1, "window": 0, "level": "warning"}},
            "rate_of_rise.window",
        ),
        ("river_level", RIVER | {"severities": ["Bad", "Severe"]}, "severities"),
        ("rainfall", {"inputs": {"rain": "r"}, "preset": "monsoon"}, "preset"),
        ("rainfall", {"inputs": {"rain": "r"}, "window": 0, "levels": {"a": 1.0}}, "window"),
        ("rainfall", {"inputs": {"rain": "r"}, "window": -3600, "levels": {"a": 1.0}}, "window"),
        ("heat_index", {"inputs": {"temperature": "t", "humidity": "h"}, "unit": "K"}, "unit"),
        ("drought_spi", {"inputs": {"precipitation": "p"}, "scale": 2}, "scale"),
        (
            "drought_spi",
            {"inputs": {"precipitation": "p"}, "levels": {"a": -2.0, "b": -1.0}},
            "levels",
        ),
        (
            "river_lag",
            {"inputs": {"upstream": "a", "downstream": "b"}, "levels": {"w": 1.0}, "lag": -1},
            "lag",
        ),
        ("aqi", {"inputs": {"pm1": "x"}}, "inputs"),
    ],
)
def test_config_errors_name_the_field(rule_type, config, field):
    err = _error(rule_type, config)
    assert err.field == field
    assert err.message.startswith(field)


def test_config_errors_without_a_single_field():
    err = _error("rainfall", {"inputs": {"rain": "r"}})
    assert "preset" in err.message
    err = _error("data_quality", {"inputs": {"value": "v"}, "unit": "m"})
    assert "at least one check" in err.message
    err = _error(
        "river_level",
        RIVER | {"forecast": {"target": "flood", "horizon": 1, "window": 1, "level": "warning"}},
    )
    assert "flood" in err.message


def test_severities_must_match_levels():
    err = _error("river_level", RIVER | {"severities": ["Severe"]})
    assert err.field == "severities"
    rule = build_rule("river_level", RIVER | {"severities": ["Severe", "Extreme"]})
    assert [rule.severity(i) for i in range(3)] == ["Unknown", "Severe", "Extreme"]


def test_default_severities_by_name_and_position():
    rule = build_rule("rainfall", {"inputs": {"rain": "r"}, "preset": "pagasa_hourly"})
    assert [rule.severity(i) for i in (1, 2, 3)] == ["Minor", "Severe", "Extreme"]
    rule = build_rule("river_level", RIVER | {"levels": {"a": 1.0, "b": 2.0, "c": 3.0}})
    assert [rule.severity(i) for i in (1, 2, 3)] == ["Minor", "Moderate", "Severe"]


def test_unit_conversion_and_refusal():
    rule = build_rule("river_level", RIVER)
    np.testing.assert_allclose(rule.converter("level", "cm")(np.array([1150.0])), [11.5])
    np.testing.assert_allclose(rule.converter("level", "mm")(np.array([12000.0])), [12.0])
    np.testing.assert_allclose(rule.converter("level", "[ft_i]")(np.array([10.0])), [3.048])
    with pytest.raises(InvalidInput) as err:
        rule.converter("level", "Cel")
    assert err.value.field == "inputs.level"
    heat = build_rule("heat_index", {"inputs": {"temperature": "t", "humidity": "h"}})
    np.testing.assert_allclose(heat.converter("temperature", "Cel")(np.array([30.0])), [86.0])
    np.testing.assert_allclose(heat.converter("temperature", "K")(np.array([303.15])), [86.0])
    np.testing.assert_allclose(heat.converter("humidity", "%")(np.array([55.0])), [55.0])
    with pytest.raises(InvalidInput) as err:
        heat.converter("humidity", "m")
    assert err.value.field == "inputs.humidity"
    air = build_rule("aqi", {"inputs": {"pm25": "p", "o3": "o"}})
    np.testing.assert_allclose(air.converter("pm25", "mg/m3")(np.array([0.012])), [12.0])
    np.testing.assert_allclose(air.converter("o3", "[ppb]")(np.array([70.0])), [0.070])
    with pytest.raises(InvalidInput) as err:
        air.converter("pm10", "ug/m3")
    assert err.value.field == "inputs.pm10"
    with pytest.raises(InvalidInput) as err:
        rule.converter("level", "furlongs!")
    assert err.value.field == "inputs.level"
