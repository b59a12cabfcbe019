"""Notification channels for issued alerts: webhook, e-mail (SMTP), MQTT, Web Push.

Channel types are registered by name in :data:`channel_types`, the same small registry
the rule types use; a plugin adds one with ``@register("name")`` on a :class:`Channel`
subclass. Deliveries are queued in the issuing transaction (``outbox``) and sent by the
background worker (``worker``), so a channel that is down never blocks ingest or the
hazard engine.
"""

from __future__ import annotations

from collections.abc import Callable

from cityops.rules.registry import Registry

from .base import Channel, DeliveryError, Message

channel_types: Registry[type[Channel]] = Registry("channel")


def register(name: str) -> Callable[[type[Channel]], type[Channel]]:
    """Class decorator registering a Channel subclass under ``name``."""
    return channel_types.register(name)  # type: ignore[return-value]


from . import email, mqtt, webhook, webpush  # noqa: E402, F401  (registration after register exists)

__all__ = ["Channel", "DeliveryError", "Message", "channel_types", "register"]
