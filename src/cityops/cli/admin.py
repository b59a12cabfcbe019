"""``cityops user|token|org``: people, tokens and organisations.

Passwords are never taken as a command-line value (visible in ``ps`` and shell history):
``--password-file`` (``-`` for standard input), ``$CITYOPS_PASSWORD``, or a prompt.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import typer

from cityops.auth import audit
from cityops.auth import orgs as org_service
from cityops.auth.principal import SYSTEM
from cityops.auth.tokens import create_token
from cityops.auth.users import (
    add_user,
    change_password,
    list_users,
    reset_password,
    set_disabled,
    user_id,
)
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.errors import InvalidInput
from cityops.store.writer import Job, Tx

users = typer.Typer(no_args_is_help=True, help="People who log in.")
tokens = typer.Typer(no_args_is_help=True, help="API and device tokens.")
orgs = typer.Typer(no_args_is_help=True, help="Organisations (cities and partners).")


PASSWORD_ENV = "CITYOPS_PASSWORD"
OLD_PASSWORD_ENV = "CITYOPS_OLD_PASSWORD"
PASSWORD_FILE_OPTION = typer.Option(
    None,
    "--password-file",
    help=f"Read the password from this file's first line ('-': standard input). "
    f"Else ${PASSWORD_ENV}, else a prompt.",
)


def read_password(
    password_file: Path | None, env: str = PASSWORD_ENV, label: str = "Password"
) -> str:
    """The password from ``password_file``, the environment variable ``env``, or a prompt
    (hidden, typed twice)."""
    if password_file is not None:
        try:
            text = (
                typer.get_text_stream("stdin").read()
                if str(password_file) == "-"
                else password_file.read_text()
            )
        except OSError as exc:
            raise InvalidInput(f"password-file: {exc}", field="password-file") from None
        line = text.splitlines()[0] if text else ""
        if not line:
            raise InvalidInput("password-file: empty", field="password-file")
        return line
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():  # a script or a pipe: the first line, nobody to confirm
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput(
                f"no password given and none could be asked for: use --password-file or ${env}",
                field="password",
            )
        return line
    return str(typer.prompt(label, hide_input=True, confirmation_prompt=label != "Old password"))


R = TypeVar("R")


def _write(database: str | None, config: Path | None, job: Job[R]) -> R:
    store = open_store(settings_from(database, config))
    try:
        return store.write_sync(job)
    finally:
        store.close()


@users.command("add")
def user_add(
    username: str,
    role: str = typer.Option(..., help="admin, city_admin, operator, analyst, prog_officer"),
    org: str = typer.Option(None, help="Organisation slug (all roles but admin)."),
    password_file: Path = PASSWORD_FILE_OPTION,
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Add a person who logs in with a password (at least 12 characters, not a common
    or guessable one)."""
    password = read_password(password_file)

    def job(tx: Tx) -> int:
        org_id = org_service.org_id(tx.conn, org) if org else None
        uid = add_user(tx.conn, username, password, role, org_id)
        audit.record(tx, SYSTEM, "create", "User", uid, {"role": role, "org": org})
        return uid

    typer.echo(f"user {username} added (id {_write(database, config, job)})")


@users.command("list")
def user_list(database: str = DB_OPTION, config: Path = CONFIG_OPTION) -> None:
    """List users with their roles and organisations."""
    rows = _write(database, config, lambda tx: list_users(tx.conn))
    for r in rows:
        state = "disabled" if r["disabled"] else "active"
        typer.echo(f"{r['username']:<24} {r['role']:<11} {r['org'] or '-':<24} {state}")


@users.command("disable")
def user_disable(username: str, database: str = DB_OPTION, config: Path = CONFIG_OPTION) -> None:
    """Disable a user: their logins and tokens stop working."""

    def job(tx: Tx) -> None:
        set_disabled(tx.conn, username)
        audit.record(tx, SYSTEM, "disable", "User", username)

    _write(database, config, job)
    typer.echo(f"user {username} disabled")


@users.command("enable")
def user_enable(username: str, database: str = DB_OPTION, config: Path = CONFIG_OPTION) -> None:
    """Re-enable a disabled user (their failed-login counts are cleared)."""

    def job(tx: Tx) -> None:
        set_disabled(tx.conn, username, disabled=False)
        audit.record(tx, SYSTEM, "enable", "User", username)

    _write(database, config, job)
    typer.echo(f"user {username} enabled")


@users.command("reset-password")
def user_reset_password(
    username: str,
    password_file: Path = PASSWORD_FILE_OPTION,
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Set a user's password as an administrator: they must change it at their next
    login; their sessions end."""
    password = read_password(password_file)

    def job(tx: Tx) -> None:
        reset_password(tx.conn, username, password)
        audit.record(tx, SYSTEM, "reset-password", "User", username)

    _write(database, config, job)
    typer.echo(f"password of {username} reset; it must be changed at the next login")


@users.command("passwd")
def user_passwd(
    username: str,
    password_file: Path = PASSWORD_FILE_OPTION,
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Change a user's password, giving the old one ($CITYOPS_OLD_PASSWORD or a prompt)."""
    old = read_password(None, OLD_PASSWORD_ENV, "Old password")
    new = read_password(password_file, label="New password")

    def job(tx: Tx) -> None:
        change_password(tx.conn, user_id(tx.conn, username), old, new)
        audit.record(tx, SYSTEM, "password", "User", username)

    _write(database, config, job)
    typer.echo(f"password of {username} changed")


@tokens.command("create")
def token_create(
    device: int = typer.Option(None, help="Thing id the device token is bound to."),
    user: str = typer.Option(None, help="User name the API token acts as."),
    name: str = typer.Option(None, help="A label for the token."),
    days: int = typer.Option(None, min=1, help="Expire after this many days."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Create a token and print its secret (shown once, stored hashed)."""
    expires = datetime.now(UTC) + timedelta(days=days) if days else None

    def job(tx: Tx) -> tuple[int, str]:
        uid = None if user is None else user_id(tx.conn, user)
        made = create_token(tx.conn, user_id=uid, thing_id=device, name=name, expires_at=expires)
        audit.record(tx, SYSTEM, "create", "Token", made[0], {"device": device, "user": user})
        return made

    token_id, secret = _write(database, config, job)
    typer.echo(f"token {token_id}: {secret}")


def _names(text: str | None) -> dict[str, str] | None:
    """``vi=Hà Nội;lo=ຮ່າໂນ້ຍ`` as a dict (InvalidInput naming ``names`` when malformed)."""
    if not text:
        return None
    out = {}
    for part in text.split(";"):
        code, sep, value = part.partition("=")
        if not sep:
            raise InvalidInput(f"names: {part!r} is not code=name", field="names")
        out[code.strip()] = value.strip()
    return out


@orgs.command("add")
def org_add(
    slug: str,
    name: str = typer.Option(..., help="Display name."),
    kind: str = typer.Option("city", help="city, partner or national"),
    country: str = typer.Option(None, help="ISO 3166 alpha-2 code."),
    timezone_name: str = typer.Option(None, "--timezone", help="IANA time zone."),
    languages: str = typer.Option(None, help="Language codes, separated by ';'."),
    names: str = typer.Option(
        None, help="The name in other languages for alert texts: 'vi=Hà Nội;lo=ຮ່າໂນ້ຍ'."
    ),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Add an organisation (a city or a partner)."""
    local = _names(names)

    def job(tx: Tx) -> int:
        oid = org_service.add_org(
            tx.conn,
            slug,
            name,
            kind=kind,
            country_iso2=country,
            timezone=timezone_name,
            languages=languages.split(";") if languages else None,
            names=local,
        )
        audit.record(tx, SYSTEM, "create", "Organisation", oid, {"slug": slug})
        return oid

    typer.echo(f"organisation {slug} added (id {_write(database, config, job)})")
