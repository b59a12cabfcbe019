"""MQTT messages -> observations: check each message, then store a batch in one write job.

``prepare`` turns one message into an ``Item`` (an observation to store, or the reason it
is rejected) without touching the database. ``authenticate`` maps the device tokens of a
batch to principals (one database read per unknown token, cached). ``store_job`` is the
write job: it calls ``ingest.write.store_observations`` (the one write path) once per
principal, and falls back to one savepoint per message when a group fails, so that one
bad message rejects itself only.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from cityops.auth import mqtt_clients
from cityops.auth.principal import Principal
from cityops.auth.tokens import principal_for
from cityops.datamodel.observation import ObservationIn, parse_observation
from cityops.errors import CityOpsError, Forbidden, InvalidInput, NotFound, Unauthorized
from cityops.ingest.write import store_observations
from cityops.limits import check_json
from cityops.mqtt.topics import CreateTarget, device_root, parse_create_topic, split_device_topic
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
    timed: bool = False  # the payload gives a phenomenonTime (else: the time of receipt)
    device_user: str | None = None  # broker user name of a broker-authenticated device
    extra: dict[str, Any] = field(default_factory=dict)

    def error_topic(self, prefix: str) -> str:
        """Where a rejection is answered, naming no owner: a broker-authenticated device's
        own ``errors`` topic (only it may subscribe), else ``cityops/errors/t<token id>``
        (the id the token API answered) or ``cityops/errors/anonymous``."""
        if self.device_user is not None:
            return device_root(prefix, self.device_user) + "errors"
        p = self.principal
        if p is None or p.token_id is None:
            return "cityops/errors/anonymous"
        return f"cityops/errors/t{p.token_id}"


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
    broker_auth: bool = False,
) -> Item:
    """Check one message without the database: topic, credentials, JSON, Observation.

    With ``broker_auth`` the sender is the broker client whose topic root the message
    came on (the broker's ACL lets only that client publish there); a token in the
    message is then refused, never used.
    """
    item = Item(topic, payload, user, reply_to, correlation)
    if ORIGIN_PROPERTY in user:
        item.echo = True
        return item
    if broker_auth:
        target = _broker_target(item, prefix)
    else:
        target = parse_create_topic(topic, prefix)
    if target is None:
        if item.rejection is None:
            item.rejection = Rejection(400, f"topic {topic!r} does not create Observations")
        return item
    if not broker_auth and not _take_token(item):
        return item
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        item.rejection = Rejection(400, f"payload is not valid JSON: {exc}")
        return item
    item.timed = isinstance(body, dict) and body.get("phenomenonTime") is not None
    try:
        check_json(body, "payload")
        item.obs = parse_observation(body, datastream_id=target.datastream_id, foi_id=target.foi_id)
    except InvalidInput as exc:
        item.rejection = Rejection(400, exc.message)
    return item


def _broker_target(item: Item, prefix: str) -> CreateTarget | None:
    """The create target of a broker-authenticated device's message (sets its user)."""
    split = split_device_topic(item.topic, prefix)
    if split is None:
        return None
    item.device_user, rest = split
    root = device_root(prefix, item.device_user)
    if item.reply_to is not None and not item.reply_to.startswith(root):
        item.reply_to = None  # answers go below the device's own root only
    if AUTH_PROPERTY in item.user:
        item.rejection = Rejection(
            400, "send no token in messages: this broker authenticates devices itself"
        )
        return None
    return parse_create_topic(rest, "")


def _take_token(item: Item) -> bool:
    """The device token of the ``authorization`` user property (False: rejected)."""
    auth = item.user.get(AUTH_PROPERTY, "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        item.rejection = Rejection(
            401, f"missing MQTT 5 user property {AUTH_PROPERTY!r}: 'Bearer <device token>'"
        )
        return False
    item.token = token.strip()
    return True


def receipt_key(item: Item, principal: Principal) -> str | None:
    """Idempotency key of a message: the sender (token or broker user) and the device's
    message id, or else a hash of topic and payload (a redelivered message has both
    unchanged).

    None (no key: stored each time it arrives) for a message with neither a message id nor
    a phenomenonTime: its time is the time of receipt, so the same payload again is a new
    reading (a gauge sending ``{"result": 1}`` every minute), not a redelivery. Such a
    message is delivered at least once: one redelivered after a crash between the commit
    and the PUBACK is stored twice. Devices that need exactly once send either."""
    if item.device_user is not None:
        owner = f"m{item.device_user}"
    elif principal.token_id is not None:
        owner = f"t{principal.token_id}"
    else:
        owner = principal.name
    msg_id = item.user.get(MESSAGE_ID_PROPERTY)
    if msg_id:
        return f"{owner}:id:{msg_id[:200]}"
    if not item.timed:
        return None
    digest = hashlib.sha256(item.topic.encode() + b"\0" + item.payload).hexdigest()
    return f"{owner}:h:{digest}"


def authenticate(items: Sequence[Item], read: Callable[..., Any]) -> None:
    """Resolve each item's token or broker user to a principal (blocking: run in a
    thread)."""
    found: dict[str, Principal | None] = {}
    for item in items:
        if item.rejection is not None:
            continue
        if item.device_user is not None:
            key = "m:" + item.device_user
            if key not in found:
                found[key] = mqtt_clients.principal_for(read, item.device_user)
        elif item.token is not None:
            key = "t:" + item.token
            if key not in found:
                found[key] = principal_for(read, item.token)
        else:
            continue
        principal = found[key]
        if principal is None:
            item.rejection = Rejection(401, "unknown, expired or revoked credentials")
            continue
        item.principal = principal
        assert item.obs is not None
        receipt = receipt_key(item, principal)
        item.obs.receipt = (RECEIPT_SOURCE, receipt) if receipt is not None else None


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


async def publish_items(items: Sequence[Item], ingest_log: Any) -> None:
    """With ``events_url``: publish every accepted item to the ingest log
    (``cluster.ingest.IngestLog.accept``, one write per principal) instead of storing it;
    a refusal the log's checks find is written into the item like a failed store."""
    groups: dict[Principal, list[Item]] = defaultdict(list)
    for item in items:
        if item.obs is not None and item.principal is not None and item.rejection is None:
            groups[item.principal].append(item)

    async def one(principal: Principal, group: list[Item]) -> None:
        batch = [i.obs for i in group if i.obs is not None]
        results = await ingest_log.accept("mqtt", principal, batch)
        for item, result in zip(group, results, strict=True):
            if isinstance(result, CityOpsError):
                item.rejection = Rejection(_code(result), result.message)
            else:
                item.observation_id = result

    await asyncio.gather(*(one(p, g) for p, g in groups.items()))
