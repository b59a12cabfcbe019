"""Login sessions, stored server-side and shared by every worker through the database.

The cookie holds only a random 256-bit session id; the table holds its SHA-256 hash (a
copy of the table cannot be replayed), the user, the session's CSRF token and its
expiry. Nothing is signed, so the workers need no shared secret: any worker that
reads the database recognises any session, and logout (deleting the row) ends it
everywhere at once. Every request with a cookie costs one primary-key read, joined
with the user so that a disabled user's sessions stop at once too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from cityops.auth.principal import Principal, Role
from cityops.store import schema as s

MAX_AGE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    """A live session: who, the CSRF token its pages send, and whether the user must
    change a password someone else chose before doing anything else."""

    id_hash: str
    principal: Principal
    csrf_token: str
    must_change_password: bool


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def create(conn: Connection, user_id: int, remote: str | None) -> tuple[str, str]:
    """A new session for ``user_id``: (cookie value, CSRF token). Expired rows go too."""
    now = datetime.now(UTC)
    conn.execute(delete(s.sessions).where(s.sessions.c.expires_at <= now))
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute(
        insert(s.sessions).values(
            id_hash=_hash(session_id),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(seconds=MAX_AGE_SECONDS),
            remote_addr=remote[:64] if remote else None,
        )
    )
    return session_id, csrf


def lookup(conn: Connection, session_id: str) -> Session | None:
    """The live session of a cookie value, or None (unknown, ended, expired, disabled)."""
    if not session_id or len(session_id) > 128:
        return None
    ss, u = s.sessions, s.users
    row = conn.execute(
        select(
            ss.c.id_hash,
            ss.c.csrf_token,
            ss.c.expires_at,
            u.c.id,
            u.c.username,
            u.c.role,
            u.c.org_id,
            u.c.disabled,
            u.c.must_change_password,
        )
        .select_from(ss.join(u, u.c.id == ss.c.user_id))
        .where(ss.c.id_hash == _hash(session_id))
    ).first()
    if row is None or row.disabled or row.expires_at <= datetime.now(UTC):
        return None
    who = Principal(Role(row.role), row.username, org_id=row.org_id, user_id=row.id)
    return Session(row.id_hash, who, row.csrf_token, bool(row.must_change_password))


def end(conn: Connection, session_id: str) -> None:
    """Logout: the session stops working on every worker."""
    conn.execute(delete(s.sessions).where(s.sessions.c.id_hash == _hash(session_id)))


def end_all(conn: Connection, user_id: int, keep_hash: str | None = None) -> None:
    """End every session of a user (password changed or reset, user disabled), except
    ``keep_hash`` (the session that changed its own password)."""
    q = delete(s.sessions).where(s.sessions.c.user_id == user_id)
    if keep_hash is not None:
        q = q.where(s.sessions.c.id_hash != keep_hash)
    conn.execute(q)
