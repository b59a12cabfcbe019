"""End to end: `cityops serve --workers 2` without a configured secret recognises every
logged-in request on both workers, logout ends the session on both, the banner masks the
database password; X-Forwarded-For from an unconfigured peer is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _drop_pg, _pg_database, require_service
from tests.e2e.conftest import Server, cli

pytestmark = pytest.mark.e2e

DB_PASSWORD = "s3cret-db-pw-9431"  # the test server trusts any password; it must not show
USER_PASSWORD = "night-shift-river-watch-9"
REQUESTS = 40


def _with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{DB_PASSWORD}@{host}"


@pytest.fixture
def pg_two_workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.delenv("CITYOPS_SECRET_KEY", raising=False)
    plain = _pg_database()
    require_service(plain is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert plain is not None
    url = _with_password(plain)
    try:
        cli("db", "upgrade", "-d", url)
        cli(
            "user",
            "add",
            "duty",
            "--role",
            "admin",
            "-d",
            url,
            env={"CITYOPS_PASSWORD": USER_PASSWORD},
        )
        server = Server.__new__(Server)
        try:
            server.__init__(url, args=("--workers", "2"))  # type: ignore[misc]
            yield server
        finally:
            if hasattr(server, "proc"):
                server.stop()
    finally:
        _drop_pg(plain)


def _roles(server: Server, cookie: str) -> list[str]:
    """``/api/me`` on fresh connections (uvicorn's workers share the socket, so new
    connections land on either worker)."""
    roles = []
    for _ in range(REQUESTS):
        r = httpx.get(
            server.url + "/api/me",
            cookies={"cityops_session": cookie},
            headers={"Connection": "close"},
            timeout=10,
        )
        roles.append(r.json()["role"])
    return roles


def test_sessions_work_on_every_worker_and_logout_ends_them(pg_two_workers: Server) -> None:
    server = pg_two_workers
    r = httpx.post(server.url + "/api/login", json={"username": "duty", "password": USER_PASSWORD})
    assert r.status_code == 200, r.text
    cookie, csrf = r.cookies["cityops_session"], r.json()["csrf_token"]
    assert _roles(server, cookie) == ["admin"] * REQUESTS
    out = httpx.post(
        server.url + "/api/logout",
        cookies={"cityops_session": cookie},
        headers={"X-CSRF-Token": csrf, "Connection": "close"},
    )
    assert out.status_code == 200
    assert _roles(server, cookie) == ["public"] * REQUESTS
    server.stop()
    banner = server.proc.stdout.read() if server.proc.stdout else ""
    assert "CityOps on http" in banner
    assert DB_PASSWORD not in banner


def test_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'xff.db'}"
    cli("db", "upgrade", "-d", db)
    server = Server(db, extra_env={"CITYOPS_LOGIN_RATE_PER_MIN": "2"})
    try:
        codes = [
            httpx.post(
                server.url + "/api/login",
                json={"username": "x", "password": "y"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(4)
        ]
    finally:
        server.stop()
    assert codes[-1] == 429, codes
