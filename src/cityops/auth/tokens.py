"""API and device tokens: random secrets shown once, stored as SHA-256 hashes.

A token's secret has 256 random bits, so a fast hash is enough to store it (passwords,
which people choose, use argon2 in ``users.py``). Lookups are cached for a few seconds:
a revoked token stops working within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from cityops.auth.principal import Principal, Role
from cityops.errors import InvalidInput, NotFound
from cityops.store import schema as s

PREFIX = "cot_"
CACHE_SECONDS = 5.0


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_token(
    conn: Connection,
    *,
    user_id: int | None = None,
    thing_id: int | None = None,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[int, str]:
    """Store a new token for a user or a device (a Thing); return (id, secret)."""
    if (user_id is None) == (thing_id is None):
        raise InvalidInput("a token belongs to exactly one user or one device", field="token")
    if (
        thing_id is not None
        and conn.execute(select(s.things.c.id).where(s.things.c.id == thing_id)).first() is None
    ):
        raise NotFound(f"Thing {thing_id} not found")
    plain = PREFIX + secrets.token_urlsafe(32)
    t = s.api_tokens
    token_id = conn.execute(
        insert(t)
        .values(
            token_hash=hash_token(plain),
            name=name,
            user_id=user_id,
            thing_id=thing_id,
            created_at=datetime.now(UTC),
            expires_at=expires_at,
        )
        .returning(t.c.id)
    ).scalar_one()
    return int(token_id), plain


def revoke_token(conn: Connection, token_id: int) -> None:
    t = s.api_tokens
    done = conn.execute(
        update(t)
        .where(t.c.id == token_id, t.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    if done.rowcount == 0:
        raise NotFound(f"token {token_id} not found or already revoked")
    TOKEN_CACHE.clear()


def lookup(conn: Connection, plain: str) -> Principal | None:
    """The principal of a token secret, or None if unknown, revoked, expired or disabled."""
    t, u, th = s.api_tokens, s.users, s.things
    row = conn.execute(
        select(
            t.c.id,
            t.c.user_id,
            t.c.thing_id,
            t.c.expires_at,
            t.c.revoked_at,
            u.c.username,
            u.c.role,
            u.c.org_id,
            u.c.disabled,
            th.c.org_id.label("thing_org"),
            th.c.name.label("thing_name"),
        )
        .select_from(t.outerjoin(u, u.c.id == t.c.user_id).outerjoin(th, th.c.id == t.c.thing_id))
        .where(t.c.token_hash == hash_token(plain))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
        return None
    if row.thing_id is not None:
        return Principal(
            Role.DEVICE,
            f"device:{row.thing_name}",
            org_id=row.thing_org,
            token_id=row.id,
            thing_ids=frozenset({row.thing_id}),
        )
    if row.disabled:
        return None
    return Principal(
        Role(row.role), row.username, org_id=row.org_id, user_id=row.user_id, token_id=row.id
    )


class _Cache:
    """Answers (found or not) for ``CACHE_SECONDS``, in an LRU map of at most ``size``
    keys: a flood of junk tokens evicts the least recently used entries instead of
    emptying the cache for every caller."""

    def __init__(self, size: int = 10_000) -> None:
        self._items: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        # called after a clear that a revocation made here (cluster/shared.py tells the
        # other nodes of a cluster to clear theirs)
        self.listeners: list[Callable[[], None]] = []

    def get(self, key: str) -> tuple[bool, Principal | None]:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: str, value: Principal | None) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + CACHE_SECONDS, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self, announce: bool = True) -> None:
        with self._lock:
            self._items.clear()
        if announce:
            for listener in list(self.listeners):
                listener()


TOKEN_CACHE = _Cache()


def cached_principal(plain: str) -> tuple[bool, Principal | None]:
    """(hit, principal) from the cache alone: no database, cheap enough for the event loop."""
    return TOKEN_CACHE.get(hash_token(plain))


def principal_for(conn_factory: object, plain: str) -> Principal | None:
    """Cached ``lookup``; ``conn_factory()`` gives a read connection context."""
    key = hash_token(plain)
    hit, value = TOKEN_CACHE.get(key)
    if hit:
        return value
    with conn_factory() as conn:  # type: ignore[operator]
        value = lookup(conn, plain)
    TOKEN_CACHE.put(key, value)
    return value


def list_tokens(
    conn: Connection, *, org_id: int | None = None, user_id: int | None = None
) -> list[dict[str, Any]]:
    """Tokens without their hashes, newest first: the device tokens of ``org_id``'s Things,
    or the own tokens of ``user_id``, or (neither given) every token."""
    t, th = s.api_tokens, s.things
    q = (
        select(
            t.c.id,
            t.c.name,
            t.c.user_id,
            t.c.thing_id,
            th.c.name.label("thing"),
            t.c.created_at,
            t.c.expires_at,
            t.c.revoked_at,
        )
        .select_from(t.outerjoin(th, th.c.id == t.c.thing_id))
        .order_by(t.c.id.desc())
    )
    if org_id is not None:
        q = q.where(th.c.org_id == org_id)
    if user_id is not None:
        q = q.where(t.c.user_id == user_id)
    return [dict(r._mapping) for r in conn.execute(q)]
