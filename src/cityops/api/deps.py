"""Who is calling: bearer tokens (API and device tokens) and session cookies.

The caller is resolved once per request (``resolve``), by the rate-limit middleware
before routing, and kept in the request's state: a junk token or cookie resolves to
anonymous (or to a token error answered 401) and is rate-limited as such.

Session cookies are ambient credentials, so a request that changes something with only
a cookie must also prove it comes from our own pages: the CSRF token of the session, in
the ``X-CSRF-Token`` header (API calls from our scripts) or the ``csrf_token`` form field
(HTML form routes of the web layer, which use ``identify`` and ``check_csrf``). Bearer
tokens are not ambient and need no CSRF token.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from cityops.api.context import Context, ctx
from cityops.auth import sessions, tokens
from cityops.auth.principal import ANONYMOUS, Principal
from cityops.auth.sessions import Session
from cityops.errors import Forbidden, Unauthorized

SESSION_COOKIE = "cityops_session"
SESSION_MAX_AGE = sessions.MAX_AGE_SECONDS
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# What a session whose password must change may still do.
PASSWORD_CHANGE_PATHS = {"/api/me", "/api/logout", "/api/account/password"}
STATE_KEY = "cityops_caller"


@dataclass(frozen=True)
class Caller:
    """The resolved caller of one request."""

    principal: Principal
    session: Session | None = None  # set when a session cookie identified the caller
    token_error: str | None = None  # an Authorization header that identifies nobody

    @property
    def counts_as_anonymous(self) -> bool:
        return self.principal.is_anonymous


async def resolve(context: Context, authorization: str | None, cookie: str | None) -> Caller:
    """The caller of an Authorization header and/or session cookie value."""
    if authorization:
        try:
            secret = token_of(authorization)
        except Unauthorized as exc:
            return Caller(ANONYMOUS, token_error=exc.message)
        # A cached token is answered here; only a miss needs a thread for the database.
        hit, found = tokens.cached_principal(secret)
        if not hit:
            found = await run_in_threadpool(tokens.principal_for, context.store.read, secret)
        if found is None:
            return Caller(ANONYMOUS, token_error="token unknown, revoked or expired")
        return Caller(found)
    if cookie:
        session = await run_in_threadpool(_session, context, cookie)
        if session is not None:
            return Caller(session.principal, session)
    return Caller(ANONYMOUS)


def _session(context: Context, cookie: str) -> Session | None:
    with context.store.read() as conn:
        return sessions.lookup(conn, cookie)


async def caller(request: Request) -> Caller:
    """The request's caller, resolved at most once."""
    found = request.scope.setdefault("state", {}).get(STATE_KEY)
    if isinstance(found, Caller):
        return found
    found = await resolve(
        ctx(request), request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
    )
    request.scope["state"][STATE_KEY] = found
    return found


def current_session(request: Request) -> Session | None:
    """The session that identified this request, once ``caller`` ran (else None)."""
    found = request.scope.get("state", {}).get(STATE_KEY)
    return found.session if isinstance(found, Caller) else None


def session_data(request: Request) -> dict[str, Any] | None:
    """The session's user id (``u``) and CSRF token (``c``), for the page templates."""
    session = current_session(request)
    if session is None:
        return None
    return {"u": session.principal.user_id, "c": session.csrf_token}


def check_csrf(request: Request, supplied: str | None) -> None:
    """Forbidden unless ``supplied`` is the CSRF token of the request's session."""
    session = current_session(request)
    expected = session.csrf_token if session else None
    if not expected or not supplied or not hmac.compare_digest(expected, supplied):
        raise Forbidden("missing or wrong CSRF token")


async def principal(request: Request) -> Principal:
    """The caller: a bearer token, a session cookie, or anonymous.

    A cookie-authenticated request that changes something needs the X-CSRF-Token header;
    a session whose password must change may only change it (or log out).
    """
    who, by_cookie = await identify(request)
    if by_cookie:
        session = current_session(request)
        if (
            session is not None
            and session.must_change_password
            and request.url.path not in PASSWORD_CHANGE_PATHS
        ):
            raise Forbidden("change your password first (/account/password)")
        if request.method not in SAFE_METHODS:
            check_csrf(request, request.headers.get("x-csrf-token"))
    return who


async def identify(request: Request) -> tuple[Principal, bool]:
    """(the caller, whether a session cookie identified them); no CSRF check here."""
    found = await caller(request)
    if found.token_error is not None:
        raise Unauthorized(found.token_error)
    return found.principal, found.session is not None


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


async def signed_in(request: Request) -> Principal:
    """Like ``principal``, but anonymous callers get 401."""
    who = await principal(request)
    if who.is_anonymous:
        raise Unauthorized("log in or send a bearer token")
    return who
