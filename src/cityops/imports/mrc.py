"""The Mekong River Commission data portal's CSV export.

Columns: ``Country Code, Station Code, Parameter, Label, Timestamp (UTC+07:00), Value,
Unit, Observed or Estimated, Approval Level, Grade``. One station and parameter per file.

Time zone, made explicit (``tz``): the header says UTC+07:00 but every value ends in
``Z``. Default ``"Z"``: the ``Z`` is true UTC (the first Pakse value, 1959-12-31T17:00Z, is
then local midnight of 1960-01-01, which fits daily readings). ``"header"``: the digits are
wall time at the header's offset and the ``Z`` is wrong. Any other zone (``+07:00``,
``Asia/Vientiane``): the digits are wall time in that zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path

from cityops.errors import InvalidInput
from cityops.imports.reader import ByteProgress, numbered_rows, open_text
from cityops.imports.rows import Rows
from cityops.imports.timezones import TimeParser, iso_parser, offset_of_header, parse_zone

REQUIRED = ("Station Code", "Parameter", "Value", "Unit")
TRUE_UTC = ("z", "utc")


@dataclass
class MrcFile:
    """What the file says about itself, and its rows."""

    station: str
    parameter: str
    unit: str
    header_zone: str
    rows: Rows


def time_parser(tz: str, header_zone: tzinfo | None) -> TimeParser:
    """The timestamp parser for the ``tz`` choice (see the module docstring)."""
    if tz.strip().lower() in TRUE_UTC:
        return iso_parser(UTC)
    if tz.strip().lower() == "header":
        if header_zone is None:
            raise InvalidInput("tz: the Timestamp column names no UTC offset", field="tz")
        return iso_parser(header_zone, override=True)
    return iso_parser(parse_zone(tz), override=True)


def _columns(header: list[str]) -> dict[str, int]:
    cols = {name.strip(): i for i, name in enumerate(header)}
    stamp = [name for name in cols if name.startswith("Timestamp")]
    missing = [c for c in REQUIRED if c not in cols] + ([] if stamp else ["Timestamp (...)"])
    if missing:
        raise InvalidInput(
            f"line 1: not an MRC export: missing column(s) {', '.join(missing)}", field="file"
        )
    cols["Timestamp"] = cols[stamp[0]]
    return cols


def read_mrc(path: Path, tz: str = "Z", progress: ByteProgress | None = None) -> MrcFile:
    """Parse and check an MRC export (does not raise for bad rows: see ``Rows.finish``)."""
    with open_text(path) as f:
        rows = numbered_rows(f, ",", progress)
        try:
            _, header = next(rows)
        except StopIteration:
            raise InvalidInput(f"{path}: empty file", field="file") from None
        cols = _columns(header)
        zone_text = header[cols["Timestamp"]].strip()
        parse = time_parser(tz, offset_of_header(zone_text))
        out = MrcFile("", "", "", zone_text, Rows())
        for line, fields in rows:
            _row(out, cols, parse, line, fields, len(header))
    if not out.station and not out.rows.problems:
        raise InvalidInput(f"{path}: no data rows", field="file")
    return out


def _row(
    out: MrcFile, cols: dict[str, int], parse: TimeParser, line: int, fields: list[str], width: int
) -> None:
    rows = out.rows
    if not fields or (len(fields) == 1 and not fields[0].strip()):
        rows.blank += 1
        return
    if len(fields) != width:
        rows.bad(line, f"{len(fields)} fields, the header has {width}")
        return
    meta = (
        fields[cols["Station Code"]].strip(),
        fields[cols["Parameter"]].strip(),
        fields[cols["Unit"]].strip(),
    )
    if not out.station:
        out.station, out.parameter, out.unit = meta
    elif meta != (out.station, out.parameter, out.unit):
        rows.bad(
            line,
            f"station/parameter/unit {'/'.join(meta)} differs from the first row's "
            f"{out.station}/{out.parameter}/{out.unit}",
        )
        return
    stamp, text = fields[cols["Timestamp"]], fields[cols["Value"]]
    try:
        when = parse(stamp)
    except ValueError as exc:
        rows.bad(line, f"timestamp {stamp!r}: {exc}")
        return
    try:
        value = float(text)
    except ValueError:
        rows.bad(line, f"value {text!r} is not a number")
        return
    if not math.isfinite(value):
        rows.bad(line, f"value {text!r} is not a finite number")
        return
    rows.add(line, when, value)
