"""Device credentials on the broker: Mosquitto's dynamic-security plugin.

Devices authenticate to the broker itself, so no credential ever travels in a published
message (where every subscriber of the topic would see it). CityOps creates, per device,
a broker client (an opaque user name and a random password) and a role that lets it
publish and subscribe under its own topic root ``<prefix>devices/<user name>/`` only.
CityOps then knows the sender of a message from its topic: the broker enforces that only
that client can publish there. (Mosquitto 2.0's dynamic security has no ``%u``
substitution in ACLs, hence one role per device.)

Commands go to ``$CONTROL/dynamic-security/v1`` as JSON over a short-lived connection
with the account of ``mqtt_url``, which needs the plugin's admin role; answers come on
``.../response``.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from cityops.errors import ServiceUnavailable
from cityops.mqtt.topics import device_root
from cityops.settings import BrokerAddress

CONTROL = "$CONTROL/dynamic-security/v1"
TIMEOUT = 10.0


class BrokerUnavailable(ServiceUnavailable):
    """The broker did not accept or answer a dynamic-security command."""


def role_name(username: str) -> str:
    return f"cityops-device-{username}"


def device_acls(prefix: str, username: str) -> list[dict[str, Any]]:
    """Publish and subscribe under the device's own root, nothing else (the plugin's
    defaults deny publishing and subscribing elsewhere)."""
    root = device_root(prefix, username) + "#"
    return [
        {"acltype": "publishClientSend", "topic": root, "allow": True},
        {"acltype": "subscribePattern", "topic": root, "allow": True},
    ]


def provision_commands(prefix: str, username: str, password: str) -> list[dict[str, Any]]:
    role = role_name(username)
    return [
        {"command": "createRole", "rolename": role, "acls": device_acls(prefix, username)},
        {
            "command": "createClient",
            "username": username,
            "password": password,
            "roles": [{"rolename": role}],
        },
    ]


def revoke_commands(username: str) -> list[dict[str, Any]]:
    return [
        {"command": "deleteClient", "username": username},
        {"command": "deleteRole", "rolename": role_name(username)},
    ]


def send(broker: BrokerAddress, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send ``commands``; their responses, or BrokerUnavailable on any error."""
    host, port = broker.host, broker.port
    done = threading.Event()
    answers: list[dict[str, Any]] = []
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"cityops-dynsec-{uuid.uuid4().hex[:8]}",
        protocol=paho.MQTTv5,
    )
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    tls = broker.client_options()["tls_context"]
    if tls is not None:
        client.tls_set_context(tls)

    def on_connect(c: Any, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        if reason.is_failure:
            answers.append({"error": f"connection refused: {reason}"})
            done.set()
            return
        c.subscribe(CONTROL + "/response", qos=1)

    def on_subscribe(c: Any, *_: Any) -> None:
        c.publish(CONTROL, orjson.dumps({"commands": commands}), qos=1)

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        answers.extend(orjson.loads(message.payload).get("responses", []))
        done.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    try:
        client.connect(host, port, keepalive=30)
    except OSError as exc:
        raise BrokerUnavailable(f"MQTT broker {host}:{port}: {exc}") from None
    client.loop_start()
    try:
        if not done.wait(TIMEOUT):
            raise BrokerUnavailable("MQTT broker: no answer from the dynamic-security plugin")
    finally:
        client.disconnect()
        client.loop_stop()
    errors = [a["error"] for a in answers if a.get("error")]
    if errors:
        raise BrokerUnavailable(f"MQTT broker refused: {'; '.join(errors)}")
    return answers
