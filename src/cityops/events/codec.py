"""Events as NATS messages: subjects, payloads, and the split of large batches.

Subject: ``cityops.ev.<organisation>.<entity>.<id>.<partition>`` - the organisation id
(``_`` when the event names none), the entity type (``Observation``, ``Incident`` ...), the
entity id (for observations: their datastream's) and the hazard-engine partition of that id,
so that a consumer can take one organisation, one entity type, one datastream or one engine
partition with a subject filter. ``cityops.ev._fwd.Observation.<datastream>.<partition>``
carries a copy of an observation batch to the partition of a rule that reads the
datastream as a second input (``partitions.py``); consumers other than the engine skip it.

Payload: JSON (orjson) of one event; datetimes travel as ``{"$t": ISO 8601}`` so they come
back as aware datetimes, as the jobs emitted them. No pickle: whoever may publish on the
NATS account must not be able to run code in CityOps.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

import orjson

from cityops.store.writer import Event

PREFIX = "cityops.ev"
FORWARD_ORG = "_fwd"
CHUNK = 500  # observations per message: a 10,000-row batch stays far below max_payload
_TIME = "$t"


def partition_of(ident: int, partitions: int) -> int:
    """The engine partition of a datastream (or any entity id): stable on every node."""
    return zlib.crc32(int(ident).to_bytes(8, "little", signed=True)) % partitions


def subject(event: Event, partitions: int) -> str:
    org = event.data.get("org_id")
    org_token = "_" if org is None else str(org)
    return f"{PREFIX}.{org_token}.{event.entity}.{event.id}.{partition_of(event.id, partitions)}"


def forward_subject(datastream: int, partition: int) -> str:
    return f"{PREFIX}.{FORWARD_ORG}.Observation.{datastream}.{partition}"


def is_forward(subj: str) -> bool:
    return subj.startswith(f"{PREFIX}.{FORWARD_ORG}.")


def entity_filter(entity: str | None = None, partition: int | None = None) -> str:
    """The subject filter of one entity type (and engine partition), or of everything."""
    if entity is None:
        return f"{PREFIX}.>"
    return f"{PREFIX}.*.{entity}.*.{'*' if partition is None else partition}"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_TIME: value.isoformat()}
    return str(value)  # Decimal and the like: as text, never a failed publish


def _revive(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _TIME in value:
            return datetime.fromisoformat(value[_TIME])
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def encode(event: Event) -> bytes:
    return orjson.dumps(
        {"k": event.kind, "e": event.entity, "i": event.id, "d": event.data},
        default=_default,
        option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS,
    )


def decode(payload: bytes) -> Event:
    raw = orjson.loads(payload)
    return Event(raw["k"], raw["e"], int(raw["i"]), _revive(raw["d"]))


def split(event: Event, size: int = CHUNK) -> list[Event]:
    """An observation batch in pieces of ``size`` (lists cut alike, the rest copied)."""
    ids = event.data.get("ids")
    if event.entity != "Observation" or not isinstance(ids, list) or len(ids) <= size:
        return [event]
    lists = {k: v for k, v in event.data.items() if isinstance(v, list) and len(v) == len(ids)}
    out = []
    for start in range(0, len(ids), size):
        data = dict(event.data)
        for k, v in lists.items():
            data[k] = v[start : start + size]
        out.append(Event(event.kind, event.entity, event.id, data))
    return out
