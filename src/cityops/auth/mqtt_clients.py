"""Broker accounts of devices (MQTT dynamic security): which Thing an opaque broker user
name acts for. The password lives only in the broker; CityOps keeps the mapping, so that
a message on ``<prefix>devices/<user name>/...`` is attributed to the device's Thing.

Lookups are cached for a few seconds like tokens: a revoked account is refused by the
broker at once, and by CityOps within ``tokens.CACHE_SECONDS``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from cityops.auth.principal import Principal, Role
from cityops.auth.tokens import _Cache
from cityops.errors import Forbidden, NotFound
from cityops.store import schema as s

CACHE = _Cache()


def new_credentials() -> tuple[str, str]:
    """(opaque user name, random password): the name says nothing about the owner."""
    return "d" + secrets.token_hex(8), secrets.token_urlsafe(32)


def check_manager(conn: Connection, who: Principal, thing_id: int) -> None:
    """May ``who`` manage the broker accounts of this Thing? Admins, and city admins for
    their own organisation's Things: Forbidden for other roles, NotFound for other Things."""
    if who.role not in (Role.ADMIN, Role.CITY_ADMIN):
        raise Forbidden(f"role {who.role.value} may not do this")
    row = conn.execute(select(s.things.c.org_id).where(s.things.c.id == thing_id)).first()
    if row is None or (not who.is_admin and row.org_id != who.org_id):
        raise NotFound(f"Thing {thing_id} not found")


def record(conn: Connection, username: str, thing_id: int) -> None:
    if conn.execute(select(s.things.c.id).where(s.things.c.id == thing_id)).first() is None:
        raise NotFound(f"Thing {thing_id} not found")
    conn.execute(
        insert(s.mqtt_clients).values(
            username=username, thing_id=thing_id, created_at=datetime.now(UTC)
        )
    )


def revoke(conn: Connection, username: str) -> int:
    """Mark a device's broker account revoked; the Thing it acted for."""
    m = s.mqtt_clients
    row = conn.execute(
        select(m.c.thing_id).where(m.c.username == username, m.c.revoked_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(f"MQTT client {username!r} not found")
    conn.execute(update(m).where(m.c.username == username).values(revoked_at=datetime.now(UTC)))
    CACHE.clear()
    return int(row.thing_id)


def thing_of(conn: Connection, username: str) -> int | None:
    m = s.mqtt_clients
    found = conn.execute(
        select(m.c.thing_id).where(m.c.username == username, m.c.revoked_at.is_(None))
    ).scalar()
    return None if found is None else int(found)


def lookup(conn: Connection, username: str) -> Principal | None:
    """The device principal of a broker user name, or None (unknown or revoked)."""
    m, th = s.mqtt_clients, s.things
    row = conn.execute(
        select(th.c.id, th.c.name, th.c.org_id)
        .select_from(m.join(th, th.c.id == m.c.thing_id))
        .where(m.c.username == username, m.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    return Principal(
        Role.DEVICE, f"device:{row.name}", org_id=row.org_id, thing_ids=frozenset({row.id})
    )


def principal_for(
    read: Callable[[], AbstractContextManager[Connection]], username: str
) -> Principal | None:
    """Cached ``lookup``."""
    hit, value = CACHE.get(username)
    if hit:
        return value
    with read() as conn:
        value = lookup(conn, username)
    CACHE.put(username, value)
    return value
