"""``cityops areas import FILE --org SLUG`` and ``cityops feeds import URL_OR_FILE``:
alert areas of a city, and warnings from outside CAP feeds."""

from __future__ import annotations

from pathlib import Path

import typer

from cityops.alerting import alert_areas as areas_service
from cityops.alerting import external
from cityops.auth.principal import SYSTEM
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.egress import EgressPolicy
from cityops.errors import InvalidInput

areas = typer.Typer(no_args_is_help=True, help="Alert areas of a city (GeoJSON polygons).")
feeds = typer.Typer(no_args_is_help=True, help="Outside CAP feeds (Atom or RSS).")


@areas.command("import")
def import_areas(
    file: Path = typer.Argument(
        ..., help="GeoJSON FeatureCollection of Polygon/MultiPolygon features."
    ),
    org: str = typer.Option(..., "--org", help="Organisation slug."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Validate and store the polygons (one area per feature, named by properties.name)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file}: {exc.strerror}", field="file") from None
    names = areas_service.parse_areas(data)  # fail before opening the database
    store = open_store(settings_from(database, config))
    try:
        stored = store.write_sync(lambda tx: areas_service.import_areas(tx, org, data, SYSTEM))
    finally:
        store.close()
    typer.echo(f"{len(stored)} area(s) imported for {org}: {', '.join(n for n, *_ in names)}")


@feeds.command("import")
def import_feed(
    source: str = typer.Argument(
        ..., help="http(s) URL or file of an Atom or RSS feed of CAP alerts."
    ),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Fetch a feed and its CAP documents (hardened parsing) into the external alerts."""
    settings = settings_from(database, config)
    fetched = external.fetch_feed(
        source, settings.feed_max_bytes, policy=EgressPolicy.from_settings(settings)
    )
    store = open_store(settings)
    try:
        count = store.write_sync(lambda tx: external.save_external(tx, fetched))
    finally:
        store.close()
    typer.echo(f"{count} alert(s) imported from {source}")
    for error in fetched.errors:
        typer.echo(f"skipped: {error}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``areas`` and ``feeds`` groups to the CLI."""
    app.add_typer(areas, name="areas")
    app.add_typer(feeds, name="feeds")
