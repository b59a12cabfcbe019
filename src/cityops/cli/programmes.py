"""``cityops programmes``: IATI import and export, CSV export, exchange rates."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from cityops.auth.principal import SYSTEM
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.errors import InvalidInput
from cityops.programmes import export_csv, export_iati, parse_iati
from cityops.programmes import store as programme_store
from cityops.programmes.model import Organisation, Project
from cityops.store.base import Store

app = typer.Typer(no_args_is_help=True, help="Cooperation programmes: who funds what, where.")
rates = typer.Typer(no_args_is_help=True, help="Exchange rates for reports in one currency.")
app.add_typer(rates, name="rates")
CITY = typer.Option(None, "--city", help="Only projects in this city.")
FUNDER = typer.Option(None, "--funder", help="Only projects of this funder (name or IATI ref).")
SECTOR = typer.Option(None, "--sector", help="Only projects in this OECD-DAC sector code.")


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file}: {exc.strerror}", field="file") from None


@contextmanager
def _store(database: str | None, config: Path | None) -> Iterator[Store]:
    store = open_store(settings_from(database, config))
    try:
        yield store
    finally:
        store.close()


def _selection(store: Store, **filters: Any) -> list[Project]:
    with store.read() as conn:
        return [i.project for i in programme_store.select_projects(conn, SYSTEM, **filters)]


@app.command("import-iati")
def import_iati(
    file: Path = typer.Argument(..., help="IATI 2.03 activities file."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Import activities; a known IATI identifier updates its project (no duplicates)."""
    projects = parse_iati(_read(file))
    with _store(database, config) as store:
        done = store.write_sync(lambda tx: programme_store.save_imported(tx, projects, SYSTEM))
    for what, keys in (
        ("added", done.added),
        ("updated", done.updated),
        ("unchanged", done.unchanged),
    ):
        for key in keys:
            typer.echo(f"{what}: {key}")


@app.command("export-iati")
def export_iati_cmd(
    city: str = CITY,
    funder: str = FUNDER,
    sector: str = SECTOR,
    reporting_ref: str = typer.Option(
        None, help="IATI ref of the reporting organisation, for projects without one."
    ),
    reporting_name: str = typer.Option(None, help="Its name."),
    reporting_type: str = typer.Option(None, help="Its IATI type code."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Write the selection as IATI 2.03 XML (schema-valid) to standard output."""
    org = None
    if reporting_ref or reporting_name:
        org = Organisation(reporting_name or "", reporting_ref, reporting_type)
    with _store(database, config) as store:
        projects = _selection(store, city=city, funder=funder, sector=sector)
    sys.stdout.buffer.write(export_iati(projects, reporting_org=org))


@app.command("export-csv")
def export_csv_cmd(
    city: str = CITY,
    funder: str = FUNDER,
    sector: str = SECTOR,
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Write the selection as CSV to standard output."""
    with _store(database, config) as store:
        projects = _selection(store, city=city, funder=funder, sector=sector)
    typer.echo(export_csv(projects), nl=False)


@rates.command("load")
def load_rates_cmd(
    file: Path = typer.Argument(..., help="CSV with date,currency,rate."),
    base: str = typer.Option("USD", help="The currency the rates are in."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Load exchange rates (1 currency = rate base); a date given again replaces it."""
    table = programme_store.parse_rates(_read(file), base)
    with _store(database, config) as store:
        rows = store.write_sync(lambda tx: programme_store.store_rates(tx, table, SYSTEM))
    typer.echo(f"{rows} rate(s) to {table.base} loaded")


def register(root: typer.Typer) -> None:
    """Add ``cityops programmes`` to the root command."""
    root.add_typer(app, name="programmes")
