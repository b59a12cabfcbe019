"""What every channel shares: the message to send and the Channel interface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cityops.settings import Settings


class DeliveryError(Exception):
    """One attempt failed (the receiver is down, refused, or answered an error)."""


@dataclass(frozen=True)
class Message:
    """An issued alert as channels send it: the CAP document and a JSON summary."""

    alert_id: int
    delivery_id: int
    org: str
    xml: bytes
    summary: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # a resident's chosen language (None: every language)
    unsubscribe_url: str | None = None  # a resident's one-click unsubscribe link

    @property
    def headline(self) -> str:
        return str(self.summary.get("headline") or self.summary.get("identifier") or "")


class Channel:
    """A way to reach a subscriber. Subclasses set ``name`` and implement ``send``."""

    name: ClassVar[str] = ""

    def __init__(self, settings: Settings, keys: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.keys = keys or {}  # server secrets a channel needs (the VAPID key of Web Push)

    @classmethod
    def check_target(cls, target: str) -> str:
        """Validate a subscription's target (URL, address, topic); return it normalised."""
        return target

    async def send(self, target: str, secret: str | None, message: Message) -> None:
        """Deliver ``message`` once; raise :class:`DeliveryError` on failure."""
        raise NotImplementedError
