"""``cityops demo``: the one command that shows CityOps at work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from cityops.cli.common import CONFIG_OPTION, settings_from


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        database: str = typer.Option(
            "sqlite:///cityops-demo.db",
            "--database",
            "-d",
            help="Database of the demo world (created or reused).",
        ),
        host: str = typer.Option("127.0.0.1", help="Listen address."),
        port: int = typer.Option(8000, help="Port to serve on."),
        history_days: float = typer.Option(
            3.0,
            min=0.0,
            max=30.0,
            help="Days of past readings sent at start (the simulator then runs on the wall clock).",
        ),
        seed: int = typer.Option(7, help="Random seed of the simulator (runs repeat)."),
        scenario: str = typer.Option(None, help="Replay a real flood: pakse-2011."),
        scenario_seconds: float = typer.Option(
            180.0, min=1.0, help="Real seconds the scenario's season takes."
        ),
        mrc_data: str = typer.Option(
            None,
            "--mrc-data",
            envvar="CITYOPS_MRC_DATA",
            help="Folder (or file) of the MRC exports for scenarios.",
        ),
        config: Path = CONFIG_OPTION,
    ) -> None:
        """Create (or reuse) the demo world, serve it, run the simulator; print URLs and logins."""
        from cityops.demo.run import banner, prepare, serve_and_simulate
        from cityops.demo.scenario import SCENARIOS

        if scenario is not None and scenario not in SCENARIOS:
            raise typer.BadParameter(
                f"known scenarios: {', '.join(SCENARIOS)}", param_hint="--scenario"
            )
        settings = settings_from(database, config, host=host, port=port)
        prepared = prepare(settings)
        banner(settings, prepared, typer.echo)
        data = mrc_data or (str(settings.mrc_data) if settings.mrc_data else None)
        asyncio.run(
            serve_and_simulate(
                settings,
                prepared,
                history_days,
                seed,
                scenario,
                data,
                lambda m: typer.echo(m),
                scenario_seconds,
            )
        )
