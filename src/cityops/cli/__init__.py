"""The ``cityops`` command line (Typer); docs/reference.md lists every command.

Modules: ``serve`` (the HTTP server), ``demo`` (the demo world), ``db`` (migrations and
copies), ``admin`` (users, tokens, organisations), ``rules`` (rules and replay), ``data``
(file imports and exports), ``alerts`` (alert areas, outside CAP feeds), ``programmes``
(the cooperation-programmes register), ``datasets`` (the city data hub), ``common``
(settings from flags, a store whose schema is current), ``errors`` (an operator's mistake
as one line; ``--debug`` for the trace).
"""

from __future__ import annotations

import gc
import sys
import traceback

import click
import typer

from cityops import __version__
from cityops.cli import admin, data, datasets, db, demo, serve
from cityops.cli import alerts as alerts_cli
from cityops.cli import programmes as programmes_cli
from cityops.cli import rules as rules_cli
from cityops.cli.errors import exit_status, message

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="CityOps: an open operations centre for smart cities.",
    pretty_exceptions_enable=False,
)
_DEBUG = {"on": False}
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
app.add_typer(datasets.app, name="datasets")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cityops {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="On an error, print the full trace as well as the one line."
    ),
) -> None:
    """CityOps command line."""
    _DEBUG["on"] = debug


def main() -> None:
    """Entry point: an error is one line on stderr (the trace too with ``--debug``) and a
    non-zero exit status: 2 for a refused request (a domain error), 1 otherwise."""
    _DEBUG["on"] = False  # set by the callback from --debug
    # What is loaded by now lives as long as the command: out of the collector's
    # generations, the full collections that bulk work sets off (imports allocate
    # millions of objects) do not walk it again and again (see cli/serve.app_from_env).
    # Given back to the collector afterwards, for callers that go on (tests run main()).
    gc.freeze()
    try:
        _run()
    finally:
        gc.unfreeze()


def _run() -> None:
    try:
        app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:  # usage errors: click's own message
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _DEBUG["on"]:
            traceback.print_exc()
        typer.echo(f"error: {message(exc)}", err=True)
        sys.exit(exit_status(exc))
