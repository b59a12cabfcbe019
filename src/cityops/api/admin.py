"""Organisations, users, tokens and the audit log (administrators): HTTP only; what each
caller may do is decided in ``auth.accounts``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from cityops.api.body import client_address
from cityops.api.context import ctx
from cityops.api.deps import principal, signed_in
from cityops.auth import accounts
from cityops.auth.orgs import list_orgs
from cityops.auth.principal import Principal
from cityops.limits import check_year
from cityops.store.writer import Tx

router = APIRouter(tags=["administration"])
ADMINS = accounts.ADMINS


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
    remote = client_address(request)

    def job(tx: Tx) -> int:
        return accounts.create_org(tx, who, body.model_dump(), remote)

    return {"id": await ctx(request).store.write(job), "slug": body.slug}


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=1, max_length=1024)  # the policy answers 400
    role: str
    org: str | None = None


@router.get("/api/users")
def users(request: Request, who: Principal = Depends(signed_in)) -> list[dict[str, Any]]:
    """Users: all for admins, their own organisation's for city admins."""
    with ctx(request).store.read() as conn:
        return accounts.users_for(conn, who)


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
    remote = client_address(request)

    def job(tx: Tx) -> int:
        return accounts.add_person(
            tx,
            who,
            body.username,
            body.password,
            body.role,
            body.org,
            remote,
            must_change_password=must_change_password,
        )

    return {"id": await ctx(request).store.write(job), "username": body.username}


async def set_user_disabled(
    request: Request, who: Principal, username: str, disabled: bool
) -> None:
    remote = client_address(request)

    def job(tx: Tx) -> None:
        accounts.set_user_disabled(tx, who, username, disabled, remote)

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
    remote = client_address(request)

    def job(tx: Tx) -> None:
        accounts.reset_user_password(tx, who, username, body.password, remote)

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
    remote = client_address(request)

    def job(tx: Tx) -> tuple[int, str]:
        return accounts.new_token(tx, who, body.device, body.name, body.expires_at, remote)

    token_id, secret = await ctx(request).store.write(job)
    return {"id": token_id, "token": secret}


@router.get("/api/tokens")
def tokens(request: Request, who: Principal = Depends(signed_in)) -> list[dict[str, Any]]:
    """Tokens without secrets, newest first: admins every token, city admins their city's
    device tokens, everybody else their own tokens."""
    with ctx(request).store.read() as conn:
        return accounts.tokens_for(conn, who)


@router.delete("/api/tokens/{token_id}")
async def delete_token(
    token_id: int, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Revoke a token (your own; admins any, city admins their organisation's devices)."""
    remote = client_address(request)

    def job(tx: Tx) -> None:
        accounts.revoke(tx, who, token_id, remote)

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
    with ctx(request).store.read() as conn:
        return accounts.audit_for(
            conn, who, entity=entity, actor=actor, limit=limit, before_id=before_id
        )
