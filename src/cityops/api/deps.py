"""Who is calling: bearer tokens (API and device tokens) and session cookies.

Session cookies are ambient credentials, so a request that changes something with only
a cookie must also prove it comes from our own pages: the CSRF token of the session, in
the ``X-CSRF-Token`` header (API calls from our scripts) or the ``csrf_token`` form field
(HTML form routes of the web layer, which use ``identify`` and ``check_csrf``). Bearer
tokens are not ambient and need no CSRF token.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from cityops.api.context import ctx
from cityops.auth import tokens
from cityops.auth.principal import ANONYMOUS, Principal
from cityops.auth.users import principal_of_user
from cityops.errors import Forbidden, Unauthorized

SESSION_COOKIE = "cityops_session"
SESSION_MAX_AGE = 12 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def session_signer(request: Request) -> URLSafeTimedSerializer:
    return request.app.state.session_signer  # type: ignore[no-any-return]


def new_session(request: Request, user_id: int) -> tuple[str, str]:
    """(signed cookie value, CSRF token) for a fresh login."""
    csrf = secrets.token_urlsafe(24)
    return session_signer(request).dumps({"u": user_id, "c": csrf}), csrf


def session_data(request: Request) -> dict[str, Any] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data = session_signer(request).loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def check_csrf(request: Request, supplied: str | None) -> None:
    """Forbidden unless ``supplied`` is the CSRF token of the request's session."""
    data = session_data(request)
    expected = data.get("c") if data else None
    if not expected or not supplied or not hmac.compare_digest(str(expected), supplied):
        raise Forbidden("missing or wrong CSRF token")


async def principal(request: Request) -> Principal:
    """The caller: a bearer token, a session cookie, or anonymous.

    A cookie-authenticated request that changes something needs the X-CSRF-Token header.
    """
    who, by_cookie = await identify(request)
    if by_cookie and request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get("x-csrf-token"))
    return who


async def identify(request: Request) -> tuple[Principal, bool]:
    """(the caller, whether a session cookie identified them); no CSRF check here."""
    header = request.headers.get("authorization")
    if header:
        secret = token_of(header)
        # A cached token is answered here; only a miss needs a thread for the database.
        hit, found = tokens.cached_principal(secret)
        if not hit:
            found = await run_in_threadpool(tokens.principal_for, ctx(request).store.read, secret)
        if found is None:
            raise Unauthorized("token unknown, revoked or expired")
        return found, False
    data = session_data(request)
    if data is None:
        return ANONYMOUS, False
    user = await run_in_threadpool(_user, request, int(data["u"]))
    return (ANONYMOUS, False) if user is None else (user, True)


def token_of(header: str) -> str:
    """The token secret of ``Bearer <token>``, or of HTTP Basic with the token as password
    (for SensorThings clients such as frost-sta-client that only speak Basic auth)."""
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            _, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            password = ""
        if password:
            return password
    raise Unauthorized(
        "Authorization: expected 'Bearer <token>' (or Basic with the token as password)"
    )


def _user(request: Request, user_id: int) -> Principal | None:
    with ctx(request).store.read() as conn:
        return principal_of_user(conn, user_id)


async def signed_in(request: Request) -> Principal:
    """Like ``principal``, but anonymous callers get 401."""
    who = await principal(request)
    if who.is_anonymous:
        raise Unauthorized("log in or send a bearer token")
    return who
