"""MQTT payloads obey the same input limits as HTTP bodies (checked without a broker)."""

from __future__ import annotations

import orjson
import pytest

from cityops.mqtt.ingest import AUTH_PROPERTY, prepare


def nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("result", "fragment"),
    [(nested(100), "max_json_depth"), ("a\x00b", "NUL"), ({"k\x00": 1}, "NUL")],
)
def test_payload_over_the_limits_is_rejected(result: object, fragment: str) -> None:
    payload = orjson.dumps({"result": result, "phenomenonTime": "2024-01-01T00:00:00Z"})
    item = prepare("v1.1/Datastreams(1)/Observations", payload, {AUTH_PROPERTY: "Bearer t"}, "")
    assert item.rejection is not None and item.rejection.code == 400
    assert fragment in item.rejection.reason


def test_payload_within_the_limits_is_prepared() -> None:
    payload = orjson.dumps({"result": nested(20), "phenomenonTime": "2024-01-01T00:00:00Z"})
    item = prepare("v1.1/Datastreams(1)/Observations", payload, {AUTH_PROPERTY: "Bearer t"}, "")
    assert item.rejection is None and item.obs is not None
