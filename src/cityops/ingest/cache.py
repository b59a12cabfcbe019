"""What ingest looks up on every write, kept in the writer thread between transactions:
each Datastream's access row (thing, organisation, visibility) and the
FeatureOfInterest made from each Thing's current Location.

Without it a single-observation POST costs four lookups before its one INSERT.

Filled only after a commit (``Tx.after_commit``), so a job that rolls back never leaves
an id behind. Emptied by the writer whenever a commit changed a Thing, Location,
HistoricalLocation, Datastream or FeatureOfInterest, and after ``TTL_SECONDS`` in any case:
writers in other processes (PostgreSQL with several workers) do not send us their events,
so what they change is seen within that time, like a revoked token (``auth.tokens``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from cityops.store.writer import Event, Tx

TTL_SECONDS = 5.0
WATCHED = frozenset({"Thing", "Location", "HistoricalLocation", "Datastream", "FeatureOfInterest"})

BBox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class FeatureRef:
    """A FeatureOfInterest as ingest needs it: id, bbox, and who may see it."""

    id: int
    bbox: BBox | None
    org_id: int | None
    visibility: str | None


class IngestCache:
    """Datastream rows by id and FeatureRefs by Thing id (writer thread only)."""

    def __init__(self) -> None:
        self._streams: dict[int, Any] = {}
        self._foi_of_thing: dict[int, FeatureRef] = {}
        self._expires = 0.0

    def _fresh(self) -> None:
        now = time.monotonic()
        if now >= self._expires:
            self.clear()
            self._expires = now + TTL_SECONDS

    def streams(self, ids: set[int]) -> dict[int, Any]:
        """The cached rows among ``ids``."""
        self._fresh()
        return {i: self._streams[i] for i in ids if i in self._streams}

    def foi_of_thing(self, thing_id: int) -> FeatureRef | None:
        self._fresh()
        return self._foi_of_thing.get(thing_id)

    def keep_streams(self, tx: Tx, rows: list[Any]) -> None:
        """Remember Datastream rows read by ``tx`` once (and if) it commits."""
        if rows:
            tx.after_commit.append(lambda: self._streams.update({r.id: r for r in rows}))

    def keep_foi(self, tx: Tx, thing_id: int, ref: FeatureRef) -> None:
        """Remember the FeatureOfInterest of a Thing once (and if) ``tx`` commits."""
        tx.after_commit.append(lambda: self._foi_of_thing.__setitem__(thing_id, ref))

    def clear(self) -> None:
        self._streams.clear()
        self._foi_of_thing.clear()

    def observe(self, events: list[Event]) -> None:
        """Writer hook: a commit changed entities these caches are made from."""
        if any(e.entity in WATCHED for e in events):
            self.clear()


def ingest_cache(tx: Tx) -> IngestCache:
    """The writer's ingest cache."""
    return tx.state.get("ingest", IngestCache)
