"""``cityops datasets import|list``: the city's layers into the data hub.

An import is whole-or-nothing; the error names the offending feature. The command runs as
the system (an operator at the server's shell), so it may publish for any organisation.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import typer

from cityops.auth.principal import SYSTEM
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.datasets.catalogue import Metadata, list_datasets
from cityops.datasets.service import import_file
from cityops.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Datasets of the city data hub (served at /ogc).")


def _slug_of(path: Path) -> str:
    stem = path.name.split(".")[0].lower()
    return re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-")[:64] or "dataset"


def _time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{name}: not an ISO 8601 date", field=name) from exc


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(
        ..., help="GeoJSON, CSV with coordinates, GeoPackage or zipped Shapefile."
    ),
    org: str = typer.Option(..., "--org", help="Slug of the publishing organisation."),
    title: str = typer.Option(..., "--title", help="Title of the dataset."),
    slug: str = typer.Option(None, "--slug", help="Collection id (default: from the file name)."),
    description: str = typer.Option("", "--description"),
    publisher: str = typer.Option(None, "--publisher"),
    licence: str = typer.Option(None, "--licence", help="e.g. CC-BY-4.0"),
    source: str = typer.Option(None, "--source", help="Where the data comes from."),
    keyword: list[str] = typer.Option([], "--keyword", help="Repeat for several."),
    start: str = typer.Option(None, "--temporal-start", help="Start of the time covered."),
    end: str = typer.Option(None, "--temporal-end", help="End of the time covered."),
    frequency: str = typer.Option(None, "--update-frequency", help="e.g. annual, never"),
    visibility: str = typer.Option("public", "--visibility", help="public or restricted"),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Import a layer file as a new dataset, whole or not at all."""
    meta = Metadata(
        slug=slug or _slug_of(file),
        title=title,
        description=description,
        publisher=publisher,
        licence=licence,
        source=source,
        keywords=list(keyword),
        temporal_start=_time(start, "temporal-start"),
        temporal_end=_time(end, "temporal-end"),
        update_frequency=frequency,
        visibility=visibility,
    )
    if not file.is_file():
        raise InvalidInput(f"no such file: {file}", field="file")
    store = open_store(settings_from(database, config))
    try:
        import_file(store, SYSTEM, file, meta, org)
        with store.read() as conn:
            row = next(r for r in list_datasets(conn, SYSTEM) if r["slug"] == meta.slug)
    finally:
        store.close()
    typer.echo(f"Dataset {meta.slug}: {row['feature_count']} feature(s), {visibility}")


@app.command("list")
def list_cmd(database: str = DB_OPTION, config: Path = CONFIG_OPTION) -> None:
    """The datasets: slug, features, visibility, title."""
    store = open_store(settings_from(database, config))
    try:
        with store.read() as conn:
            rows = list_datasets(conn, SYSTEM)
    finally:
        store.close()
    for r in rows:
        typer.echo(f"{r['slug']}\t{r['feature_count']}\t{r['visibility']}\t{r['title']}")
