"""The service root document."""

from __future__ import annotations

from typing import Any

from cityops.datamodel.entities import BY_SET

_REQ = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    _REQ + "resource-path/resource-path-to-entities",
    _REQ + "request-data",
    _REQ + "create-update-delete",
    _REQ + "data-array/data-array",
]
MQTT_CONFORMANCE = [
    _REQ + "create-observations-via-mqtt/observations-creation",
    _REQ + "receive-updates-via-mqtt/receive-updates",
]


def service_root(root: str, mqtt: str | None) -> dict[str, Any]:
    conformance = CONFORMANCE + (MQTT_CONFORMANCE if mqtt else [])
    settings: dict[str, Any] = {"conformance": conformance}
    if mqtt:
        settings[_REQ + "create-observations-via-mqtt/observations-creation"] = {
            "endpoints": [mqtt]
        }
    return {
        "value": [{"name": name, "url": f"{root}/{name}"} for name in BY_SET],
        "serverSettings": settings,
    }
