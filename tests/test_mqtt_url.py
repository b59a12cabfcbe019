"""One MQTT URL parser for every user (MQTT service, alert channel, simulator), derived from
the settings; a bad ``mqtt_url`` is refused when the settings load, naming the setting."""

from __future__ import annotations

import ssl

import pytest

from cityops.errors import InvalidInput
from cityops.settings import BrokerAddress, Settings, load_settings, parse_mqtt_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker", BrokerAddress("broker", 1883)),
        ("mqtt://broker:11883", BrokerAddress("broker", 11883)),
        ("mqtts://broker", BrokerAddress("broker", 8883, tls=True)),
        ("mqtts://broker:9883", BrokerAddress("broker", 9883, tls=True)),
        ("mqtt://ops@broker", BrokerAddress("broker", 1883, "ops")),
        # %-escapes are decoded: '@' and ':' in user names and passwords must be escaped.
        (
            "mqtt://ops%40city:p%40ss%3Aw%2Frd%25@broker:1884",
            BrokerAddress("broker", 1884, "ops@city", "p@ss:w/rd%"),
        ),
        ("mqtt://ops:@broker", BrokerAddress("broker", 1883, "ops", "")),
        ("mqtt://[::1]:1883", BrokerAddress("::1", 1883)),
    ],
)
def test_urls_decode(url: str, expected: BrokerAddress) -> None:
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://broker",
        "mqtt://",
        "mqtt://broker:99999",
        "mqtt://broker:port",
        "mqtt://broker/topic",
        "mqtt://broker?x=1",
        "broker:1883",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_mqtt_url(url)


def test_client_options_carry_tls_and_credentials() -> None:
    plain = parse_mqtt_url("mqtt://u:p%20w@h:1").client_options()
    assert plain == {
        "hostname": "h",
        "port": 1,
        "username": "u",
        "password": "p w",
        "tls_context": None,
    }
    secure = parse_mqtt_url("mqtts://h").client_options()
    assert isinstance(secure["tls_context"], ssl.SSLContext)
    assert secure["tls_context"].verify_mode == ssl.CERT_REQUIRED


def test_settings_refuse_a_bad_url_naming_the_setting() -> None:
    with pytest.raises(InvalidInput) as err:
        load_settings(database_url="sqlite://", mqtt_url="mqtt://broker:port")
    assert err.value.field == "mqtt_url"
    settings = Settings(database_url="sqlite://", mqtt_url="mqtts://u:%3Ap@b")
    assert settings.mqtt_broker == BrokerAddress("b", 8883, "u", ":p", tls=True)
    assert Settings(database_url="sqlite://").mqtt_broker is None
