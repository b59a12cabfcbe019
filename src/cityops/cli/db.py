"""``cityops db``: schema migrations."""

from __future__ import annotations

from pathlib import Path

import typer

from cityops.cli.common import CONFIG_OPTION, DB_OPTION, settings_from
from cityops.store import migrate
from cityops.store.base import Store

app = typer.Typer(no_args_is_help=True, help="Database schema and copies.")


@app.command()
def upgrade(database: str = DB_OPTION, config: Path = CONFIG_OPTION,
            revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Apply the schema migrations (Alembic) up to REVISION."""
    settings = settings_from(database, config)
    store = Store(settings.database_url, read_pool_size=1)
    try:
        migrate.upgrade(store.write_engine, revision)
        typer.echo(f"database at revision {migrate.current(store.write_engine)}")
    finally:
        store.close()
