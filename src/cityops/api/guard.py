"""Refuse, before any handler runs, request lines that no handler could use safely.

A NUL character (``%00``) in the path or query string can reach SQL parameters, which
PostgreSQL refuses in text (a 500 before this check). It is never meaningful in a URL of
this API, so it is refused for every route with one 400, on both databases alike.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from cityops.api.middleware import _reply


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            query: bytes = scope.get("query_string", b"")
            if "\x00" in path or (b"%00" in query and b"\x00" in unquote_to_bytes(query)):
                await _reply(send, 400, "the URL may not contain NUL (%00)", path)
                return
        await self.app(scope, receive, send)
