"""POST /v1.1/Observations, the ingest hot path, answered below the custom middleware and
above FastAPI's own stack: no routing through every router, no dependency injection, no
FastAPI request/response handling; the same functions as the general route
(``writes.create``) in the same order, so the answers, the stored rows and the errors
are the same (tests/api/test_fast_post.py compares the two paths request by request).

Why: a py-spy profile of ``cityops serve`` under 32 keep-alive clients (SQLite) put a
third of the server's samples in the event loop, and about two thirds of those in
FastAPI's routing, dependency solving and its internal middleware, not in our handler
(docs/benchmarks.md, "Profiling"). Everything here runs inside ``Hardening``,
``ForwardedFor``, ``InputGuard`` and ``RateLimit``, so body limits, security headers,
client address, NUL refusal, rate limits and the caller resolved once all still apply.

Only the exact path with an empty query string is taken; anything else (a parent path,
``$`` options, a trailing slash) goes to the general route unchanged.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.api.sta.writes import create_observation_answer
from cityops.sta.resource_paths import bare_collection

PATH = "/v1.1/Observations"
_TARGET = bare_collection("Observations")


class ObservationPost:
    """ASGI middleware: POST /v1.1/Observations directly; every other request passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "POST"
            or scope.get("query_string")
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await _post(request)
        except Exception as exc:
            handler = _handler_for(scope, exc)
            if handler is None:
                raise  # as from the general route: ServerErrorMiddleware answers 500
            response = await handler(request, exc)
        await response(scope, receive, send)


async def _post(request: Request) -> JSON:
    """``writes.create`` for the bare Observations collection."""
    assert _TARGET is not None
    who = await principal(request)  # what Depends(principal) resolves, in the same order
    c = ctx(request)
    body = await json_body(request)
    out = await create_observation_answer(c, request, _TARGET, body, who, client_address(request))
    return JSON(out, status_code=201, headers={"Location": out["@iot.selfLink"]})


def _handler_for(scope: Scope, exc: Exception) -> Any:
    """The application's handler of ``exc``, looked up as Starlette's ExceptionMiddleware
    does (by the exception's class hierarchy; 500 handlers belong to ServerErrorMiddleware)."""
    handlers = scope["app"].exception_handlers
    for cls in type(exc).__mro__:
        if cls is not Exception and cls in handlers:
            return handlers[cls]
    return None
