"""``cityops db partitions`` and ``cityops db retention`` (PostgreSQL's monthly partitions
of observations): listing, creating a month, dropping old months (audited), and clear
refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cityops.cli.db import parse_age
from cityops.store import migrate
from tests.cli.support import run_cli
from tests.conftest import _drop_pg, _pg_database, require_service
from tests.store.test_partitions import add_obs, seed_world, where


@pytest.fixture
def pg_db() -> Iterator[str]:
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    _drop_pg(url)


def test_partitions_lists_and_creates_a_month(pg_db: str, capsys, monkeypatch) -> None:
    engine = create_engine(pg_db)
    with engine.begin() as conn:
        seed_world(conn)
        oid = add_obs(conn, 1, datetime(2011, 9, 28, tzinfo=UTC), 11.2)
    run = run_cli(capsys, monkeypatch, "db", "partitions", "-d", pg_db, "--month", "2011-09")
    assert run.code == 0, run.err
    assert "observations_p201109  2011-09  1 rows" in run.out
    assert "observations_default  default (any other time)  0 rows" in run.out
    assert "created: observations_p201109" in run.out
    with engine.connect() as conn:
        assert where(conn)[oid] == "observations_p201109"
    bad = run_cli(capsys, monkeypatch, "db", "partitions", "-d", pg_db, "--month", "2011-13")
    assert bad.code != 0 and "--month" in bad.err and "YYYY-MM" in bad.err
    engine.dispose()


def test_retention_lists_first_then_drops_and_audits(pg_db: str, capsys, monkeypatch) -> None:
    engine = create_engine(pg_db)
    with engine.begin() as conn:
        seed_world(conn)
        conn.execute(text("SELECT 1"))
    run_cli(capsys, monkeypatch, "db", "partitions", "-d", pg_db, "--month", "2015-04")
    with engine.begin() as conn:
        add_obs(conn, 1, datetime(2015, 4, 2, tzinfo=UTC), 1.0)
        recent = add_obs(conn, 1, datetime.now(UTC), 2.0)
    run = run_cli(capsys, monkeypatch, "db", "retention", "--older-than", "2y", "-d", pg_db)
    assert run.code == 0, run.err
    assert "would drop observations_p201504 (2015-04, 1 rows)" in run.out
    assert "add --yes" in run.out
    with engine.connect() as conn:
        assert len(where(conn)) == 2
    run = run_cli(
        capsys, monkeypatch, "db", "retention", "--older-than", "2y", "--yes", "-d", pg_db
    )
    assert run.code == 0, run.err
    assert "dropped observations_p201504" in run.out
    # Months newer than the limit stay, whatever their number.
    assert "observations_p20" not in run.out.replace("observations_p201504", "")
    with engine.connect() as conn:
        assert list(where(conn)) == [recent]
        audit = conn.execute(
            text("SELECT actor, action, entity, detail FROM audit_log WHERE action = 'retention'")
        ).one()
    assert audit.actor == "system" and audit.entity == "Observation"
    assert audit.detail["partitions"] == ["observations_p201504"] and audit.detail["rows"] == 1
    engine.dispose()


def test_retention_refuses_bad_ages_and_sqlite(tmp_path: Path, capsys, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert run_cli(capsys, monkeypatch, "db", "upgrade", "-d", url).code == 0
    for bad in ("0d", "12", "3 fortnights", "-1m"):
        run = run_cli(capsys, monkeypatch, "db", "retention", "--older-than", bad, "-d", url)
        assert run.code != 0 and "--older-than" in run.err, (bad, run.err)
    run = run_cli(capsys, monkeypatch, "db", "retention", "--older-than", "1y", "-d", url)
    assert run.code == 2 and "not partitioned" in run.err


def test_parse_age() -> None:
    now = datetime(2026, 3, 31, 10, tzinfo=UTC)
    assert parse_age("18m", now) == datetime(2024, 9, 30, 10, tzinfo=UTC)
    assert parse_age("1m", now) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert parse_age("2y", now) == datetime(2024, 3, 31, 10, tzinfo=UTC)
    assert parse_age("2w", now) == datetime(2026, 3, 17, 10, tzinfo=UTC)
    assert parse_age("400d", now) == datetime(2025, 2, 24, 10, tzinfo=UTC)
