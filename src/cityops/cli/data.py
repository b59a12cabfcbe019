"""``cityops import mrc|csv`` and ``cityops export observations|geojson``: files in and out.

Imports show a progress bar (rows, rate, time left) while reading and while storing; a
file with bad rows is rejected whole, with every bad line and its reason.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from cityops.auth.principal import SYSTEM
from cityops.cli.common import CONFIG_OPTION, DB_OPTION, open_store, settings_from
from cityops.errors import InvalidInput
from cityops.exports.geojson import stations_geojson
from cityops.exports.query import Selection, iter_observations
from cityops.exports.writers import csv_chunks, write_parquet
from cityops.imports.csvfile import CsvOptions
from cityops.imports.load import Outcome
from cityops.imports.reader import file_size
from cityops.imports.service import Hooks, import_csv, import_mrc

imports = typer.Typer(no_args_is_help=True, help="Import observations from files.")
exports = typer.Typer(no_args_is_help=True, help="Export observations and stations.")
TZ_MRC_HELP = (
    "How to read MRC timestamps (header says UTC+07:00, values end in Z): 'Z' "
    "(default) = the Z is true UTC; 'header' = wall time at the header's offset; "
    "or a zone (+07:00, Asia/Vientiane) = wall time in that zone."
)


@contextmanager
def _progress(path: Path) -> Iterator[Hooks]:
    """Hooks that drive a rich progress bar: bytes while reading, rows while storing."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        read = bar.add_task(f"reading {path.name}", total=file_size(path) or None, rate="")
        hooks = Hooks()
        state: dict[str, Any] = {}

        def on_read(n: int) -> None:
            bar.advance(read, n)

        def on_start(total: int) -> None:
            bar.update(read, completed=bar.tasks[read].total or 0)
            state["task"] = bar.add_task("storing", total=total, rate="")

        def on_stored(n: int) -> None:
            task = state["task"]
            bar.advance(task, n)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f} rows/s" if speed else "")

        hooks.read, hooks.store_start, hooks.stored = on_read, on_start, on_stored
        yield hooks


def _report(out: Outcome) -> None:
    typer.echo(
        f"Datastream {out.datastream}: {out.rows} row(s) in the file, {out.stored} "
        f"stored, {out.already} already there; first {out.first:%Y-%m-%dT%H:%M:%SZ}, "
        f"last {out.last:%Y-%m-%dT%H:%M:%SZ}"
        if out.rows
        else f"Datastream {out.datastream}: the file has no rows"
    )


@imports.command("mrc")
def import_mrc_cmd(
    file: Path = typer.Argument(..., help="MRC data portal CSV export."),
    datastream: int = typer.Option(None, "--datastream", help="Target datastream id."),
    station: str = typer.Option(
        None, "--station", help="MRC station code (finds the datastream by properties.mrc_code)."
    ),
    tz: str = typer.Option("Z", "--tz", help=TZ_MRC_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Import an MRC water-level export, whole or not at all; twice stores nothing twice."""
    store = open_store(settings_from(database, config))
    try:
        if quiet:
            out = import_mrc(store, file, datastream=datastream, station=station, tz=tz)
        else:
            with _progress(file) as hooks:
                out = import_mrc(
                    store, file, datastream=datastream, station=station, tz=tz, hooks=hooks
                )
    finally:
        store.close()
    _report(out)


@imports.command("csv")
def import_csv_cmd(
    file: Path = typer.Argument(..., help="Logger CSV export."),
    datastream: int = typer.Option(..., "--datastream", help="Target datastream id."),
    time: str = typer.Option(..., "--time", help="Time column: header name or 1-based number."),
    value: str = typer.Option(..., "--value", help="Value column: name or number."),
    tz: str = typer.Option(
        "UTC",
        "--tz",
        help="Zone of times written without an offset: UTC, +07:00 or an IANA name (Asia/Bangkok).",
    ),
    time_format: str = typer.Option(
        None, "--time-format", help="strptime format, or 'epoch' (default: ISO 8601)."
    ),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help="Values like 12,5."),
    delimiter: str = typer.Option(",", "--delimiter", help="Field separator (',' ';' 'tab')."),
    no_header: bool = typer.Option(False, "--no-header", help="The file has no header line."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Import one column of a logger CSV into a datastream (in the datastream's unit)."""
    opts = CsvOptions(time, value, tz, time_format, decimal_comma, delimiter, not no_header)
    store = open_store(settings_from(database, config))
    try:
        if quiet:
            out = import_csv(store, file, datastream, opts)
        else:
            with _progress(file) as hooks:
                out = import_csv(store, file, datastream, opts, hooks=hooks)
    finally:
        store.close()
    _report(out)


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name}: not an ISO 8601 time: {value!r}", field=name) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@exports.command("observations")
def export_observations(
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="File to write; '-' for stdout (CSV only). Format from the suffix: .csv or .parquet.",
    ),
    datastream: int = typer.Option(None, "--datastream", help="One datastream's observations."),
    path: str = typer.Option(
        None, "--path", help="SensorThings path, e.g. 'Things(3)/Datastreams(7)/Observations'."
    ),
    filter_: str = typer.Option(None, "--filter", help="SensorThings $filter."),
    orderby: str = typer.Option(None, "--orderby", help="SensorThings $orderby."),
    start: str = typer.Option(None, "--from", help="Phenomenon time from (ISO 8601)."),
    end: str = typer.Option(None, "--to", help="Phenomenon time before (ISO 8601)."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Export observations (all of them: no paging) as CSV or Parquet."""
    if (datastream is None) == (path is None):
        raise InvalidInput("give --datastream or --path", field="datastream")
    options = {k: v for k, v in (("$filter", filter_), ("$orderby", orderby)) if v}
    sel = Selection(
        path or f"Datastreams({datastream})/Observations",
        options,
        _when(start, "from"),
        _when(end, "to"),
    )
    store = open_store(settings_from(database, config))
    try:
        with store.read() as conn:
            chunks = iter_observations(conn, sel, SYSTEM)
            n = _write(output, chunks, sel)
    finally:
        store.close()
    typer.echo(f"{n} observation(s) written to {output}", err=True)


def _write(output: Path, chunks: Iterator[list[Any]], sel: Selection) -> int:
    if output.suffix.lower() == ".parquet":
        return write_parquet(chunks, output, {"cityops.path": sel.path})
    counted = [0]

    def counting() -> Iterator[list[Any]]:
        for rows in chunks:
            counted[0] += len(rows)
            yield rows

    if str(output) == "-":
        for piece in csv_chunks(counting()):
            sys.stdout.write(piece)
        return counted[0]
    with output.open("w", encoding="utf-8", newline="") as f:
        for piece in csv_chunks(counting()):
            f.write(piece)
    return counted[0]


@exports.command("geojson")
def export_geojson(
    output: Path = typer.Option(Path("-"), "--output", "-o", help="File ('-': stdout)."),
    database: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Stations (Things with a Location) and their datastreams' latest values as GeoJSON."""
    store = open_store(settings_from(database, config))
    try:
        with store.read() as conn:
            doc = stations_geojson(conn, SYSTEM)
    finally:
        store.close()
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    if str(output) == "-":
        sys.stdout.buffer.write(data + b"\n")
    else:
        output.write_bytes(data)
        typer.echo(f"{len(doc['features'])} feature(s) written to {output}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(imports, name="import")
    app.add_typer(exports, name="export")
