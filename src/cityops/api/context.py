"""What every request handler needs, built once per process by ``app.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from cityops.settings import Settings
from cityops.store.base import Store


@dataclass
class Context:
    settings: Settings
    store: Store
    services: dict[str, Any] = field(default_factory=dict)  # event bus, engine, mqtt ...

    def root_url(self, request: Request) -> str:
        """The absolute URL of the SensorThings service root."""
        base = self.settings.public_url or str(request.base_url)
        return base.rstrip("/") + "/v1.1"


def ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]
