"""``cityops rules load|list`` and ``cityops replay``: hazard rules from files, and
the same rules run over stored history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from cityops.alerting import catalog
from cityops.alerting.replay import ReplayResult, record, replay
from cityops.auth.principal import SYSTEM
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.errors import InvalidInput
from cityops.exposure import layers as exposure_layers
from cityops.rules import load_rules_toml
from cityops.store.base import Store

app = typer.Typer(no_args_is_help=True, help="Hazard rules.")


@app.command("load")
def load(
    file: Path = typer.Argument(..., help="TOML file of [[rule]] tables."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
    check: bool = typer.Option(False, "--check", help="Validate only; store nothing."),
) -> None:
    """Validate rules (errors name the line) and store them by name (insert or replace)."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{file}: {exc.strerror}", field="file") from None
    specs = load_rules_toml(text)
    store = open_store(settings_from(database, config))
    try:
        if check:
            with store.read() as conn:
                for spec in specs:
                    try:
                        catalog.check_spec(conn, spec, SYSTEM)
                    except InvalidInput as exc:
                        raise InvalidInput(
                            f"line {spec.line}: {exc.message}", field=exc.field
                        ) from None
            typer.echo(f"{len(specs)} rule(s) valid")
            return
        done = store.write_sync(lambda tx: catalog.upsert_specs(tx, specs, SYSTEM))
    finally:
        store.close()
    for name, what in done:
        typer.echo(f"{what}: {name}")


@app.command("list")
def list_(database: str = DB_OPTION, config: Path = CONFIG_OPTION) -> None:
    """Print the stored rules."""
    store = open_store(settings_from(database, config))
    try:
        with store.read() as conn:
            for doc in catalog.list_rules(conn, SYSTEM):
                state = "enabled" if doc["enabled"] else "disabled"
                typer.echo(
                    f"{doc['id']:>5}  {doc['name']:<32} {doc['type']:<14} {state}  {doc['subject']}"
                )
    finally:
        store.close()


def _when(value: str, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: not an ISO 8601 date or time: {value!r}", field=name) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _iso(t: float | None) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _print(result: ReplayResult) -> None:
    for r in result.incidents:
        inc = r.tracked.incident
        typer.echo(
            f"{r.active.name:<28} {inc.subject:<16} opened {_iso(inc.opened_at)}  "
            f"max {r.tracked.max_level_name} at {_iso(r.tracked.max_level_at)}  "
            f"{inc.state.value} {_iso(inc.resolved_at)}"
        )
    for name, msg in result.errors.items():
        typer.echo(f"rule {name} not replayed: {msg}", err=True)
    typer.echo(f"{len(result.incidents)} incident(s) from {result.rules} rule(s)")


def _exposure(store: Store, result: ReplayResult) -> None:
    """Who each replayed warning would have reached: the exposure of its rule's warning
    area at the incident's peak (where the city has ward or facility layers)."""
    with store.read() as conn:
        for r in result.incidents:
            t = r.tracked
            exp = exposure_layers.for_rule(conn, r.active.name, r.active.org_id, t.peak_value)
            if exp is not None:
                typer.echo(
                    f"  exposure of {r.active.name} opened {_iso(t.incident.opened_at)} "
                    f"(peak {t.peak_value}): {exp['sentence']}"
                )


def replay_command(
    start: str = typer.Option(..., "--from", help="Start (ISO 8601; UTC if no zone)."),
    end: str = typer.Option(..., "--to", help="End (ISO 8601; UTC if no zone)."),
    rule: list[str] = typer.Option(None, "--rule", help="Only this rule (repeatable)."),
    record_: bool = typer.Option(False, "--record", help="Store the incidents (origin replay)."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Run the rules over stored history and list the incidents they would have raised."""
    t0, t1 = _when(start, "from"), _when(end, "to")
    if t1 <= t0:
        raise InvalidInput("to: must be after from", field="to")
    store = open_store(settings_from(database, config))
    try:
        result = replay(store, t0, t1, rule or None)
        _print(result)
        _exposure(store, result)
        if record_:
            ids = record(store, result)
            typer.echo(f"recorded {len(ids)} incident(s)")
    finally:
        store.close()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="rules")
    root.command("replay")(replay_command)
