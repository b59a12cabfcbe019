"""``cityops user|token|org``: people, tokens and organisations."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import select

from cityops.auth import audit
from cityops.auth import orgs as org_service
from cityops.auth.principal import SYSTEM
from cityops.auth.tokens import create_token
from cityops.auth.users import add_user, list_users, set_disabled
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.errors import InvalidInput, NotFound
from cityops.store import schema as s

users = typer.Typer(no_args_is_help=True, help="People who log in.")
tokens = typer.Typer(no_args_is_help=True, help="API and device tokens.")
orgs = typer.Typer(no_args_is_help=True, help="Organisations (cities and partners).")


def _write(database: str | None, config: Path | None, job: Any) -> Any:
    store = open_store(settings_from(database, config))
    try:
        return store.write_sync(job)
    finally:
        store.close()


@users.command("add")
def user_add(
    username: str,
    role: str = typer.Option(..., help="admin, city_admin, operator, analyst"),
    org: str = typer.Option(None, help="Organisation slug (all roles but admin)."),
    password: str = typer.Option(
        None, help="The password (asked for, twice, when not given and on a terminal)."
    ),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Add a person who logs in with a password."""
    password = password or _ask_password()

    def job(tx: Any) -> int:
        org_id = org_service.org_id(tx.conn, org) if org else None
        uid = add_user(tx.conn, username, password, role, org_id)
        audit.record(tx, SYSTEM, "create", "User", uid, {"role": role, "org": org})
        return uid

    typer.echo(f"user {username} added (id {_write(database, config, job)})")


def _ask_password() -> str:
    """Ask on the terminal; without one (a script, a pipe) say what to pass instead."""
    if not sys.stdin.isatty():
        raise InvalidInput(
            "no --password given and no terminal to ask for one: pass --password",
            field="password",
        )
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


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

    def job(tx: Any) -> None:
        set_disabled(tx.conn, username)
        audit.record(tx, SYSTEM, "disable", "User", username)

    _write(database, config, job)
    typer.echo(f"user {username} disabled")


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

    def job(tx: Any) -> tuple[int, str]:
        user_id = None
        if user is not None:
            user_id = tx.conn.execute(
                select(s.users.c.id).where(s.users.c.username == user)
            ).scalar()
            if user_id is None:
                raise NotFound(f"user {user!r} not found")
        made = create_token(
            tx.conn, user_id=user_id, thing_id=device, name=name, expires_at=expires
        )
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

    def job(tx: Any) -> int:
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
