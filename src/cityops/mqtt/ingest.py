"""MQTT messages -> observations: check each message, then store a batch in one write job.

``prepare`` turns one message into an ``Item`` (an observation to store, or the reason it
is rejected) without touching the database. ``authenticate`` maps the device tokens of a
batch to principals (one database read per unknown token, cached). ``store_job`` is the
write job: it calls ``ingest.write.store_observations`` (the one write path) once per
principal, and falls back to one savepoint per message when a group fails, so that one
bad message rejects itself only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from cityops.auth.principal import Principal, Role
from cityops.auth.tokens import principal_for
from cityops.datamodel.observation import ObservationIn, parse_observation
from cityops.errors import CityOpsError, Forbidden, InvalidInput, NotFound, Unauthorized
from cityops.ingest.write import store_observations
from cityops.mqtt.topics import parse_create_topic
from cityops.store.writer import Tx

AUTH_PROPERTY = "authorization"  # MQTT 5 user property: "Bearer <device token>"
MESSAGE_ID_PROPERTY = "message-id"  # optional: the device's own id of the message
ORIGIN_PROPERTY = "cityops-origin"  # set on CityOps' own publications
RECEIPT_SOURCE = "mqtt"


@dataclass(frozen=True)
class Rejection:
    """Why a message was not stored: an HTTP-like code and a reason for the device."""

    code: int
    reason: str


@dataclass
class Item:
    """One received message on its way to the database."""

    topic: str
    payload: bytes
    user: dict[str, str]
    reply_to: str | None = None
    correlation: bytes | None = None
    obs: ObservationIn | None = None
    token: str | None = None
    principal: Principal | None = None
    rejection: Rejection | None = None
    echo: bool = False  # one of CityOps' own notifications: acknowledged, not stored
    observation_id: int | None = None
    duplicate: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def who(self) -> str:
        """The sender as named in error topics: ``thing-<id>``, a user name, or anonymous."""
        p = self.principal
        if p is None:
            return "anonymous"
        if p.role is Role.DEVICE and p.thing_ids:
            return f"thing-{min(p.thing_ids)}"
        return p.name.replace("/", "_").replace("+", "_").replace("#", "_")


def user_properties(properties: Any) -> dict[str, str]:
    """MQTT 5 user properties as a dict with lower-case names (later values win)."""
    pairs = getattr(properties, "UserProperty", None) or []
    return {str(k).lower(): str(v) for k, v in pairs}


def prepare(
    topic: str,
    payload: bytes,
    user: dict[str, str],
    prefix: str,
    reply_to: str | None = None,
    correlation: bytes | None = None,
) -> Item:
    """Check one message without the database: topic, token presence, JSON, Observation."""
    item = Item(topic, payload, user, reply_to, correlation)
    if ORIGIN_PROPERTY in user:
        item.echo = True
        return item
    target = parse_create_topic(topic, prefix)
    if target is None:
        item.rejection = Rejection(400, f"topic {topic!r} does not create Observations")
        return item
    auth = user.get(AUTH_PROPERTY, "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        item.rejection = Rejection(
            401, f"missing MQTT 5 user property {AUTH_PROPERTY!r}: 'Bearer <device token>'"
        )
        return item
    item.token = token.strip()
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        item.rejection = Rejection(400, f"payload is not valid JSON: {exc}")
        return item
    try:
        item.obs = parse_observation(body, datastream_id=target.datastream_id, foi_id=target.foi_id)
    except InvalidInput as exc:
        item.rejection = Rejection(400, exc.message)
    return item


def receipt_key(item: Item, principal: Principal) -> str:
    """Idempotency key of a message: the sender's token and the device's message id, or
    else a hash of topic and payload (a redelivered message has both unchanged)."""
    owner = f"t{principal.token_id}" if principal.token_id is not None else principal.name
    msg_id = item.user.get(MESSAGE_ID_PROPERTY)
    if msg_id:
        return f"{owner}:id:{msg_id[:200]}"
    digest = hashlib.sha256(item.topic.encode() + b"\0" + item.payload).hexdigest()
    return f"{owner}:h:{digest}"


def authenticate(items: Sequence[Item], read: Callable[..., Any]) -> None:
    """Resolve each item's token to a principal (blocking: run in a thread)."""
    found: dict[str, Principal | None] = {}
    for item in items:
        if item.token is None or item.rejection is not None:
            continue
        if item.token not in found:
            found[item.token] = principal_for(read, item.token)
        principal = found[item.token]
        if principal is None:
            item.rejection = Rejection(401, "unknown, expired or revoked token")
            continue
        item.principal = principal
        assert item.obs is not None
        item.obs.receipt = (RECEIPT_SOURCE, receipt_key(item, principal))


def _code(exc: CityOpsError) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Unauthorized):
        return 401
    if isinstance(exc, NotFound):
        return 404
    return 400


def store_job(items: Sequence[Item]) -> Callable[[Tx], None]:
    """The write job storing every accepted item (results are written into the items)."""
    groups: dict[Principal, list[Item]] = defaultdict(list)
    for item in items:
        if item.obs is not None and item.principal is not None and item.rejection is None:
            groups[item.principal].append(item)

    def job(tx: Tx) -> None:
        for principal, group in groups.items():
            try:
                _store(tx, group, principal)
            except CityOpsError:
                for item in group:  # isolate the bad message(s)
                    try:
                        _store(tx, [item], principal)
                    except CityOpsError as exc:
                        item.rejection = Rejection(_code(exc), exc.message)

    return job


def _store(tx: Tx, group: list[Item], principal: Principal) -> None:
    """Store ``group`` in a savepoint; on failure roll it and its events back, and raise."""
    mark = len(tx.events)
    try:
        with tx.conn.begin_nested():
            ids = store_observations(tx, [i.obs for i in group if i.obs is not None], principal)
    except Exception:
        del tx.events[mark:]
        raise
    created = {
        new for e in tx.events[mark:] if e.entity == "Observation" for new in e.data.get("ids", ())
    }
    for item, new_id in zip(group, ids, strict=True):
        item.observation_id = new_id
        item.duplicate = new_id not in created  # stored before, or twice in this group
        created.discard(new_id)
