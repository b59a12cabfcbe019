"""Real server processes for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CITYOPS = str(Path(sys.executable).with_name("cityops"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
    done = subprocess.run(
        [CITYOPS, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        input=input,
    )
    if done.returncode != 0:
        raise AssertionError(f"cityops {' '.join(args)} failed: {done.stderr}")
    return done.stdout


class Server:
    """A `cityops serve` process on a free port."""

    def __init__(
        self, database: str, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        env = {**os.environ, "CITYOPS_DATABASE_URL": database, **(extra_env or {})}
        self.proc = subprocess.Popen(
            [CITYOPS, "serve", "--port", str(self.port), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            self._wait()
        except BaseException:
            self.stop(kill=True)  # never leave a process that did not come up
            raise

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read() if self.proc.stdout else ""
                raise AssertionError(f"server exited: {out}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("server did not start in 60 s")

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            (self.proc.kill if kill else self.proc.terminate)()
            self.proc.wait(timeout=30)


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """A server on a fresh SQLite file, and an admin token for it."""
    db = f"sqlite:///{tmp_path / 'e2e.db'}"
    cli("db", "upgrade", "-d", db)
    cli(
        "user", "add", "e2e-admin", "--role", "admin", "-d", db,
        env={"CITYOPS_PASSWORD": "tide-gauge-e2e-4417"},
    )  # fmt: skip
    token = cli("token", "create", "--user", "e2e-admin", "-d", db).split(": ", 1)[1].strip()
    server = Server(db)
    yield server, token
    server.stop()
