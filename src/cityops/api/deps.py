"""Who is calling: bearer tokens (API and device tokens) and session cookies."""

from __future__ import annotations

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from cityops.api.context import ctx
from cityops.auth import tokens
from cityops.auth.principal import ANONYMOUS, Principal
from cityops.auth.users import principal_of_user
from cityops.errors import Unauthorized

SESSION_COOKIE = "cityops_session"
SESSION_MAX_AGE = 12 * 3600


def session_signer(request: Request) -> URLSafeTimedSerializer:
    return request.app.state.session_signer  # type: ignore[no-any-return]


async def principal(request: Request) -> Principal:
    """The caller: a bearer token, a session cookie, or anonymous."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization: expected 'Bearer <token>'")
        found = await run_in_threadpool(tokens.principal_for, ctx(request).store.read,
                                        secret.strip())
        if found is None:
            raise Unauthorized("token unknown, revoked or expired")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            data = session_signer(request).loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return ANONYMOUS
        user = await run_in_threadpool(_user, request, int(data["u"]))
        if user is not None:
            return user
    return ANONYMOUS


def _user(request: Request, user_id: int) -> Principal | None:
    with ctx(request).store.read() as conn:
        return principal_of_user(conn, user_id)
