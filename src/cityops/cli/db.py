"""``cityops db``: schema migrations, and copies between databases."""

from __future__ import annotations

from pathlib import Path

import typer

from cityops.cli.common import CONFIG_OPTION, DB_OPTION, settings_from
from cityops.cli.errors import naming_database
from cityops.store import migrate
from cityops.store.base import Store

app = typer.Typer(no_args_is_help=True, help="Database schema and copies.")


@app.command()
def upgrade(
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
    revision: str = typer.Option("head", help="Target revision."),
) -> None:
    """Apply the schema migrations (Alembic) up to REVISION."""
    settings = settings_from(database, config)
    with naming_database(settings.database_url):
        store = Store(settings.database_url, read_pool_size=1)
        try:
            migrate.upgrade(store.write_engine, revision)
            typer.echo(f"database at revision {migrate.current(store.write_engine)}")
        finally:
            store.close()


@app.command()
def copy(
    source: str = typer.Argument(..., help="Database URL to copy from (left unchanged)."),
    destination: str = typer.Argument(..., help="Empty database URL to copy into."),
    batch: int = typer.Option(5000, min=1, help="Rows per batch."),
) -> None:
    """Copy every table from SOURCE to the empty DESTINATION (e.g. SQLite to PostgreSQL).

    The destination gets the source's schema revision; the copy is one transaction,
    verified by the row count of every table; PostgreSQL id sequences are reset.
    Stop the servers that write to SOURCE first.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.table import Table

    from cityops.store.copy import copy_database

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as progress:
        task = progress.add_task("rows", total=None)

        def on_start(counts: dict[str, int]) -> None:
            progress.update(task, total=sum(counts.values()))

        def on_batch(table: str, rows: int) -> None:
            progress.update(task, advance=rows, description=table)

        counts = copy_database(
            source, destination, batch=batch, progress=on_batch, on_start=on_start
        )
        progress.update(task, description="done")
    table = Table("table", "source rows", "copied rows", title="Verified copy")
    for c in counts:
        table.add_row(c.table, str(c.source), str(c.copied))
    Console().print(table)
    typer.echo(
        f"copied {sum(c.copied for c in counts)} rows; counts match in all {len(counts)} tables"
    )
