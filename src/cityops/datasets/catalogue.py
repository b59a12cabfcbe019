"""The datasets and dataset_features tables: store an import in one transaction, and
read the catalogue with the same visibility rules as every other owned entity."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.errors import Conflict, InvalidInput, NotFound
from cityops.store import schema as s
from cityops.store.writer import Tx

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VISIBILITIES = ("public", "restricted")
BATCH = 1000


@dataclass
class Metadata:
    """What a publisher says about a dataset (DCAT terms in brackets)."""

    slug: str  # the collection id in /ogc
    title: str  # dct:title
    description: str = ""  # dct:description
    publisher: str | None = None  # dct:publisher
    licence: str | None = None  # dct:license
    source: str | None = None  # dct:source
    keywords: list[str] = field(default_factory=list)  # dcat:keyword
    temporal_start: datetime | None = None  # dct:temporal
    temporal_end: datetime | None = None
    update_frequency: str | None = None  # dct:accrualPeriodicity
    visibility: str = "public"

    def check(self) -> None:
        if not SLUG.match(self.slug):
            raise InvalidInput(
                "slug: lower-case letters, digits, '-' and '_' (at most 64)", field="slug"
            )
        if self.slug == "catalogue":  # the Records collection of /ogc
            raise InvalidInput("slug 'catalogue' is reserved", field="slug")
        if not self.title.strip():
            raise InvalidInput("title is required", field="title")
        if self.visibility not in VISIBILITIES:
            raise InvalidInput("visibility must be public or restricted", field="visibility")
        if self.temporal_start and self.temporal_end and self.temporal_start > self.temporal_end:
            raise InvalidInput("temporal_start is after temporal_end", field="temporal_start")


@dataclass
class CleanFeature:
    geometry: BaseGeometry | None
    properties: dict[str, Any]
    when: datetime | None = None


def store_dataset(tx: Tx, meta: Metadata, org_id: int | None, features: list[CleanFeature]) -> int:
    """Insert the dataset and all its features (the writer's transaction: all or none)."""
    conn = tx.conn
    if conn.execute(select(s.datasets.c.id).where(s.datasets.c.slug == meta.slug)).first():
        raise Conflict(f"a dataset {meta.slug!r} exists already", field="slug")
    bounds = [f.geometry.bounds for f in features if f.geometry is not None]
    kinds = sorted({f.geometry.geom_type for f in features if f.geometry is not None})
    row = {k: v for k, v in vars(meta).items()}
    row.update(
        org_id=org_id,
        created_at=datetime.now(UTC),
        feature_count=len(features),
        geometry_type=kinds[0] if len(kinds) == 1 else ("Mixed" if kinds else None),
    )
    if bounds:
        row.update(
            bbox_minx=min(b[0] for b in bounds),
            bbox_miny=min(b[1] for b in bounds),
            bbox_maxx=max(b[2] for b in bounds),
            bbox_maxy=max(b[3] for b in bounds),
        )
    ds_id = conn.execute(insert(s.datasets).values(**row).returning(s.datasets.c.id)).scalar_one()
    rows = [_feature_row(ds_id, f) for f in features]
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(s.dataset_features), rows[i : i + BATCH])
    tx.emit("created", "Dataset", ds_id, slug=meta.slug)
    return int(ds_id)


def _feature_row(ds_id: int, f: CleanFeature) -> dict[str, Any]:
    g = f.geometry
    minx, miny, maxx, maxy = g.bounds if g is not None else (None, None, None, None)
    return {
        "dataset_id": ds_id,
        "properties": f.properties,
        "datetime": f.when,
        "geom": g.wkt if g is not None else None,
        "bbox_minx": minx,
        "bbox_miny": miny,
        "bbox_maxx": maxx,
        "bbox_maxy": maxy,
    }


def org_id_of(conn: Connection, slug: str) -> int:
    o = s.organisations
    row = conn.execute(select(o.c.id).where(o.c.slug == slug)).first()
    if row is None:
        raise NotFound(f"no organisation {slug!r}", field="org")
    return int(row.id)


def list_datasets(conn: Connection, who: Principal) -> list[RowMapping]:
    """The datasets ``who`` may see, by slug."""
    d = s.datasets
    q = select(d).order_by(d.c.slug)
    cond = visible("Dataset", d, who)
    if cond is not None:
        q = q.where(cond)
    return list(conn.execute(q).mappings())


def get_dataset(conn: Connection, who: Principal, slug: str) -> RowMapping:
    """One dataset ``who`` may see; NotFound (like a missing one) otherwise."""
    d = s.datasets
    q = select(d).where(d.c.slug == slug)
    cond = visible("Dataset", d, who)
    if cond is not None:
        q = q.where(cond)
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound(f"no collection {slug!r}", field="collectionId")
    return row


def set_visibility(tx: Tx, slug: str, visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise InvalidInput("visibility must be public or restricted", field="visibility")
    d = s.datasets
    done = tx.conn.execute(update(d).where(d.c.slug == slug).values(visibility=visibility))
    if not done.rowcount:
        raise NotFound(f"no dataset {slug!r}", field="slug")
