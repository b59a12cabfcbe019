"""A real `cityops serve` stops within seconds of SIGTERM whatever it is doing: a write
waiting for a database lock that another process holds, and a live event stream."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import Server


def test_sigterm_ends_the_process_while_a_write_waits_for_a_lock(tmp_path: Path) -> None:
    db = tmp_path / "shutdown.db"
    server = Server(
        f"sqlite:///{db}",
        extra_env={"CITYOPS_STATEMENT_TIMEOUT": "600", "CITYOPS_SHUTDOWN_GRACE": "2"},
    )
    other = sqlite3.connect(db, isolation_level=None)
    answers: list[object] = []

    def stuck_write() -> None:  # waits for the lock held below (up to 600 s)
        try:
            answers.append(
                httpx.post(
                    server.url + "/api/login",
                    json={"username": "nobody", "password": "x" * 12},
                    timeout=700,
                )
            )
        except httpx.HTTPError as exc:
            answers.append(exc)

    def stream() -> None:
        try:
            with httpx.stream("GET", server.url + "/api/events", timeout=700) as r:
                for _ in r.iter_bytes():
                    pass
        except httpx.HTTPError:
            pass

    try:
        other.execute("BEGIN IMMEDIATE")
        threads = [threading.Thread(target=stuck_write), threading.Thread(target=stream)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        assert not answers, "the write should still be waiting for the lock"
        server.proc.terminate()
        server.proc.wait(timeout=20)  # without the fix: the 600 s lock wait, or for ever
    finally:
        server.stop(kill=True)
        other.execute("ROLLBACK")
        other.close()
    for t in threads:
        t.join(5)
