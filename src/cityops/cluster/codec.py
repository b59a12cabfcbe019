"""Observation writes as stream messages: JSON (orjson), lossless for ``ObservationIn``.

A message is one write as the client made it: who (the principal, whose rights
``ingest.write`` checks again when it stores), what kind (``post``, ``bulk``, ``mqtt``:
which audit row it gets), from where, and the observations with their reserved ids and
receipt keys. Times travel as ISO 8601 with their UTC offset, so they come back equal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import orjson

from cityops.auth.principal import Principal, Role
from cityops.datamodel.observation import ObservationIn

_TIMES = {"phenomenon_start", "phenomenon_end", "result_time", "valid_start", "valid_end"}
_FIELDS = [f.name for f in fields(ObservationIn)]


@dataclass
class Write:
    """One acknowledged write waiting in the stream."""

    kind: str  # "post" | "bulk" | "mqtt"
    principal: Principal
    observations: list[ObservationIn]
    remote: str | None = None


def _principal(p: Principal) -> dict[str, Any]:
    return {
        "role": p.role.value,
        "name": p.name,
        "org_id": p.org_id,
        "user_id": p.user_id,
        "token_id": p.token_id,
        "thing_ids": sorted(p.thing_ids),
    }


def _obs(o: ObservationIn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(o, name)
        if value is None:
            continue
        out[name] = value.isoformat() if name in _TIMES else value
    return out


def encode(write: Write) -> bytes:
    return orjson.dumps(
        {
            "kind": write.kind,
            "principal": _principal(write.principal),
            "remote": write.remote,
            "observations": [_obs(o) for o in write.observations],
        }
    )


def decode(data: bytes) -> Write:
    """The write of one message (ValueError/KeyError for a message CityOps did not write)."""
    doc = orjson.loads(data)
    p = doc["principal"]
    principal = Principal(
        Role(p["role"]),
        p["name"],
        p.get("org_id"),
        p.get("user_id"),
        p.get("token_id"),
        frozenset(p.get("thing_ids") or ()),
    )
    observations = []
    for item in doc["observations"]:
        values = {k: v for k, v in item.items() if k in _FIELDS}
        for name in _TIMES & values.keys():
            values[name] = datetime.fromisoformat(values[name])
        if "receipt" in values:
            values["receipt"] = (values["receipt"][0], values["receipt"][1])
        observations.append(ObservationIn(**values))
    return Write(doc["kind"], principal, observations, doc.get("remote"))
