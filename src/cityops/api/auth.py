"""Login, logout and "who am I" for people (session cookies); rate-limited by middleware."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cityops.api.body import client_address
from cityops.api.context import ctx
from cityops.api.deps import SESSION_COOKIE, SESSION_MAX_AGE, new_session, principal, session_data
from cityops.api.json import JSON
from cityops.auth import audit
from cityops.auth.principal import Principal, Role
from cityops.auth.users import check_password
from cityops.errors import InvalidInput, Unauthorized
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
    """Check a user name and password; on success set the session cookie.

    Answers the CSRF token the session's scripts send in ``X-CSRF-Token``.
    """
    creds = await _credentials(request)
    c = ctx(request)
    remote = client_address(request)

    def job(tx: Tx) -> Principal | str:
        result = check_password(tx.conn, creds.username, creds.password)
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
        return result

    result = await c.store.write(job)
    if not isinstance(result, Principal):
        raise Unauthorized(result)
    assert result.user_id is not None
    cookie, csrf = new_session(request, result.user_id)
    resp = JSON({"user": result.name, "role": result.role.value, "csrf_token": csrf})
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


@router.post("/api/logout")
async def logout(request: Request) -> Response:
    resp = JSON({"ok": True})
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/api/me")
async def me(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    """The caller's identity, role, organisation and (for sessions) CSRF token."""
    data = session_data(request) if who.user_id is not None else None
    return {
        "name": who.name,
        "role": who.role.value,
        "org_id": who.org_id,
        "csrf_token": data.get("c") if data else None,
    }
