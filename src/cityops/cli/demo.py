"""``cityops demo``: the one command that shows CityOps at work."""

from __future__ import annotations

import typer

from cityops.cli.common import settings_from
from cityops.cli.serve import run_server


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        database: str = typer.Option("sqlite:///cityops-demo.db", "--database", "-d",
                                     help="Database of the demo world."),
        port: int = typer.Option(8000, help="Port to serve on."),
    ) -> None:
        """Start CityOps on a demo database and print its URLs and logins."""
        run_server(settings_from(database, None, port=port))
