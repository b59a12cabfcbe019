"""Shared CLI helpers: settings from flags, a store, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cityops import limits
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


def open_store(settings: Settings, upgrade: bool = True) -> Store:
    store = Store(settings.database_url, read_pool_size=2)
    if upgrade:
        migrate.upgrade(store.write_engine)
    return store
