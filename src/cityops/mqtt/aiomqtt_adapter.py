"""The one place that reaches past aiomqtt's public API, to the paho client it wraps.

aiomqtt (checked with the minor in :data:`TESTED_MINOR`, pinned in pyproject.toml) has no
public switch for manual acknowledgements (empicano/aiomqtt#345) and awaits every publish
(an event-loop round trip each). The MQTT service therefore uses the wrapped paho client,
held in aiomqtt's private ``_client`` attribute, for three things, all here:
acknowledge after the commit, switch manual acknowledgements on, and queue a publish without
awaiting it. tests/mqtt/test_aiomqtt_adapter.py pins the aiomqtt version and checks that no
other module touches ``_client``.
"""

from __future__ import annotations

from typing import Any

import aiomqtt
import paho.mqtt.client as paho

#: aiomqtt minor whose private ``_client`` this module was checked against.
TESTED_MINOR = "2.5"


def paho_client(client: aiomqtt.Client) -> paho.Client:
    """The paho client an aiomqtt client wraps."""
    return client._client


def manual_acks(client: aiomqtt.Client) -> None:
    """Acknowledge QoS > 0 messages only when told (before connecting: queued messages
    arrive right after CONNACK)."""
    paho_client(client).manual_ack_set(True)


def ack(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
    """Acknowledge one received message."""
    paho_client(client).ack(message.mid, message.qos)


def queue_publish(
    client: aiomqtt.Client, topic: str, payload: bytes, qos: int, properties: Any
) -> None:
    """Hand a message to paho's queue without awaiting it (aiomqtt's errors on failure)."""
    info = paho_client(client).publish(topic, payload, qos=qos, properties=properties)
    if info.rc != paho.MQTT_ERR_SUCCESS:
        raise aiomqtt.MqttCodeError(info.rc, "Could not publish message")
