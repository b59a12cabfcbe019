"""Generic logger CSV exports: a time column and a value column, chosen by name or number.

Options: ``tz`` for times without an offset (times with one keep it), ``time_format`` (a
strptime format, or ``epoch`` for Unix seconds; default ISO 8601), ``decimal_comma``
(``12,5``), ``delimiter``. Blank lines are skipped; a row that repeats an earlier one exactly
is skipped; anything else that cannot be read is a bad row with its line number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cityops.errors import InvalidInput
from cityops.imports.reader import ByteProgress, numbered_rows, open_text
from cityops.imports.rows import Rows
from cityops.imports.timezones import TimeParser, iso_parser, parse_zone


@dataclass(frozen=True)
class CsvOptions:
    """How to read a logger file."""

    time: str  # column name, or 1-based number
    value: str
    tz: str = "UTC"
    time_format: str | None = None
    decimal_comma: bool = False
    delimiter: str = ","
    header: bool = True  # the first non-blank line names the columns


def _index(spec: str, header: list[str] | None, what: str) -> int:
    names = [h.strip() for h in header] if header is not None else []
    if spec in names:
        return names.index(spec)
    if spec.isdigit() and int(spec) >= 1:
        return int(spec) - 1
    known = f" (columns: {', '.join(names)})" if names else ""
    raise InvalidInput(f"{what}: no column {spec!r}{known}", field=what)


def _delimiter(value: str) -> str:
    value = {"\\t": "\t", "tab": "\t"}.get(value, value)
    if len(value) != 1:
        raise InvalidInput("delimiter: must be one character (or 'tab')", field="delimiter")
    return value


def read_csv(path: Path, opts: CsvOptions, progress: ByteProgress | None = None) -> Rows:
    """Parse a logger CSV (does not raise for bad rows: see ``Rows.finish``)."""
    if opts.decimal_comma and opts.delimiter == ",":
        raise InvalidInput(
            "delimiter: with --decimal-comma, choose another delimiter (e.g. ';')",
            field="delimiter",
        )
    parse = iso_parser(parse_zone(opts.tz), fmt=opts.time_format)
    out = Rows()
    with open_text(path) as f:
        rows = numbered_rows(f, _delimiter(opts.delimiter), progress)
        header: list[str] | None = None
        cols: tuple[int, int] | None = None
        for line, fields in rows:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                out.blank += 1
                continue
            if cols is None:
                header = fields if opts.header else None
                cols = (_index(opts.time, header, "time"), _index(opts.value, header, "value"))
                if opts.header:
                    continue
            _row(out, parse, cols, opts.decimal_comma, line, fields)
    return out


def _row(
    out: Rows, parse: TimeParser, cols: tuple[int, int], comma: bool, line: int, fields: list[str]
) -> None:
    t, v = cols
    if len(fields) <= max(t, v):
        out.bad(line, f"{len(fields)} field(s): no column {max(t, v) + 1}")
        return
    stamp, text = fields[t].strip(), fields[v].strip()
    try:
        when = parse(stamp)
    except (ValueError, OverflowError) as exc:
        out.bad(line, f"time {stamp!r}: {exc}")
        return
    if comma:
        text = text.replace(".", "").replace(",", ".") if "," in text else text
    try:
        value = float(text)
    except ValueError:
        out.bad(line, f"value {text!r} is not a number" if text else "no value")
        return
    if not math.isfinite(value):
        out.bad(line, f"value {text!r} is not a finite number")
        return
    out.add(line, when, value)
