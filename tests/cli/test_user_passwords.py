"""``cityops user``: passwords never only on the command line (file, environment,
prompt), the policy, admin reset, own change with the old password, re-enable."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cityops.auth.users import check_password
from cityops.cli import app
from cityops.store import schema as s
from cityops.store.base import Store

GOOD = "river-gauge-at-pakse-7"
OTHER = "flood-wall-at-hue-2031"


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    args = ["-d", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert CliRunner().invoke(app, ["db", "upgrade", *args]).exit_code == 0
    return args


def _run(args: list[str], env: dict[str, str] | None = None, input: str | None = None) -> str:
    result = CliRunner().invoke(app, args, env=env, input=input)
    assert result.exit_code == 0, result.output
    return result.output


def _login(db: list[str], user: str, password: str) -> bool:
    store = Store(db[1], read_pool_size=1)
    try:
        got = store.write_sync(lambda tx: check_password(tx.conn, user, password, "cli-test"))
    finally:
        store.close()
    return not isinstance(got, str)


def _must_change(db: list[str], user: str) -> bool:
    store = Store(db[1], read_pool_size=1)
    try:
        with store.read() as conn:
            u = s.users
            return bool(
                conn.execute(select(u.c.must_change_password).where(u.c.username == user)).scalar()
            )
    finally:
        store.close()


def test_password_from_a_file(db: list[str], tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(GOOD + "\n")
    _run(["user", "add", "duty", "--role", "admin", "--password-file", str(secret), *db])
    assert _login(db, "duty", GOOD)


def test_password_from_the_environment_and_prompt(db: list[str]) -> None:
    _run(["user", "add", "duty", "--role", "admin", *db], env={"CITYOPS_PASSWORD": GOOD})
    assert _login(db, "duty", GOOD)
    _run(["user", "add", "other", "--role", "admin", *db], input=f"{OTHER}\n{OTHER}\n")
    assert _login(db, "other", OTHER)


def test_a_password_value_on_the_command_line_is_refused(db: list[str]) -> None:
    result = CliRunner().invoke(
        app, ["user", "add", "duty", "--role", "admin", "--password", GOOD, *db]
    )
    assert result.exit_code != 0


def test_weak_password_is_refused_with_the_reason(db: list[str]) -> None:
    result = CliRunner().invoke(
        app,
        ["user", "add", "duty", "--role", "admin", *db],
        env={"CITYOPS_PASSWORD": "password1234"},
    )
    assert result.exit_code != 0
    assert "password" in str(result.exception or result.output)


def test_reset_change_and_enable(db: list[str]) -> None:
    _run(["user", "add", "duty", "--role", "admin", *db], env={"CITYOPS_PASSWORD": GOOD})
    _run(["user", "reset-password", "duty", *db], env={"CITYOPS_PASSWORD": OTHER})
    assert _must_change(db, "duty") and _login(db, "duty", OTHER) and not _login(db, "duty", GOOD)
    new = "monsoon-season-sensor-44"
    _run(
        ["user", "passwd", "duty", *db],
        env={"CITYOPS_OLD_PASSWORD": OTHER, "CITYOPS_PASSWORD": new},
    )
    assert not _must_change(db, "duty") and _login(db, "duty", new)
    _run(["user", "disable", "duty", *db])
    assert not _login(db, "duty", new)
    _run(["user", "enable", "duty", *db])
    assert _login(db, "duty", new)
