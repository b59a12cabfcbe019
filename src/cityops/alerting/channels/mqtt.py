"""MQTT: the CAP document published (QoS 1) on a topic of the broker at ``mqtt_url``.

The target is a topic; ``{org}`` in it becomes the organisation's slug (default
``cityops/alerts/{org}``, setting ``mqtt_alert_topic``).
"""

from __future__ import annotations

import aiomqtt
import orjson

from cityops.errors import InvalidInput

from .base import Channel, DeliveryError, Message


class Mqtt(Channel):
    """Publish to an MQTT topic."""

    name = "mqtt"

    @classmethod
    def check_target(cls, target: str) -> str:
        if not target or any(c in target for c in "#+\0") or target.startswith("$"):
            raise InvalidInput("target: an MQTT topic without wildcards", field="target")
        return target

    async def send(self, target: str, secret: str | None, message: Message) -> None:
        broker = self.settings.mqtt_broker
        if broker is None:
            raise DeliveryError("mqtt_url is not set")
        topic = target.replace("{org}", message.org)
        try:
            async with aiomqtt.Client(
                **broker.client_options(), timeout=self.settings.delivery_timeout
            ) as client:
                payload = message.xml or orjson.dumps(message.summary)  # notices: JSON
                await client.publish(topic, payload=payload, qos=1)
        except (aiomqtt.MqttError, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
