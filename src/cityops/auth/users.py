"""People: users with argon2 password hashes, roles, organisations, password changes.

Every new password passes ``passwords.check_policy``. A password someone else chose
(the first administrator's, one reset by an administrator) is marked
``must_change_password``: its sessions may do nothing but change it. Lock-out after
failed logins is per account and address (``lockout``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from cityops.auth import lockout, sessions
from cityops.auth.passwords import check_policy
from cityops.auth.principal import Principal, Role
from cityops.auth.tokens import TOKEN_CACHE
from cityops.errors import Conflict, Forbidden, InvalidInput, NotFound
from cityops.store import schema as s

HASHER = PasswordHasher()
# One answer for a wrong password, an unknown or disabled user and a locked pair, so
# that a guesser learns nothing about which accounts exist or are locked.
WRONG = "wrong user name or password, or too many failed attempts; try again later"
PEOPLE_ROLES = (Role.ADMIN, Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST, Role.PROGRAMME_OFFICER)

__all__ = ["WRONG", "add_user", "check_password", "check_policy", "change_password"]


def _role(role: str) -> Role:
    try:
        r = Role(role)
    except ValueError:
        raise InvalidInput(
            f"role: {role!r} is not one of {', '.join(x.value for x in PEOPLE_ROLES)}", field="role"
        ) from None
    if r not in PEOPLE_ROLES:
        raise InvalidInput(f"role: {role!r} is not a role for people", field="role")
    return r


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    org_id: int | None = None,
    display_name: str | None = None,
    must_change_password: bool = False,
) -> int:
    """Create a user; InvalidInput for a bad role/organisation pair or a weak password,
    Conflict if the name is taken."""
    r = _role(role)
    if r is not Role.ADMIN and org_id is None:
        raise InvalidInput(f"org: a {role} belongs to an organisation", field="org")
    check_policy(password, username)
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
                must_change_password=must_change_password,
            )
            .returning(u.c.id)
        ).scalar_one()
    )


def user_id(conn: Connection, username: str) -> int:
    """The id of the user named ``username``; NotFound if there is none."""
    found = conn.execute(select(s.users.c.id).where(s.users.c.username == username)).scalar()
    if found is None:
        raise NotFound(f"user {username!r} not found")
    return int(found)


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    """Disable (its sessions end, its tokens stop) or re-enable a user."""
    uid = user_id(conn, username)
    conn.execute(update(s.users).where(s.users.c.id == uid).values(disabled=disabled))
    TOKEN_CACHE.clear()  # a cached answer for the user's tokens is wrong from now on
    if disabled:
        sessions.end_all(conn, uid)
    else:
        lockout.clear(conn, username)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    u, o = s.users, s.organisations
    q = (
        select(
            u.c.id,
            u.c.username,
            u.c.role,
            u.c.disabled,
            u.c.must_change_password,
            o.c.slug.label("org"),
        )
        .select_from(u.outerjoin(o, o.c.id == u.c.org_id))
        .order_by(u.c.username)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def add_first_admin(conn: Connection) -> tuple[str, str] | None:
    """Create the user ``admin`` with a random password when there are no users yet: its
    name and password (to be changed at the first login), or None."""
    if conn.execute(select(func.count()).select_from(s.users)).scalar_one():
        return None
    password = secrets.token_urlsafe(12)
    add_user(
        conn,
        "admin",
        password,
        "admin",
        display_name="First administrator",
        must_change_password=True,
    )
    return "admin", password


def must_change_password(conn: Connection, user_id: int) -> bool:
    """Was the user's password chosen by someone else (so that it must be changed first)?"""
    u = s.users
    return bool(conn.execute(select(u.c.must_change_password).where(u.c.id == user_id)).scalar())


def principal_of_user(conn: Connection, user_id: int) -> Principal | None:
    u = s.users
    row = conn.execute(select(u).where(u.c.id == user_id)).first()
    if row is None or row.disabled:
        return None
    return Principal(Role(row.role), row.username, org_id=row.org_id, user_id=row.id)


def _verify(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        HASHER.hash(password)  # same work as a real check: no timing hint
        return False
    try:
        return bool(HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(
    conn: Connection, username: str, password: str, address: str | None = None
) -> Principal | str:
    """Verify a login from ``address``: the principal, or ``WRONG``.

    Failures are counted per account and address (``lockout``). The reason is returned,
    not raised, so that the count commits with the write job.
    """
    u = s.users
    row = conn.execute(select(u).where(u.c.username == username)).first()
    if lockout.blocked(conn, username[:128], address):
        HASHER.hash(password)
        return WRONG
    ok = _verify(row.password_hash if row is not None else None, password)
    if row is None or row.disabled or not ok:
        lockout.record_failure(conn, username, address)
        return WRONG
    lockout.record_success(conn, username, address)
    return Principal(Role(row.role), row.username, org_id=row.org_id, user_id=row.id)


def change_password(
    conn: Connection, user_id: int, old: str, new: str, keep_session: str | None = None
) -> None:
    """A user changes their own password, proving the old one; other sessions end."""
    u = s.users
    row = conn.execute(select(u.c.username, u.c.password_hash).where(u.c.id == user_id)).first()
    if row is None:
        raise NotFound("user not found")
    if not _verify(row.password_hash, old):
        raise Forbidden("old_password: wrong password", field="old_password")
    if old == new:
        raise InvalidInput("new_password: must differ from the old one", field="new_password")
    check_policy(new, row.username, field="new_password")
    conn.execute(
        update(u)
        .where(u.c.id == user_id)
        .values(password_hash=HASHER.hash(new), must_change_password=False)
    )
    sessions.end_all(conn, user_id, keep_hash=keep_session)


def reset_password(conn: Connection, username: str, new: str) -> int:
    """An administrator sets a password: the user must change it at the next login;
    every session ends and the account's failed-login counts are cleared."""
    uid = user_id(conn, username)
    check_policy(new, username)
    conn.execute(
        update(s.users)
        .where(s.users.c.id == uid)
        .values(password_hash=HASHER.hash(new), must_change_password=True)
    )
    sessions.end_all(conn, uid)
    lockout.clear(conn, username)
    return uid


def language_of(conn: Connection, user_id: int) -> str | None:
    """The operator interface language the user chose (None: not chosen)."""
    found = conn.execute(select(s.users.c.language).where(s.users.c.id == user_id)).scalar()
    return str(found) if found else None


def set_language(
    conn: Connection, user_id: int, code: str | None, allowed: tuple[str, ...]
) -> None:
    """Store the user's interface language; ``None`` or "" goes back to the browser's."""
    if code and code not in allowed:
        raise InvalidInput(f"language: {code!r} is not one of {', '.join(allowed)}")
    conn.execute(update(s.users).where(s.users.c.id == user_id).values(language=code or None))
