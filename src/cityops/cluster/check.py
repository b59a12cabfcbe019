"""What a client must be told before its write is acknowledged through the log.

``ingest.write.store_observations`` checks the same things again when the consumer stores
the write; here they are checked first, on a read connection, because an acknowledged
write can no longer be refused: the Datastream exists and the caller sees it, the caller
may write observations to it, and a FeatureOfInterest named by id exists and is visible.
Datastream rows are cached for ``CACHE_SECONDS`` (a Datastream deleted meanwhile is caught
by the consumer, which then drops the write and logs it: see ``ingest.Consumer``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.policy import check_observation_write, sees_row, visible
from cityops.auth.principal import Principal
from cityops.datamodel.observation import ObservationIn
from cityops.errors import CityOpsError, InvalidInput
from cityops.store import schema as s

CACHE_SECONDS = 2.0


class Checker:
    def __init__(self) -> None:
        self._streams: dict[int, tuple[float, Any]] = {}

    def needs_database(self, batch: list[ObservationIn]) -> bool:
        """Whether ``check`` must read (a Datastream not cached, a FeatureOfInterest named):
        the common POST to a known Datastream is checked without a connection."""
        now = time.monotonic()
        for o in batch:
            hit = self._streams.get(o.datastream_id)
            if hit is None or hit[0] <= now or (o.foi_id is not None and o.foi_new is None):
                return True
        return False

    def streams(self, conn: Connection | None, wanted: Iterable[int]) -> dict[int, Any]:
        """Datastream access rows (id, thing_id, org_id, visibility) of ``wanted``."""
        now = time.monotonic()
        found: dict[int, Any] = {}
        for i in wanted:
            hit = self._streams.get(i)
            if hit is not None and hit[0] > now:
                found[i] = hit[1]
        missing = sorted(set(wanted) - found.keys())
        if missing:
            if conn is None:
                raise RuntimeError("Checker.streams: rows missing and no connection given")
            ds = s.datastreams
            q = select(ds.c.id, ds.c.thing_id, ds.c.org_id, ds.c.visibility)
            for row in conn.execute(q.where(ds.c.id.in_(missing))):
                found[row.id] = row
                self._streams[row.id] = (now + CACHE_SECONDS, row)
            if len(self._streams) > 100_000:
                self._streams.clear()
        return found

    def check(
        self, conn: Connection | None, batch: list[ObservationIn], principal: Principal
    ) -> list[CityOpsError | None]:
        """None for each writable observation, else why not: InvalidInput (no such
        Datastream or FeatureOfInterest), Unauthorized or Forbidden (may not write)."""
        rows = self.streams(conn, {o.datastream_id for o in batch})
        errors: list[CityOpsError | None] = []
        for o in batch:
            row = rows.get(o.datastream_id)
            if row is None or not sees_row(principal, row.org_id, row.visibility):
                errors.append(
                    InvalidInput(
                        f"Observation.Datastream: Datastream {o.datastream_id} does not exist",
                        field="Datastream",
                    )
                )
                continue
            try:
                check_observation_write(principal, row)
            except CityOpsError as exc:
                errors.append(exc)
                continue
            errors.append(None)
        fois = {o.foi_id for o in batch if o.foi_id is not None and o.foi_new is None}
        if fois:
            assert conn is not None, "needs_database: a FeatureOfInterest is named"
            f = s.features_of_interest
            q = select(f.c.id).where(f.c.id.in_(sorted(fois)))
            cond = visible("FeatureOfInterest", f, principal)
            seen = {r.id for r in conn.execute(q.where(cond) if cond is not None else q)}
            for i, o in enumerate(batch):
                if errors[i] is None and o.foi_id is not None and o.foi_id not in seen:
                    errors[i] = InvalidInput(
                        f"Observation.FeatureOfInterest: FeatureOfInterest {o.foi_id} "
                        "does not exist",
                        field="FeatureOfInterest",
                    )
        return errors
