"""Organisations, users, tokens and the audit log (administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlalchemy import select

from cityops.api.body import client_address
from cityops.api.context import ctx
from cityops.api.deps import principal, signed_in
from cityops.auth import audit
from cityops.auth.orgs import add_org, list_orgs
from cityops.auth.policy import may_write, owners, sees_row
from cityops.auth.principal import Principal, Role
from cityops.auth.tokens import create_token, list_tokens, revoke_token
from cityops.auth.users import add_user, list_users, reset_password, set_disabled
from cityops.errors import Forbidden, NotFound
from cityops.limits import check_year
from cityops.store import schema as s
from cityops.store.writer import Tx

router = APIRouter(tags=["administration"])
ADMINS = (Role.ADMIN, Role.CITY_ADMIN)


def _require(who: Principal, *roles: Role) -> None:
    if who.role not in roles:
        raise Forbidden(f"role {who.role.value} may not do this")


class OrgIn(BaseModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    kind: str = "city"
    country_iso2: str | None = Field(None, min_length=2, max_length=2)
    timezone: str | None = None
    languages: list[str] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    names: dict[str, str] | None = Field(
        None, description='the name in other languages, e.g. {"lo": "ປາກເຊ"}'
    )


@router.get("/api/orgs")
def orgs(request: Request) -> list[dict[str, Any]]:
    """Every organisation (public facts: names, countries, time zones, languages)."""
    with ctx(request).store.read() as conn:
        return [{k: v for k, v in o.items() if k != "created_at"} for o in list_orgs(conn)]


@router.post("/api/orgs", status_code=201)
async def create_org(
    body: OrgIn, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    _require(who, Role.ADMIN)
    remote = client_address(request)

    def job(tx: Tx) -> int:
        oid = add_org(tx.conn, **body.model_dump())
        audit.record(tx, who, "create", "Organisation", oid, {"slug": body.slug}, remote, oid)
        return oid

    return {"id": await ctx(request).store.write(job), "slug": body.slug}


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=1, max_length=1024)  # the policy answers 400
    role: str
    org: str | None = None


def _org_of(tx: Tx, slug: str | None) -> int | None:
    if slug is None:
        return None
    found = tx.conn.execute(
        select(s.organisations.c.id).where(s.organisations.c.slug == slug)
    ).scalar()
    if found is None:
        raise NotFound(f"organisation {slug!r} not found")
    return int(found)


@router.get("/api/users")
def users(request: Request, who: Principal = Depends(signed_in)) -> list[dict[str, Any]]:
    """Users: all for admins, their own organisation's for city admins."""
    _require(who, *ADMINS)
    with ctx(request).store.read() as conn:
        rows = list_users(conn)
        if who.is_admin:
            return rows
        own = conn.execute(
            select(s.organisations.c.slug).where(s.organisations.c.id == who.org_id)
        ).scalar()
    return [r for r in rows if r["org"] == own]


@router.post("/api/users", status_code=201)
async def create_user(
    body: UserIn, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    return await add_person(body, request, who)


async def add_person(
    body: UserIn, request: Request, who: Principal, must_change_password: bool = False
) -> dict[str, Any]:
    """Add a user as :func:`create_user` does; the web form marks the password it sets as
    chosen by someone else (``must_change_password``)."""
    _require(who, *ADMINS)
    remote = client_address(request)

    def job(tx: Tx) -> int:
        org_id = _org_of(tx, body.org)
        if not who.is_admin and (org_id != who.org_id or body.role == Role.ADMIN.value):
            raise Forbidden("city admins add users of their own organisation only")
        uid = add_user(
            tx.conn,
            body.username,
            body.password,
            body.role,
            org_id,
            must_change_password=must_change_password,
        )
        audit.record(tx, who, "create", "User", uid, {"role": body.role}, remote, org_id)
        return uid

    return {"id": await ctx(request).store.write(job), "username": body.username}


def _managed_user(tx: Tx, who: Principal, username: str) -> int | None:
    """The organisation of a user this admin manages; NotFound for anyone else."""
    row = tx.conn.execute(select(s.users.c.org_id).where(s.users.c.username == username)).first()
    if row is None or (not who.is_admin and row.org_id != who.org_id):
        raise NotFound(f"user {username!r} not found")
    return row.org_id  # type: ignore[no-any-return]


async def set_user_disabled(
    request: Request, who: Principal, username: str, disabled: bool
) -> None:
    _require(who, *ADMINS)
    remote = client_address(request)

    def job(tx: Tx) -> None:
        org_id = _managed_user(tx, who, username)
        set_disabled(tx.conn, username, disabled)
        action = "disable" if disabled else "enable"
        audit.record(tx, who, action, "User", username, None, remote, org_id)

    await ctx(request).store.write(job)


@router.post("/api/users/{username}/disable")
async def disable_user(
    username: str, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Disable a user: their sessions end and their tokens stop working."""
    await set_user_disabled(request, who, username, True)
    return {"username": username, "disabled": True}


@router.post("/api/users/{username}/enable")
async def enable_user(
    username: str, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Re-enable a disabled user (their failed-login counts are cleared too)."""
    await set_user_disabled(request, who, username, False)
    return {"username": username, "disabled": False}


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


@router.post("/api/users/{username}/password")
async def reset_user_password(
    username: str, body: PasswordReset, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Set a user's password (admins; city admins for their organisation): the user must
    change it at the next login, and their sessions end."""
    _require(who, *ADMINS)
    remote = client_address(request)

    def job(tx: Tx) -> None:
        org_id = _managed_user(tx, who, username)
        reset_password(tx.conn, username, body.password)
        audit.record(tx, who, "reset-password", "User", username, None, remote, org_id)

    await ctx(request).store.write(job)
    return {"username": username, "must_change_password": True}


class TokenIn(BaseModel):
    device: int | None = Field(None, description="Thing id for a device token")
    name: str | None = Field(None, max_length=200)
    expires_at: AwareDatetime | None = Field(
        None, description="When the token stops working; must carry a UTC offset"
    )

    @field_validator("expires_at")
    @classmethod
    def _in_years(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            check_year(value, "expires_at")
        return value


@router.post("/api/tokens", status_code=201)
async def new_token(
    body: TokenIn, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """A token for yourself, or (admins) a device token bound to a Thing.

    The secret is in this answer only; CityOps stores its hash.
    """
    if who.role is Role.DEVICE:
        raise Forbidden("devices cannot create tokens")
    remote = client_address(request)

    def job(tx: Tx) -> tuple[int, str]:
        org = None
        if body.device is not None:
            _require(who, *ADMINS)
            # a device token writes for its Thing: the caller must be able to write it
            thing = owners(tx.conn, "Thing", [body.device]).get(body.device)
            if thing is None or not sees_row(who, thing.org_id, thing.visibility):
                raise NotFound(f"Thing {body.device} not found")
            if not may_write(who, "Thing", thing):
                raise Forbidden(f"Thing {body.device} belongs to another organisation")
            org = thing.org_id
            made = create_token(
                tx.conn, thing_id=body.device, name=body.name, expires_at=body.expires_at
            )
        else:
            made = create_token(
                tx.conn, user_id=who.user_id, name=body.name, expires_at=body.expires_at
            )
        audit.record(tx, who, "create", "Token", made[0], {"device": body.device}, remote, org)
        return made

    token_id, secret = await ctx(request).store.write(job)
    return {"id": token_id, "token": secret}


@router.get("/api/tokens")
def tokens(request: Request, who: Principal = Depends(signed_in)) -> list[dict[str, Any]]:
    """Tokens without secrets, newest first: admins every token, city admins their city's
    device tokens, everybody else their own tokens."""
    with ctx(request).store.read() as conn:
        if who.is_admin:
            return list_tokens(conn)
        if who.role is Role.CITY_ADMIN and who.org_id is not None:
            return list_tokens(conn, org_id=who.org_id)
        if who.user_id is None:
            raise Forbidden("devices cannot list tokens")
        return list_tokens(conn, user_id=who.user_id)


@router.delete("/api/tokens/{token_id}")
async def delete_token(
    token_id: int, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Revoke a token (your own; admins any, city admins their organisation's devices)."""
    remote = client_address(request)

    def job(tx: Tx) -> None:
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

    await ctx(request).store.write(job)
    return {"id": token_id, "revoked": True}


@router.get("/api/audit")
def audit_log(
    request: Request,
    who: Principal = Depends(principal),
    entity: str | None = None,
    actor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """The audit log, newest first: admins see all, city admins their organisation's."""
    _require(who, *ADMINS)
    org = None if who.is_admin else who.org_id
    with ctx(request).store.read() as conn:
        return audit.query(
            conn, org_id=org, entity=entity, actor=actor, limit=limit, before_id=before_id
        )
