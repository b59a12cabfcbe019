"""``cityops db``: schema migrations, copies between databases, and the monthly
partitions of observations on PostgreSQL (listing, creating ahead, retention)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from sqlalchemy.engine import Connection

from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.cli.errors import naming_database
from cityops.errors import InvalidInput
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


_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def parse_age(value: str, now: datetime) -> datetime:
    """``400d``, ``8w``, ``18m`` (months) or ``2y`` before ``now``: the retention cutoff.
    Raises InvalidInput naming the option and what is allowed."""
    m = re.fullmatch(r"\s*(\d+)\s*([dwmy])\s*", value.lower())
    if not m or int(m[1]) < 1:
        raise InvalidInput(
            f"--older-than {value!r}: give a positive number of days, weeks, months or "
            "years, e.g. 400d, 8w, 18m, 2y"
        )
    n, unit = int(m[1]), m[2]
    if unit in "dw":
        return now - timedelta(days=n * (7 if unit == "w" else 1))
    months = n * (12 if unit == "y" else 1)
    k = now.year * 12 + now.month - 1 - months
    year, month = divmod(k, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _month(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"--month {value!r}: not a month as YYYY-MM") from None


@app.command()
def partitions(
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
    month: list[str] = typer.Option(
        [],
        "--month",
        help="Also create the partition of this month (YYYY-MM); repeatable.",
    ),
) -> None:
    """List the monthly partitions of observations (PostgreSQL) with their rows; create
    the months ahead (and any --month), moving their rows out of the default partition."""
    from cityops.store import partitions as pt

    settings = settings_from(database, config)
    wanted = [_month(value) for value in month]
    store = open_store(settings)
    try:
        with store.write_engine.begin() as conn:
            if not pt.is_partitioned(conn):
                typer.echo("observations are not partitioned (only PostgreSQL partitions them)")
                return
            created = pt.ensure_months(conn, wanted)
        created += pt.ensure_ahead(store.write_engine, settings.partition_months_ahead)
        with store.write_engine.connect() as conn:
            for p in pt.list_partitions(conn, count=True):
                span = f"{p.start:%Y-%m}" if p.start else "default (any other time)"
                typer.echo(f"{p.name}  {span}  {p.rows} rows")
        if created:
            typer.echo(f"created: {', '.join(created)}")
    finally:
        store.close()


@app.command()
def retention(
    older_than: str = typer.Option(
        ...,
        "--older-than",
        help="Drop months wholly older than this: 400d, 8w, 18m, 2y.",
    ),
    yes: bool = typer.Option(False, "--yes", help="Drop them (without it: only list them)."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Drop the monthly partitions of observations whose whole month is older than
    --older-than (PostgreSQL). A month holding any newer observation is kept; the default
    partition is never dropped. Audited; Datastreams' times and latest values are
    recomputed and the receipt keys of the dropped observations removed."""
    from cityops.auth import audit
    from cityops.auth.principal import SYSTEM
    from cityops.store import retention as rt

    settings = settings_from(database, config)
    now = datetime.now(UTC)
    cutoff = parse_age(older_than, now)

    def record(conn: Connection, dropped: list[rt.Dropped]) -> None:
        detail = {
            "older_than": older_than,
            "cutoff": cutoff.isoformat(),
            "partitions": [d.name for d in dropped],
            "rows": sum(d.rows for d in dropped),
        }
        audit.record(conn, SYSTEM, "retention", "Observation", None, detail)

    store = open_store(settings)
    try:
        try:
            dropped = rt.retention(store.write_engine, cutoff, dry_run=not yes, on_dropped=record)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    finally:
        store.close()
    verb = "dropped" if yes else "would drop"
    for d in dropped:
        typer.echo(f"{verb} {d.name} ({d.start:%Y-%m}, {d.rows} rows)")
    if not dropped:
        typer.echo(f"no month wholly older than {cutoff:%Y-%m-%d %H:%M} UTC")
    elif not yes:
        typer.echo("nothing dropped: add --yes to drop them")
