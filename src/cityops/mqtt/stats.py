"""Counters of the MQTT worker, published on ``cityops/status/<client id>`` and kept in
``ctx.services.mqtt.stats``."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Stats:
    received: int = 0  # create messages taken from the broker
    stored: int = 0  # new observations committed
    duplicates: int = 0  # redelivered or repeated messages recognised by their receipt
    rejected: int = 0  # answered on the error topic
    echoes: int = 0  # CityOps' own notifications coming back (ignored)
    published: int = 0  # notifications published
    dropped_notifications: int = 0  # notifications lost because the queue was full
    connects: int = 0
    connection_errors: int = 0
    write_failures: int = 0  # whole batches whose transaction failed (redelivered later)
    rejected_by_code: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rejected_by_code"] = {str(k): v for k, v in self.rejected_by_code.items()}
        return out
