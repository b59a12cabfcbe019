"""People: users with argon2 password hashes, roles, organisations, lock-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from cityops.auth.principal import Principal, Role
from cityops.errors import Conflict, InvalidInput, NotFound
from cityops.store import schema as s

HASHER = PasswordHasher()
MAX_FAILURES = 5  # then locked for LOCK_MINUTES
LOCK_MINUTES = 15
WRONG = "wrong user name or password"
LOCKED = "account locked after repeated failed logins; try again later"
PEOPLE_ROLES = (Role.ADMIN, Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST)


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    org_id: int | None = None,
    display_name: str | None = None,
) -> int:
    """Create a user; InvalidInput for a bad role/organisation pair, Conflict if taken."""
    try:
        r = Role(role)
    except ValueError:
        raise InvalidInput(
            f"role: {role!r} is not one of {', '.join(x.value for x in PEOPLE_ROLES)}", field="role"
        ) from None
    if r not in PEOPLE_ROLES:
        raise InvalidInput(f"role: {role!r} is not a role for people", field="role")
    if r is not Role.ADMIN and org_id is None:
        raise InvalidInput(f"org: a {role} belongs to an organisation", field="org")
    if len(password) < 8:
        raise InvalidInput("password: at least 8 characters", field="password")
    u = s.users
    if conn.execute(select(u.c.id).where(u.c.username == username)).first() is not None:
        raise Conflict(f"user {username!r} exists already")
    return int(
        conn.execute(
            insert(u)
            .values(
                username=username,
                display_name=display_name,
                password_hash=HASHER.hash(password),
                role=r.value,
                org_id=org_id,
                created_at=datetime.now(UTC),
            )
            .returning(u.c.id)
        ).scalar_one()
    )


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    u = s.users
    if (
        conn.execute(update(u).where(u.c.username == username).values(disabled=disabled)).rowcount
        == 0
    ):
        raise NotFound(f"user {username!r} not found")


def list_users(conn: Connection) -> list[dict[str, Any]]:
    u, o = s.users, s.organisations
    q = (
        select(u.c.id, u.c.username, u.c.role, u.c.disabled, o.c.slug.label("org"))
        .select_from(u.outerjoin(o, o.c.id == u.c.org_id))
        .order_by(u.c.username)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def principal_of_user(conn: Connection, user_id: int) -> Principal | None:
    u = s.users
    row = conn.execute(select(u).where(u.c.id == user_id)).first()
    if row is None or row.disabled:
        return None
    return Principal(Role(row.role), row.username, org_id=row.org_id, user_id=row.id)


def check_password(conn: Connection, username: str, password: str) -> Principal | str:
    """Verify a login: the principal, or the reason it failed.

    Failures are counted and the account locked after MAX_FAILURES. The reason is
    returned, not raised, so that the failure count commits with the write job.
    """
    u = s.users
    now = datetime.now(UTC)
    row = conn.execute(select(u).where(u.c.username == username)).first()
    if row is None or row.disabled or row.password_hash is None:
        HASHER.hash(password)  # same work as a real check: no timing hint
        return WRONG
    if row.locked_until is not None and row.locked_until > now:
        return LOCKED
    try:
        HASHER.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = row.failed_logins + 1
        values: dict[str, Any] = {"failed_logins": failures}
        if failures >= MAX_FAILURES:
            values = {"failed_logins": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)}
        conn.execute(update(u).where(u.c.id == row.id).values(**values))
        return WRONG
    conn.execute(update(u).where(u.c.id == row.id).values(failed_logins=0, locked_until=None))
    return Principal(Role(row.role), row.username, org_id=row.org_id, user_id=row.id)
