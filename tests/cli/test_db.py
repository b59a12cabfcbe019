"""Explicit migrations: ``cityops db upgrade`` migrates; every other command refuses a
database whose schema is missing or out of date, with one line saying what to run; ``serve``
creates the schema of a new, empty database but refuses an older one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from cityops.cli import serve as serve_cli
from cityops.store import migrate
from tests.cli.support import run_cli


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return migrate.current(engine)
    finally:
        engine.dispose()


def _previous_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    down = script.get_revision(migrate.head()).down_revision
    assert isinstance(down, str)
    return down


def test_commands_refuse_an_empty_database_and_leave_it_alone(tmp_path: Path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    run = run_cli(capsys, monkeypatch, "user", "list", "-d", url)
    assert run.code != 0
    assert len(run.err_lines) == 1, run.err
    assert "cityops db upgrade" in run.err
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []  # not migrated behind the operator's back
    engine.dispose()


def test_commands_refuse_an_older_schema(tmp_path: Path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = _previous_revision()
    engine = create_engine(url)
    migrate.upgrade(engine, old)
    engine.dispose()
    run = run_cli(capsys, monkeypatch, "user", "list", "-d", url)
    assert run.code != 0 and len(run.err_lines) == 1, run.err
    assert old in run.err and migrate.head() in run.err and "cityops db upgrade" in run.err
    assert _revision(url) == old
    run = run_cli(capsys, monkeypatch, "db", "upgrade", "-d", url)
    assert run.code == 0 and _revision(url) == migrate.head()
    run = run_cli(capsys, monkeypatch, "user", "list", "-d", url)
    assert run.code == 0, run.err


def test_serve_creates_a_new_database_but_refuses_an_older_one(tmp_path: Path, capsys, monkeypatch):
    served: list[object] = []
    monkeypatch.setattr(serve_cli.uvicorn, "run", lambda *a, **k: served.append(a))
    new = f"sqlite:///{tmp_path / 'new.db'}"
    run = run_cli(capsys, monkeypatch, "serve", "-d", new)
    assert run.code == 0, run.err
    assert served and _revision(new) == migrate.head()
    assert "First administrator created" in run.out

    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(old_url)
    migrate.upgrade(engine, _previous_revision())
    engine.dispose()
    served.clear()
    run = run_cli(capsys, monkeypatch, "serve", "-d", old_url)
    assert run.code != 0 and not served
    assert len(run.err_lines) == 1 and "cityops db upgrade" in run.err, run.err


@pytest.mark.parametrize(
    "command",
    [
        ["rules", "list"],
        ["org", "add", "hanoi", "--name", "Hanoi"],
        ["token", "create", "--user", "x"],
    ],
)
def test_other_commands_check_too(tmp_path: Path, capsys, monkeypatch, command):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    run = run_cli(capsys, monkeypatch, *command, "-d", url)
    assert run.code != 0 and "cityops db upgrade" in run.err, (run.out, run.err)
