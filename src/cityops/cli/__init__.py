"""The ``cityops`` command line: serve, db, user, token, org (and more from later modules)."""

from __future__ import annotations

import sys

import typer

from cityops import __version__
from cityops.cli import admin, data, db, demo, serve
from cityops.cli import alerts as alerts_cli
from cityops.cli import programmes as programmes_cli
from cityops.cli import rules as rules_cli
from cityops.errors import CityOpsError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="CityOps: an open operations centre for smart cities.",
)
serve.register(app)
demo.register(app)
app.add_typer(db.app, name="db")
app.add_typer(admin.users, name="user")
app.add_typer(admin.tokens, name="token")
app.add_typer(admin.orgs, name="org")
rules_cli.register(app)
data.register(app)
alerts_cli.register(app)
programmes_cli.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cityops {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """CityOps command line."""


def main() -> None:
    """Entry point: domain errors become one line on stderr and exit status 2."""
    try:
        app(standalone_mode=False)
    except CityOpsError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except typer.Abort:
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
