"""The start-up check of the MQTT broker: does it keep every message queued for CityOps?

Through the log, CityOps acknowledges a device's message only once the stream holds it,
but the broker acknowledged it to the device before that, and holds it in CityOps'
session queue while CityOps is down or busy. Mosquitto's default ``max_queued_messages``
(1000) drops the rest of that queue silently: a CityOps restart lost 3,036 of 10,000
acknowledged messages. The broker does not tell a client its settings, so CityOps
measures: a probe session subscribes at QoS 1 and goes offline, ``PROBE_MESSAGES`` QoS 1
messages are published to it, and the session comes back for them. Fewer than all of
them back: the broker drops queued messages, and CityOps refuses to start with a message
naming the setting (Mosquitto: ``max_queued_messages 0``, ``max_queued_bytes 0``).
"""

from __future__ import annotations

import asyncio
import uuid

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityops.settings import Settings

PROBE_MESSAGES = 1500  # above Mosquitto's default queue of 1000 (+ its inflight window)
PROBE_TOPIC = "cityops/probe/{id}"
IDLE_SECONDS = 3.0  # no further queued message for this long: that was all


class BrokerDropsMessages(RuntimeError):
    """The broker dropped messages queued for an offline session."""


def _connect_props(expiry: int) -> Properties:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = expiry
    return props


async def probe_queue(settings: Settings, messages: int = PROBE_MESSAGES) -> int:
    """How many of ``messages`` QoS 1 messages queued for an offline session came back."""
    address = settings.mqtt_broker
    if address is None:
        raise ValueError("mqtt_url is not set")
    probe_id = f"cityops-probe-{uuid.uuid4().hex[:12]}"
    topic = PROBE_TOPIC.format(id=probe_id)
    options = address.client_options()

    def session(clean: bool, expiry: int) -> aiomqtt.Client:
        return aiomqtt.Client(
            **options,
            identifier=probe_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=clean,
            properties=_connect_props(expiry),
        )

    async with session(True, 300) as sub:
        await sub.subscribe(topic, qos=1)
    async with aiomqtt.Client(
        **options, identifier=probe_id + "-pub", protocol=aiomqtt.ProtocolVersion.V5
    ) as pub:
        for i in range(messages):
            await pub.publish(topic, str(i).encode(), qos=1)
    received: set[bytes] = set()
    async with session(False, 0) as sub:  # expiry 0: the session ends with this connection
        stream = aiter(sub.messages)
        try:
            while len(received) < messages:  # ends when nothing more comes for a while
                message = await asyncio.wait_for(anext(stream), IDLE_SECONDS)
                received.add(bytes(message.payload))
        except TimeoutError:
            pass
    return len(received)


async def check_queue(settings: Settings) -> None:
    """Raise BrokerDropsMessages (CityOps does not start) when the broker of ``mqtt_url``
    drops messages queued for an offline session."""
    got = await probe_queue(settings)
    if got < PROBE_MESSAGES:
        raise BrokerDropsMessages(
            f"the MQTT broker of mqtt_url kept only {got} of {PROBE_MESSAGES} QoS 1 messages "
            "queued for an offline session: it would lose messages it already acknowledged "
            "to devices while CityOps restarts. Mosquitto: set max_queued_messages 0 and "
            "max_queued_bytes 0 (see docs/deployment.md, 'Ingest through the log')"
        )
