"""Notification channels for issued alerts: webhook, e-mail (SMTP), MQTT, Web Push.

Channel types are found by name through the ``cityops.channels`` entry points
(``cityops.plugins``), the same mechanism as rule types: a plugin declares
``[project.entry-points."cityops.channels"] name = "package.module:MyChannel"`` for a
:class:`Channel` subclass. Deliveries are queued in the issuing transaction (``outbox``)
and sent by the background worker (``alerting.alert_worker``), so a channel that is down
never blocks ingest or the hazard engine.

Modules: base (Channel, Message, DeliveryError), webhook, email, mqtt, webpush, outbox,
subscriptions.
"""

from __future__ import annotations

from cityops.plugins import PluginGroup

from .base import Channel, DeliveryError, Message


def _is_channel(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Channel)


#: Channel types: name -> Channel subclass.
channel_types: PluginGroup[type[Channel]] = PluginGroup("cityops.channels", "channel", _is_channel)

__all__ = ["Channel", "DeliveryError", "Message", "channel_types"]
