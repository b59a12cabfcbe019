"""Login, logout, "who am I" and password changes for people (server-side sessions);
login attempts are rate-limited by middleware and locked out per account and address."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    current_session,
    principal,
    signed_in,
)
from cityops.api.json import JSON
from cityops.auth import audit, sessions
from cityops.auth.principal import Principal, Role
from cityops.auth.users import change_password, check_password, must_change_password
from cityops.errors import Forbidden, InvalidInput, Unauthorized
from cityops.store.writer import Tx

router = APIRouter(tags=["identity"])


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


async def _credentials(request: Request) -> Login:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        data: Any = await request.json()
    else:
        data = dict(await request.form())
    try:
        return Login.model_validate(data)
    except Exception:
        raise InvalidInput("username and password are required", field="username") from None


@router.post("/api/login")
async def login(request: Request) -> Response:
    """Check a user name and password; on success start a session and set its cookie.

    Answers the CSRF token the session's scripts send in ``X-CSRF-Token``, and whether
    the password must be changed before anything else (``must_change_password``).
    """
    creds = await _credentials(request)
    c = ctx(request)
    remote = client_address(request)

    def job(tx: Tx) -> tuple[Principal, str, str, bool] | str:
        result = check_password(tx.conn, creds.username, creds.password, remote)
        who = result if isinstance(result, Principal) else None
        audit.record(
            tx,
            who or Principal(Role.PUBLIC, creds.username[:128]),
            "login" if who else "login-failed",
            "Session",
            None,
            None,
            remote,
        )
        if who is None or who.user_id is None:
            return str(result)
        cookie, csrf = sessions.create(tx.conn, who.user_id, remote)
        return who, cookie, csrf, must_change_password(tx.conn, who.user_id)

    result = await c.store.write(job)
    if isinstance(result, str):
        raise Unauthorized(result)
    who, cookie, csrf, must_change = result
    resp = JSON(
        {
            "user": who.name,
            "role": who.role.value,
            "csrf_token": csrf,
            "must_change_password": must_change,
        }
    )
    set_session_cookie(request, resp, cookie)
    return resp


def set_session_cookie(request: Request, resp: Response, cookie: str) -> None:
    """HttpOnly, SameSite=Lax, and Secure whenever the site is served over TLS."""
    secure = request.url.scheme == "https" or (ctx(request).settings.public_url or "").startswith(
        "https:"
    )
    resp.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


async def end_session(request: Request) -> None:
    """Delete the request's session row: the cookie stops working on every worker."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and current_session(request) is not None:
        await ctx(request).store.write(lambda tx: sessions.end(tx.conn, cookie))


@router.post("/api/logout")
async def logout(request: Request, who: Principal = Depends(principal)) -> Response:
    """End the session (the CSRF token of a session is required, as for any write)."""
    await end_session(request)
    resp = JSON({"ok": True})
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/api/me")
async def me(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    """The caller's identity, role, organisation and (for sessions) CSRF token."""
    session = current_session(request)
    return {
        "name": who.name,
        "role": who.role.value,
        "org_id": who.org_id,
        "csrf_token": session.csrf_token if session else None,
        "must_change_password": session.must_change_password if session else False,
    }


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


async def change_own_password(request: Request, who: Principal, body: PasswordChange) -> None:
    """The signed-in person changes their password; their other sessions end."""
    if who.user_id is None:
        raise Forbidden("only people (not devices) have passwords")
    session = current_session(request)
    keep = session.id_hash if session else None
    remote = client_address(request)
    user_id = who.user_id

    def job(tx: Tx) -> None:
        change_password(tx.conn, user_id, body.old_password, body.new_password, keep)
        audit.record(tx, who, "password", "User", who.name, None, remote, who.org_id)

    await ctx(request).store.write(job)


@router.post("/api/account/password")
async def account_password(request: Request, who: Principal = Depends(signed_in)) -> dict[str, Any]:
    """Change your own password, giving the old one (400 naming ``new_password`` when the
    new one fails the policy, 403 naming ``old_password`` when the old one is wrong)."""
    raw = await json_body(request)
    try:
        body = PasswordChange.model_validate(raw)
    except Exception:
        raise InvalidInput(
            "old_password and new_password are required", field="new_password"
        ) from None
    await change_own_password(request, who, body)
    return {"ok": True}
