"""Administration of organisations, people and tokens on behalf of a principal.

Each function is a write job's body (it takes the ``Tx``) or a read, and carries its own
authorisation, so that the administration API, the admin pages and anything else that
offers these actions refuse exactly the same callers: admins act everywhere, city admins
on their own organisation's people and devices, everybody else only on their own tokens.
Someone a caller may not manage is answered "not found", like someone who does not exist.
Every change is audited in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth import audit
from cityops.auth.orgs import add_org, org_id
from cityops.auth.policy import may_write, owners, sees_row
from cityops.auth.principal import Principal, Role
from cityops.auth.tokens import create_token, list_tokens, revoke_token
from cityops.auth.users import add_user, list_users, reset_password, set_disabled
from cityops.errors import Forbidden, NotFound
from cityops.store import schema as s
from cityops.store.writer import Tx

ADMINS = (Role.ADMIN, Role.CITY_ADMIN)


def require_role(who: Principal, *roles: Role) -> None:
    """Forbidden unless ``who`` has one of ``roles``."""
    if who.role not in roles:
        raise Forbidden(f"role {who.role.value} may not do this")


def create_org(tx: Tx, who: Principal, fields: dict[str, Any], remote: str | None) -> int:
    """A new organisation (admins only); ``fields`` are :func:`orgs.add_org`'s."""
    require_role(who, Role.ADMIN)
    oid = add_org(tx.conn, **fields)
    audit.record(tx, who, "create", "Organisation", oid, {"slug": fields["slug"]}, remote, oid)
    return oid


def users_for(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """Users: all for admins, their own organisation's for city admins."""
    require_role(who, *ADMINS)
    rows = list_users(conn)
    if who.is_admin:
        return rows
    o = s.organisations
    own = conn.execute(select(o.c.slug).where(o.c.id == who.org_id)).scalar()
    return [r for r in rows if r["org"] == own]


def add_person(
    tx: Tx,
    who: Principal,
    username: str,
    password: str,
    role: str,
    org: str | None,
    remote: str | None,
    must_change_password: bool = False,
) -> int:
    """A new user of organisation ``org`` (a slug): admins add anyone, city admins people
    of their own organisation other than admins."""
    require_role(who, *ADMINS)
    oid = None if org is None else org_id(tx.conn, org)
    if not who.is_admin and (oid != who.org_id or role == Role.ADMIN.value):
        raise Forbidden("city admins add users of their own organisation only")
    uid = add_user(
        tx.conn, username, password, role, oid, must_change_password=must_change_password
    )
    audit.record(tx, who, "create", "User", uid, {"role": role}, remote, oid)
    return uid


def _managed_user(tx: Tx, who: Principal, username: str) -> int | None:
    """The organisation of a user this admin manages; NotFound for anyone else."""
    row = tx.conn.execute(select(s.users.c.org_id).where(s.users.c.username == username)).first()
    if row is None or (not who.is_admin and row.org_id != who.org_id):
        raise NotFound(f"user {username!r} not found")
    return row.org_id  # type: ignore[no-any-return]


def set_user_disabled(
    tx: Tx, who: Principal, username: str, disabled: bool, remote: str | None
) -> None:
    """Disable (sessions end, tokens stop) or re-enable a user this admin manages."""
    require_role(who, *ADMINS)
    oid = _managed_user(tx, who, username)
    set_disabled(tx.conn, username, disabled)
    action = "disable" if disabled else "enable"
    audit.record(tx, who, action, "User", username, None, remote, oid)


def reset_user_password(
    tx: Tx, who: Principal, username: str, password: str, remote: str | None
) -> None:
    """Set the password of a user this admin manages (to be changed at the next login)."""
    require_role(who, *ADMINS)
    oid = _managed_user(tx, who, username)
    reset_password(tx.conn, username, password)
    audit.record(tx, who, "reset-password", "User", username, None, remote, oid)


def new_token(
    tx: Tx,
    who: Principal,
    device: int | None,
    name: str | None,
    expires_at: datetime | None,
    remote: str | None,
) -> tuple[int, str]:
    """A token for ``who`` itself, or (admins who may write the Thing) a device token
    bound to Thing ``device``: its id and its secret."""
    if who.role is Role.DEVICE:
        raise Forbidden("devices cannot create tokens")
    org = None
    if device is not None:
        require_role(who, *ADMINS)
        # a device token writes for its Thing: the caller must be able to write it
        thing = owners(tx.conn, "Thing", [device]).get(device)
        if thing is None or not sees_row(who, thing.org_id, thing.visibility):
            raise NotFound(f"Thing {device} not found")
        if not may_write(who, "Thing", thing):
            raise Forbidden(f"Thing {device} belongs to another organisation")
        org = thing.org_id
        made = create_token(tx.conn, thing_id=device, name=name, expires_at=expires_at)
    else:
        made = create_token(tx.conn, user_id=who.user_id, name=name, expires_at=expires_at)
    audit.record(tx, who, "create", "Token", made[0], {"device": device}, remote, org)
    return made


def tokens_for(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """Tokens without secrets, newest first: admins every token, city admins their city's
    device tokens, everybody else their own tokens."""
    if who.is_admin:
        return list_tokens(conn)
    if who.role is Role.CITY_ADMIN and who.org_id is not None:
        return list_tokens(conn, org_id=who.org_id)
    if who.user_id is None:
        raise Forbidden("devices cannot list tokens")
    return list_tokens(conn, user_id=who.user_id)


def revoke(tx: Tx, who: Principal, token_id: int, remote: str | None) -> None:
    """Revoke a token: one's own; admins any, city admins their organisation's devices'."""
    t, th = s.api_tokens, s.things
    row = tx.conn.execute(
        select(t.c.user_id, th.c.org_id)
        .select_from(t.outerjoin(th, th.c.id == t.c.thing_id))
        .where(t.c.id == token_id)
    ).first()
    mine = row is not None and row.user_id is not None and row.user_id == who.user_id
    city = row is not None and who.role is Role.CITY_ADMIN and row.org_id == who.org_id
    if row is None or not (mine or city or who.is_admin):
        raise NotFound(f"token {token_id} not found")
    revoke_token(tx.conn, token_id)
    audit.record(tx, who, "revoke", "Token", token_id, None, remote)


def audit_for(
    conn: Connection,
    who: Principal,
    *,
    entity: str | None,
    actor: str | None,
    limit: int,
    before_id: int | None,
) -> list[dict[str, Any]]:
    """The audit log, newest first: admins see all, city admins their organisation's."""
    require_role(who, *ADMINS)
    org = None if who.is_admin else who.org_id
    return audit.query(
        conn, org_id=org, entity=entity, actor=actor, limit=limit, before_id=before_id
    )
