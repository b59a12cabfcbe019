"""The group-commit writer: many jobs per transaction, each failing alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select

from cityops.errors import InvalidInput
from cityops.store import schema as s
from cityops.store.writer import Tx


def _org(slug: str, fail: bool = False) -> Any:
    def job(tx: Tx) -> str:
        tx.conn.execute(
            insert(s.organisations).values(slug=slug, name=slug, created_at=datetime.now(UTC))
        )
        tx.emit("created", "Organisation", 0, slug=slug)
        if fail:
            raise InvalidInput(f"{slug} refused")
        return slug

    return job


def test_jobs_share_a_commit_and_fail_alone(store):
    commits: list[list[str]] = []
    store.subscribe(lambda events: commits.append([e.data["slug"] for e in events]))
    gate = threading.Event()

    def hold(tx: Tx) -> None:  # keeps the writer busy while the next jobs queue up
        gate.wait(10)

    first = store.writer.submit(hold)
    futures = [store.writer.submit(_org(f"c{i}", fail=(i == 2))) for i in range(5)]
    gate.set()
    first.result(10)
    results = []
    for f in futures:
        try:
            results.append(f.result(10))
        except InvalidInput as exc:
            results.append(str(exc))
    assert results == ["c0", "c1", "c2 refused", "c3", "c4"]
    with store.read() as conn:
        slugs = sorted(conn.execute(select(s.organisations.c.slug)).scalars())
    assert slugs == ["c0", "c1", "c3", "c4"]
    assert ["c0", "c1", "c3", "c4"] in commits  # one commit held the four good jobs


def test_a_lone_failing_job_stores_nothing(store):
    with pytest.raises(InvalidInput):
        store.write_sync(_org("alone", fail=True))
    with store.read() as conn:
        assert conn.execute(select(s.organisations.c.slug)).first() is None
