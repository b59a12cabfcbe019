"""Test helpers: organisations, users and tokens made through the real services."""

from __future__ import annotations

import zlib
from typing import Any

from cityops.auth.orgs import add_org
from cityops.auth.tokens import create_token
from cityops.auth.users import add_user
from cityops.store.base import Store


def make_org(store: Store, slug: str, **kw: Any) -> int:
    return int(store.write_sync(lambda tx: add_org(tx.conn, slug, slug.title(), **kw)))


def password_of(username: str) -> str:
    """The password test users get: fixed per name, and passing the password policy."""
    return f"tide-gauge-{zlib.crc32(username.encode()) % 100000:05d}"


def make_user_token(store: Store, username: str, role: str, org_id: int | None = None) -> str:
    def job(tx: Any) -> str:
        uid = add_user(tx.conn, username, password_of(username), role, org_id)
        return create_token(tx.conn, user_id=uid)[1]

    return str(store.write_sync(job))


def make_device_token(store: Store, thing_id: int) -> str:
    return str(store.write_sync(lambda tx: create_token(tx.conn, thing_id=thing_id)[1]))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
