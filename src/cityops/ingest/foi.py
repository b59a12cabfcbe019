"""FeaturesOfInterest for incoming observations: given, created inline, or made from the
Thing's current Location (and reused for later observations at that Location)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from cityops.auth.policy import sees_row, visible
from cityops.auth.principal import Principal
from cityops.datamodel.entities import BY_NAME
from cityops.datamodel.observation import ObservationIn
from cityops.datamodel.rows import row_values
from cityops.errors import InvalidInput
from cityops.ingest.cache import FeatureRef, ingest_cache
from cityops.store import schema as s
from cityops.store.writer import Tx

BBox = tuple[float, float, float, float]
_FOI = s.features_of_interest


def _merge(a: BBox | None, b: BBox | None) -> BBox | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


class FeatureResolver:
    """Resolves the FeatureOfInterest of each observation of one batch (with caches)."""

    def __init__(self, tx: Tx, principal: Principal) -> None:
        self.tx = tx
        self.principal = principal
        self._bbox_of_foi: dict[int, BBox | None] = {}
        self._foi_of_thing: dict[int, int] = {}
        self._ds_bbox: dict[int, BBox | None] = {}
        self._merged: set[tuple[int, int]] = set()  # (datastream, feature) already merged
        self._restricted: set[int] = set()  # features only their organisation may read

    def resolve(self, obs: ObservationIn, stream: Any, field: str) -> int:
        if obs.foi_new is not None:
            foi = self._create(obs.foi_new, stream, f"{field}.FeatureOfInterest")
        elif obs.foi_id is not None:
            foi = self._check(obs.foi_id, f"{field}.FeatureOfInterest")
        else:
            foi = self._of_thing(stream.thing_id, field)
        pair = (stream.id, foi)
        if pair not in self._merged:  # a batch is mostly one feature per datastream
            self._merged.add(pair)
            # A restricted feature does not widen a public datastream's observedArea:
            # that would publish the restricted coordinates.
            if foi not in self._restricted or stream.visibility != "public":
                box = self._bbox_of_foi[foi]
                self._ds_bbox[stream.id] = _merge(self._ds_bbox.get(stream.id), box)
        return foi

    def bbox_of_datastream(self, ds_id: int) -> BBox | None:
        """The bounding box of the features this batch used for a datastream."""
        return self._ds_bbox.get(ds_id)

    def _check(self, foi_id: int, field: str) -> int:
        if foi_id in self._bbox_of_foi:
            return foi_id
        f = _FOI.c
        q = select(f.id, f.bbox_minx, f.bbox_miny, f.bbox_maxx, f.bbox_maxy, f.visibility).where(
            f.id == foi_id
        )
        cond = visible("FeatureOfInterest", _FOI, self.principal)
        row = self.tx.conn.execute(q.where(cond) if cond is not None else q).first()
        if row is None:
            raise InvalidInput(f"{field}: FeatureOfInterest {foi_id} does not exist", field=field)
        self._bbox_of_foi[foi_id] = None if row[1] is None else (row[1], row[2], row[3], row[4])
        if row.visibility != "public":
            self._restricted.add(foi_id)
        return foi_id

    def _create(
        self, body: dict[str, Any], stream: Any, field: str, location_id: int | None = None
    ) -> int:
        values = row_values(BY_NAME["FeatureOfInterest"], body, field, partial=False)
        values.update(location_id=location_id, org_id=stream.org_id, visibility=stream.visibility)
        foi_id = self.tx.conn.execute(
            insert(_FOI).values(**values).returning(_FOI.c.id)
        ).scalar_one()
        self._bbox_of_foi[foi_id] = (
            values["bbox_minx"],
            values["bbox_miny"],
            values["bbox_maxx"],
            values["bbox_maxy"],
        )
        self.tx.emit("created", "FeatureOfInterest", foi_id)
        return int(foi_id)

    def _of_thing(self, thing_id: int, field: str) -> int:
        if thing_id in self._foi_of_thing:
            return self._foi_of_thing[thing_id]
        cache = ingest_cache(self.tx)
        ref, made = cache.foi_of_thing(thing_id), False
        if ref is None:
            ref, made = self._from_location(thing_id, field)
            cache.keep_foi(self.tx, thing_id, ref)
        # One made just now is the caller's own; an existing one must be visible to them.
        if not made and not sees_row(self.principal, ref.org_id, ref.visibility):
            raise InvalidInput(f"{field}: FeatureOfInterest {ref.id} does not exist", field=field)
        self._bbox_of_foi[ref.id] = ref.bbox
        if ref.visibility != "public":
            self._restricted.add(ref.id)
        self._foi_of_thing[thing_id] = ref.id
        return ref.id

    def _from_location(self, thing_id: int, field: str) -> tuple[FeatureRef, bool]:
        """The FeatureOfInterest of the Thing's current Location, made if there is none
        yet; and whether it was made now."""
        tl, loc = s.thing_locations, s.locations
        location = self.tx.conn.execute(
            select(loc)
            .join(tl, tl.c.location_id == loc.c.id)
            .where(tl.c.thing_id == thing_id)
            .order_by(loc.c.id.desc())
            .limit(1)
        ).first()
        if location is None:
            raise InvalidInput(
                f"{field}.FeatureOfInterest: missing, and Thing {thing_id} has no Location "
                "to make one from",
                field="FeatureOfInterest",
            )
        f = _FOI.c
        existing = self.tx.conn.execute(
            select(f.id, f.bbox_minx, f.bbox_miny, f.bbox_maxx, f.bbox_maxy, f.org_id, f.visibility)
            .where(f.location_id == location.id)
            .limit(1)
        ).first()
        if existing is not None:
            bbox = None if existing[1] is None else tuple(existing[1:5])
            return FeatureRef(
                int(existing.id),
                bbox,
                existing.org_id,
                existing.visibility,
            ), False
        body = {
            "name": location.name,
            "description": location.description,
            "encodingType": location.encoding_type,
            "feature": location.location,
        }
        foi = self._create(body, location, field, location_id=location.id)
        return FeatureRef(foi, self._bbox_of_foi[foi], location.org_id, location.visibility), True
