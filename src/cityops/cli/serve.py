"""``cityops serve``: the HTTP server (uvicorn), one or several worker processes."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import typer
import uvicorn

from cityops.auth.users import add_first_admin
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, settings_from
from cityops.cli.errors import naming_database
from cityops.settings import Settings, load_settings, masked_url
from cityops.store import migrate
from cityops.store.base import Store


def ensure_first_admin(store: Store) -> tuple[str, str] | None:
    """Create the user ``admin`` with a random password when there are no users yet.

    The password is printed once by ``run_server``; it must be changed at the first
    login (until then the session may do nothing else), so a copy left in a terminal
    or a log does not stay valid."""

    return store.write_sync(lambda tx: add_first_admin(tx.conn))


def app_from_env():  # type: ignore[no-untyped-def]
    """uvicorn factory for worker processes: settings from the environment."""
    from cityops.app import create_app

    app = create_app(load_settings(), upgrade=False)
    # Everything made so far (modules, routes, schema, settings) lives as long as the
    # process: moved out of the collector's generations, the full collections that bulk
    # requests trigger (each allocates tens of thousands of lists) no longer walk it.
    # py-spy --gil on 10,000-row CreateObservations: orjson.loads, where those collections
    # ran, fell from 33 % of the samples (docs/benchmarks.md, "Profiling").
    gc.freeze()
    return app


def event_loop(settings: Settings) -> str:
    """uvicorn's event loop: uvloop ("auto") unless CityOps talks MQTT. aiomqtt drives paho
    through add_writer/remove_writer, and on uvloop a broker that went away sometimes left
    the socket's poll handle closed ("unable to perform operation on <UVPoll closed=True>",
    MagicStack/uvloop#552): CityOps noticed only by the keepalive, a minute later, in about
    one broker restart in three (tests/mqtt/test_broker_restart.py). On the standard loop it
    reconnected within seconds every time."""
    return "asyncio" if settings.mqtt_url else "auto"


def run_server(settings: Settings, workers: int = 1, log_level: str = "info") -> None:
    """Check the schema (creating it on a new, empty database), create the first admin if
    needed, then serve. A database at an older revision is refused: ``cityops db upgrade``."""
    with naming_database(settings.database_url):
        store = Store(settings.database_url, read_pool_size=2)
        try:
            migrate.create_if_empty(store.write_engine)
            migrate.require_current(store.write_engine)
            first = ensure_first_admin(store)
        finally:
            store.close()
    if first:
        typer.echo(
            f"First administrator created: user {first[0]!r}, password {first[1]!r} "
            "(shown once; you must change it when you first log in at /login)"
        )
    typer.echo(
        f"CityOps on http://{settings.host}:{settings.port}/  "
        f"(SensorThings API: http://{settings.host}:{settings.port}/v1.1, "
        f"database: {masked_url(settings.database_url)})"
    )
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"CITYOPS_{name.upper()}"] = str(value)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        typer.echo(
            "note: SQLite has one writer; several workers would only queue on it. "
            "Use PostgreSQL for --workers > 1.",
            err=True,
        )
    uvicorn.run(
        "cityops.cli.serve:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=log_level,
        access_log=settings.access_log,
        # X-Forwarded-For is believed only from settings.trusted_proxies, by the
        # ForwardedFor middleware; uvicorn's own handling trusts 127.0.0.1 by default.
        proxy_headers=False,
        loop=event_loop(settings),
        # Workers start by importing the whole package (seconds on a small box);
        # uvicorn's 5 s health check would kill and respawn them in a loop.
        timeout_worker_healthcheck=60,
        # uvicorn waits for running requests without end by default: a request stuck on a
        # lock, or a live event stream, would hold a SIGTERM off for ever
        timeout_graceful_shutdown=settings.shutdown_grace,
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Listen address (CITYOPS_HOST)."),
        port: int = typer.Option(None, help="Port (CITYOPS_PORT)."),
        database: str = DB_OPTION,
        workers: int = typer.Option(1, min=1, help="Worker processes (PostgreSQL for > 1)."),
        config: Path = CONFIG_OPTION,
    ) -> None:
        """Start the HTTP server: SensorThings API, dashboard, public page."""
        settings = settings_from(database, config, host=host, port=port)
        run_server(settings, workers)
