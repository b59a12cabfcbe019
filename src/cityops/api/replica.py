"""GET requests read from the read replica (``database_read_url``) when one is set.

Only GET and HEAD: they change nothing, and what they show may be a few milliseconds
behind the primary (the standby's replay lag). Inside the request, a write (a GET that
records something) sends the request's later reads to the primary
(``Store.replica_reads``). The middleware sits inside the rate limit, which resolves the
caller first: sessions and tokens are checked on the primary, so a session created by a
login is valid on the very next request and a logout or revocation counts at once.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cityops.store.base import Store


class ReplicaReads:
    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        with self.store.replica_reads():
            await self.app(scope, receive, send)
