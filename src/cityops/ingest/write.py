"""Store a batch of observations: the single place where observations are written.

Runs inside a write job (one savepoint of a group commit). Checks the datastreams and
the caller's right to write to them, makes or reuses FeaturesOfInterest, inserts all
rows at once, keeps each Datastream's derived times, observed area and latest value up
to date (a ``DatastreamDelta`` per datastream, applied by the writer just before the
commit with one atomic UPDATE each: safe with several writers), and emits one event per
datastream for the hazard engine, live views and MQTT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select

from cityops.auth.policy import check_observation_write, sees_row
from cityops.auth.principal import ANONYMOUS, Principal
from cityops.datamodel.observation import ObservationIn
from cityops.errors import InvalidInput
from cityops.ingest.cache import ingest_cache
from cityops.ingest.derived import DatastreamDelta
from cityops.ingest.foi import FeatureResolver
from cityops.store import schema as s
from cityops.store.dialect import DefersInserts
from cityops.store.writer import Tx


@dataclass
class Stored:
    """What ``store_batch`` wrote."""

    ids: list[int]  # the id of each observation given (an earlier one's for a duplicate)
    rows: list[dict[str, Any]]  # the inserted rows, with their "id", as a read returns them
    streams: dict[int, Any]  # Datastream access rows (id, thing_id, org_id, visibility)


def store_observations(tx: Tx, batch: Sequence[ObservationIn], principal: Principal) -> list[int]:
    """Insert ``batch``; return the id of each observation (an earlier one's for a duplicate)."""
    return store_batch(tx, batch, principal).ids


def store_batch(
    tx: Tx, batch: Sequence[ObservationIn], principal: Principal, *, defer: bool = False
) -> Stored:
    """Insert ``batch``; the ids, the new rows (to answer without reading them back) and
    the Datastreams they went to. ``defer``: the job reads none of these rows back, so
    their INSERT may wait for the end of the group commit (see ``_insert``)."""
    if not batch:
        return Stored([], [], {})
    streams = _datastreams(tx, {o.datastream_id for o in batch}, principal)
    ids: list[int | None] = [None] * len(batch)
    todo, repeats = _skip_duplicates(tx, batch, ids)
    features = FeatureResolver(tx, principal)
    rows = []
    # The feature made from a datastream's Thing, once per datastream: resolving it again
    # for each row of a bulk request gives the same id (1 us per row, py-spy --gil).
    of_thing: dict[int, int] = {}
    for i in todo:
        obs = batch[i]
        plain = obs.foi_new is None and obs.foi_id is None
        foi = of_thing.get(obs.datastream_id) if plain else None
        if foi is None:
            foi = features.resolve(obs, streams[obs.datastream_id], f"Observation[{i}]")
            if plain:
                of_thing[obs.datastream_id] = foi
        rows.append(_row(obs, foi))
    defer = defer and not any(batch[i].receipt is not None for i in todo)
    new_ids = _insert(tx, rows, defer)
    for i, new_id in zip(todo, new_ids, strict=True):
        ids[i] = new_id
    for i, first in repeats.items():
        ids[i] = ids[first]
    for row, new_id in zip(rows, new_ids, strict=True):
        row["id"] = new_id
    _receipts(tx, batch, todo, new_ids)
    _update_datastreams(tx, [batch[i] for i in todo], new_ids, rows, streams, features)
    return Stored([int(i) for i in ids if i is not None], rows, streams)


DEFER_MAX = 64  # rows a job may leave to the flush before the commit (see _insert)


def _insert(tx: Tx, rows: list[dict[str, Any]], defer: bool) -> list[int]:
    """Insert the rows now, or - where the caller allows it (its job reads none of them
    back; rows with receipt keys never: their receipts refer to them), the dialect
    reserves ids ahead (PostgreSQL) and the writer allows it - give them reserved ids and
    leave the INSERT to one statement for the whole group commit, just before it commits
    (``PendingRows``). If that statement fails (a later job of the commit deleted the
    Datastream), the writer runs the commit again job by job with immediate inserts, so a
    job still fails alone."""
    dialect = tx.dialect
    if (
        not defer
        or not tx.defer_inserts
        or not getattr(dialect, "defers_inserts", False)
        or not 0 < len(rows) < DEFER_MAX
    ):
        return list(dialect.bulk_insert(tx.conn, s.observations, rows, returning=True))
    ids = cast(DefersInserts, dialect).take_ids(tx.conn, s.observations, len(rows))
    tx.defer(("rows", 0), PendingRows([{"id": i, **r} for i, r in zip(ids, rows, strict=True)]))
    return ids


class PendingRows:
    """Observation rows with reserved ids, inserted by one statement per group commit."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def merge(self, other: PendingRows) -> None:
        self.rows.extend(other.rows)

    def flush(self, conn: Any, dialect: Any) -> None:
        dialect.bulk_insert(conn, s.observations, self.rows, returning=False)


def _datastreams(tx: Tx, wanted: set[int], principal: Principal) -> dict[int, Any]:
    """Access rows of the wanted Datastreams (cached between commits); InvalidInput for
    one that does not exist or ``principal`` may not see, Forbidden if not writable."""
    cache = ingest_cache(tx)
    found = cache.streams(wanted)
    missing = wanted - found.keys()
    if missing:
        ds = s.datastreams
        rows = list(
            tx.conn.execute(
                select(ds.c.id, ds.c.thing_id, ds.c.org_id, ds.c.visibility).where(
                    ds.c.id.in_(sorted(missing))
                )
            )
        )
        cache.keep_streams(tx, rows)
        found.update({r.id: r for r in rows})
    for ds_id in sorted(wanted):
        row = found.get(ds_id)
        if row is None or not sees_row(principal, row.org_id, row.visibility):
            raise InvalidInput(
                f"Observation.Datastream: Datastream {ds_id} does not exist", field="Datastream"
            )
        check_observation_write(principal, row)
    return found


def _skip_duplicates(
    tx: Tx, batch: Sequence[ObservationIn], ids: list[int | None]
) -> tuple[list[int], dict[int, int]]:
    """The indexes to insert, and {index: index of its first copy} for repeats in the batch.

    Observations whose receipt key was stored before get that earlier id in ``ids``.
    """
    keyed = {o.receipt: i for i, o in enumerate(batch) if o.receipt is not None}
    if not keyed:
        return list(range(len(batch))), {}
    r = s.ingest_receipts
    seen: dict[tuple[str, str], int] = {}
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, key in keyed:
        by_source[source].append(key)
    # source = ? AND key IN (...): SQLite searches the primary key for that, but scans the
    # whole table for a row-value IN ((source, key), ...).
    for source, keys in by_source.items():
        for start in range(0, len(keys), 500):
            q = select(r.c.key, r.c.observation_id).where(
                r.c.source == source, r.c.key.in_(keys[start : start + 500])
            )
            seen.update({(source, row.key): row.observation_id for row in tx.conn.execute(q)})
    todo: list[int] = []
    first_of: dict[tuple[str, str], int] = {}
    repeats: dict[int, int] = {}
    for i, obs in enumerate(batch):
        if obs.receipt in seen:
            ids[i] = seen[obs.receipt]
        elif obs.receipt is not None and obs.receipt in first_of:
            repeats[i] = first_of[obs.receipt]  # the same key twice in one batch
        else:
            if obs.receipt is not None:
                first_of[obs.receipt] = i
            todo.append(i)
    return todo, repeats


def _receipts(tx: Tx, batch: Sequence[ObservationIn], todo: list[int], ids: list[int]) -> None:
    keyed = [(batch[i].receipt, new_id) for i, new_id in zip(todo, ids, strict=True)]
    rows = [
        {"source": receipt[0], "key": receipt[1], "observation_id": new_id}
        for receipt, new_id in keyed
        if receipt is not None
    ]
    tx.dialect.bulk_insert(tx.conn, s.ingest_receipts, rows, returning=False)


def _row(obs: ObservationIn, foi: int) -> dict[str, Any]:
    row = {
        "datastream_id": obs.datastream_id,
        "feature_of_interest_id": foi,
        "phenomenon_time_start": obs.phenomenon_start,
        "phenomenon_time_end": obs.phenomenon_end,
        "result_time": obs.result_time,
        "result_number": obs.result_number,
        "result_json": obs.result_json,
        "result_quality": obs.result_quality,
        "valid_time_start": obs.valid_start,
        "valid_time_end": obs.valid_end,
        "parameters": obs.parameters,
    }
    if obs.id is not None:  # reserved before it was acknowledged (cluster/ids.py)
        row["id"] = obs.id
    return row


def _update_datastreams(
    tx: Tx,
    batch: Sequence[ObservationIn],
    ids: Sequence[int],
    rows: Sequence[dict[str, Any]],
    streams: dict[int, Any],
    features: FeatureResolver,
) -> None:
    """One delta and one event per datastream. Grouped by index lists, not by a tuple per
    row: a batch is mostly one datastream, and the tuples (with the collections they set
    off) were 13 % of a 300,000-row CSV import's samples (py-spy --gil)."""
    ds_ids = [o.datastream_id for o in batch]
    groups: dict[int, list[int]]
    if len(set(ds_ids)) == 1:
        groups = {ds_ids[0]: list(range(len(batch)))}
    else:
        groups = defaultdict(list)
        for i, ds_id in enumerate(ds_ids):
            groups[ds_id].append(i)
    whole = len(groups) == 1
    for ds_id, index in groups.items():
        obs = list(batch) if whole else [batch[i] for i in index]
        new_ids = list(ids) if whole else [ids[i] for i in index]
        _update_one(tx, ds_id, obs, new_ids, features.bbox_of_datastream(ds_id))
        stream = streams[ds_id]
        tx.emit(
            "created",
            "Observation",
            ds_id,
            ids=new_ids,
            times=[o.phenomenon_start for o in obs],
            results=[
                o.result_number if o.result_number is not None else o.result_json for o in obs
            ],
            # the new rows as a read returns them, and whether the public may read them:
            # notifications are rendered from these instead of reading the rows back
            rows=list(rows) if whole else [rows[i] for i in index],
            public=sees_row(ANONYMOUS, stream.org_id, stream.visibility),
            org_id=stream.org_id,  # the event log's subject (cityops.events.codec)
        )


def _update_one(
    tx: Tx,
    ds_id: int,
    obs: list[ObservationIn],
    ids: list[int],
    bbox: tuple[float, float, float, float] | None,
) -> None:
    starts = [o.phenomenon_start for o in obs]
    latest_time = max(starts)
    # the latest is the greatest (phenomenon time, id)
    latest_at = max(
        (i for i, when in enumerate(starts) if when == latest_time), key=ids.__getitem__
    )
    result_times = [o.result_time for o in obs if o.result_time is not None]
    tx.defer(
        ("datastream", ds_id),
        DatastreamDelta(
            ds_id=ds_id,
            phenomenon_start=min(starts),
            phenomenon_end=max(o.phenomenon_end or o.phenomenon_start for o in obs),
            latest_time=latest_time,
            latest_id=ids[latest_at],
            latest_result=obs[latest_at].result_number,
            result_start=min(result_times, default=None),
            result_end=max(result_times, default=None),
            bbox=bbox,
        ),
    )
