"""Shared CLI helpers: settings from flags, and a store on a database whose schema is current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cityops import limits
from cityops.cli.errors import naming_database
from cityops.settings import Settings, load_settings
from cityops.store import migrate
from cityops.store.base import Store

DB_OPTION = typer.Option(None, "--database", "-d", help="Database URL (CITYOPS_DATABASE_URL).")
CONFIG_OPTION = typer.Option(None, "--config", help="TOML settings file (CITYOPS_CONFIG).")


def settings_from(
    database: str | None = None, config: Path | None = None, **overrides: Any
) -> Settings:
    settings = load_settings(config, database_url=database, **overrides)
    limits.configure(settings)  # imports apply the same input limits as the API
    return settings


def open_store(settings: Settings) -> Store:
    """A store on a database whose schema is current (SchemaNotCurrent otherwise: only
    ``cityops db upgrade`` migrates)."""
    with naming_database(settings.database_url):
        store = Store(settings.database_url, read_pool_size=2)
        try:
            migrate.require_current(store.write_engine)
        except BaseException:
            store.close()
            raise
    return store
