"""Operator mistakes give one line on stderr and a non-zero exit status; the full trace
only with the global ``--debug`` option."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from cityops.store import migrate
from tests.cli.support import Run, run_cli


def _migrated(tmp_path: Path) -> Path:
    path = tmp_path / "site.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _one_line(run: Run, *words: str) -> None:
    assert run.code != 0, (run.out, run.err)
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith("error: "), run.err
    assert "Traceback" not in run.err and "╭" not in run.err
    for word in words:
        assert word in run.err, run.err


BAD_URLS = [
    ("unknown scheme", "nonsense://x", "database_url"),
    ("malformed URL", "postgresql://u@host:notaport/db", "database"),
    ("unreachable server", "postgresql://postgres@127.0.0.1:1/cityops", "127.0.0.1"),
    ("missing folder", "sqlite:////nonexistent-folder/cityops.db", "/nonexistent-folder/"),
]


@pytest.mark.parametrize(("case", "url", "word"), BAD_URLS, ids=[b[0] for b in BAD_URLS])
def test_bad_database_url_is_one_line(capsys, monkeypatch, case, url, word) -> None:
    _one_line(run_cli(capsys, monkeypatch, "user", "list", "-d", url), word)


def test_read_only_database_is_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    """A database the process may read but not write (here: opened read-only, since tests
    may run as root, who may write any file)."""
    path = _migrated(tmp_path)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    run = run_cli(capsys, monkeypatch, "org", "add", "hanoi", "--name", "Hanoi", "-d", url)
    _one_line(run, "read")


def test_missing_password_without_a_terminal_is_one_line(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    url = f"sqlite:///{_migrated(tmp_path)}"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal, nothing to read
    run = run_cli(capsys, monkeypatch, "user", "add", "bob", "--role", "admin", "-d", url)
    _one_line(run, "--password")


def test_password_of_the_url_is_never_printed(capsys, monkeypatch) -> None:
    run = run_cli(
        capsys, monkeypatch, "user", "list", "-d", "postgresql://u:s3cret@127.0.0.1:1/cityops"
    )
    _one_line(run, "127.0.0.1")
    assert "s3cret" not in run.err


def test_debug_shows_the_trace(capsys, monkeypatch) -> None:
    url = "postgresql://postgres@127.0.0.1:1/cityops"
    run = run_cli(capsys, monkeypatch, "--debug", "user", "list", "-d", url)
    assert run.code != 0
    assert "Traceback" in run.err and run.err_lines[-1].startswith("error: ")
