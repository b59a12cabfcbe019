"""Store parsed rows in ONE write job through ``store_observations`` (whole or nothing).

Rows go in chunks, so that a ten-million-row file never holds ten million Python objects;
all chunks are in the same transaction. Each observation carries the receipt
``("import", "<datastream>@<epoch µs>")``: a row imported before (by any import) is not
stored again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from cityops.auth import audit
from cityops.auth.principal import Principal
from cityops.datamodel.observation import ObservationIn
from cityops.errors import InvalidInput
from cityops.imports.timezones import from_epoch_us
from cityops.ingest.write import store_batch
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Event, Tx

RECEIPT_SOURCE = "import"
CHUNK = 20_000
EVENT_KEEP = 5_000  # newest observations per datastream kept in the commit's event

Progress = Callable[[int], None]  # called with the number of rows just handled


@dataclass(frozen=True)
class Target:
    """The datastream a file goes to, and its unit (UCUM symbol)."""

    id: int
    name: str
    unit: str
    org_id: int | None = None  # for the audit row


@dataclass(frozen=True)
class Outcome:
    """What an import did."""

    datastream: int
    rows: int  # good rows in the file (exact repeats excluded)
    stored: int  # observations inserted now
    already: int  # rows stored by an earlier import (receipt found)
    first: Any  # datetime of the first and last row
    last: Any


def receipt_key(ds_id: int, time_us: int) -> str:
    """The receipt key of an imported observation."""
    return f"{ds_id}@{time_us}"


def find_target(store: Store, ds_id: int) -> Target:
    """The datastream ``ds_id`` (InvalidInput if it does not exist)."""
    ds = s.datastreams
    with store.read() as conn:
        row = conn.execute(
            select(ds.c.id, ds.c.name, ds.c.unit_of_measurement, ds.c.org_id).where(
                ds.c.id == ds_id
            )
        ).first()
    if row is None:
        raise InvalidInput(f"datastream: Datastream {ds_id} does not exist", field="datastream")
    unit = str((row.unit_of_measurement or {}).get("symbol", ""))
    return Target(int(row.id), row.name, unit, row.org_id)


def convert_units(values: np.ndarray, file_unit: str | None, target: Target) -> np.ndarray:
    """``values`` from the file's unit to the datastream's (InvalidInput if impossible)."""
    if not file_unit or not target.unit or file_unit == target.unit:
        return values
    from cityops.rules.units import converter  # pint: loaded only when units differ

    return np.asarray(converter(file_unit, target.unit, field="unit")(values), dtype=np.float64)


def import_job(
    target: Target,
    times: np.ndarray,
    values: np.ndarray,
    principal: Principal,
    progress: Progress | None = None,
    source: dict[str, Any] | None = None,
) -> Callable[[Tx], Outcome]:
    """The write job that stores ``times``/``values`` (sorted, µs UTC) in ``target``, with
    its audit row (``source`` describes the file: name, format)."""

    def job(tx: Tx) -> Outcome:
        stored = 0
        for start in range(0, times.size, CHUNK):
            t = times[start : start + CHUNK].tolist()
            v = values[start : start + CHUNK].tolist()
            batch = [
                ObservationIn(
                    target.id,
                    from_epoch_us(us),
                    result_number=x,
                    receipt=(RECEIPT_SOURCE, receipt_key(target.id, us)),
                )
                for us, x in zip(t, v, strict=True)
            ]
            mark = len(tx.events)
            stored += len(store_batch(tx, batch, principal).rows)
            _coalesce(tx, mark)
            if progress is not None:
                progress(len(batch))
        first = from_epoch_us(int(times[0])) if times.size else None
        last = from_epoch_us(int(times[-1])) if times.size else None
        detail = {**(source or {}), "rows": int(times.size), "stored": stored}
        audit.record(tx, principal, "import", "Observation", target.id, detail, None, target.org_id)
        return Outcome(target.id, int(times.size), stored, int(times.size) - stored, first, last)

    return job


def _coalesce(tx: Tx, mark: int) -> None:
    """Merge the Observation events of this chunk into the import's one event per
    datastream, keeping its newest ``EVENT_KEEP`` observations (live views and the hazard
    engine need the recent end of an import, not ten million ids in memory)."""
    merged: dict[int, Event] = {}
    rest: list[Event] = []
    for e in tx.events:
        if e.kind == "created" and e.entity == "Observation":
            into = merged.get(e.id)
            if into is None:
                merged[e.id] = Event(
                    e.kind,
                    e.entity,
                    e.id,
                    {k: list(v) if isinstance(v, list) else v for k, v in e.data.items()},
                )
                continue
            for key, value in e.data.items():  # ids, times, results, rows: one per obs
                if isinstance(value, list):
                    into.data[key] = (into.data.get(key, []) + value)[-EVENT_KEEP:]
        else:
            rest.append(e)
    if len(tx.events) > mark:
        tx.events[:] = rest + list(merged.values())
