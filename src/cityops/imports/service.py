"""Import a file into a datastream: parse and check it all, then store it in one job."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cityops.auth.principal import SYSTEM, Principal
from cityops.errors import InvalidInput
from cityops.imports.csvfile import CsvOptions, read_csv
from cityops.imports.load import Outcome, Target, convert_units, find_target, import_job
from cityops.imports.mrc import read_mrc
from cityops.imports.reader import ByteProgress
from cityops.imports.rows import Rows
from cityops.store import schema as s
from cityops.store.base import Store


@dataclass
class Hooks:
    """Progress callbacks: bytes read while parsing, rows handled while storing."""

    read: ByteProgress | None = None
    store_start: Any = None  # called with the number of rows to store
    stored: Any = None  # called with the rows just stored


def _mrc_code(props: Any) -> str | None:
    code = (props or {}).get("mrc_code") if isinstance(props, dict) else None
    return str(code) if code else None


def datastream_of_station(store: Store, code: str) -> int:
    """The datastream whose properties name MRC station ``code`` (leading zeros optional)."""
    ds = s.datastreams
    with store.read() as conn:
        rows = conn.execute(
            select(ds.c.id, ds.c.properties).where(ds.c.properties.is_not(None)).order_by(ds.c.id)
        ).all()
    found = [
        int(r.id) for r in rows if (_mrc_code(r.properties) or "-").lstrip("0") == code.lstrip("0")
    ]
    if not found:
        raise InvalidInput(
            f"station: no datastream has properties.mrc_code {code!r}; give --datastream",
            field="station",
        )
    return found[0]


def _store(
    store: Store,
    target: Target,
    rows: Rows,
    path: Path,
    unit: str | None,
    principal: Principal,
    hooks: Hooks,
    fmt: str,
) -> Outcome:
    times, values = rows.finish(str(path))
    values = convert_units(values, unit, target)
    if hooks.store_start is not None:
        hooks.store_start(int(times.size))
    source = {"file": path.name, "format": fmt}
    job = import_job(target, times, values, principal, hooks.stored, source)
    return store.write_sync(job)


def import_mrc(
    store: Store,
    path: Path,
    *,
    datastream: int | None = None,
    station: str | None = None,
    tz: str = "Z",
    principal: Principal = SYSTEM,
    hooks: Hooks | None = None,
) -> Outcome:
    """Import an MRC portal export; the datastream is given, or found by station code
    (``station``, else the file's own)."""
    hooks = hooks or Hooks()
    parsed = read_mrc(path, tz, hooks.read)
    if datastream is None:
        datastream = datastream_of_station(store, station or parsed.station)
    elif station is not None and station.lstrip("0") != parsed.station.lstrip("0"):
        raise InvalidInput(
            f"station: the file is station {parsed.station}, not {station}", field="station"
        )
    target = find_target(store, datastream)
    return _store(store, target, parsed.rows, path, parsed.unit, principal, hooks, "mrc")


def import_csv(
    store: Store,
    path: Path,
    datastream: int,
    opts: CsvOptions,
    *,
    principal: Principal = SYSTEM,
    hooks: Hooks | None = None,
) -> Outcome:
    """Import a logger CSV into ``datastream`` (values in the datastream's unit)."""
    hooks = hooks or Hooks()
    target = find_target(store, datastream)
    rows = read_csv(path, opts, hooks.read)
    return _store(store, target, rows, path, None, principal, hooks, "csv")
