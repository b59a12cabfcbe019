"""An import: read the file, check and convert every feature, then store them all.

Nothing is stored unless every feature is good: the first bad one is named in the error
(its position, id, row or FID). A feature's ``datetime`` property (ISO 8601), when
present, becomes its time for the ``datetime`` filter of /ogc.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cityops.auth.policy import Owner, may_write
from cityops.auth.principal import Principal
from cityops.datasets import catalogue
from cityops.datasets.catalogue import CleanFeature, Metadata
from cityops.datasets.geometry import clean, transformer_for
from cityops.datasets.readers import Layer, read_layer
from cityops.errors import Forbidden, InvalidInput
from cityops.store.base import Store
from cityops.store.writer import Tx

MAX_FEATURES = 1_000_000
TIME_KEYS = ("datetime", "date", "time")


def convert(layer: Layer) -> list[CleanFeature]:
    """Every feature in WGS 84 and valid, or InvalidInput naming the first bad one."""
    if not layer.features:
        raise InvalidInput("the file holds no features", field="file")
    if len(layer.features) > MAX_FEATURES:
        raise InvalidInput(f"more than {MAX_FEATURES:,} features", field="file")
    transformer = transformer_for(layer.crs)
    out = []
    for raw in layer.features:
        if raw.geometry is None:
            raise InvalidInput(f"{raw.label}: no geometry", field="file")
        geom = clean(raw.label, raw.geometry, transformer)
        out.append(CleanFeature(geom, raw.properties, _when(raw.label, raw.properties)))
    return out


def _when(label: str, props: dict[str, Any]) -> datetime | None:
    for key in TIME_KEYS:
        value = props.get(key)
        if isinstance(value, str) and value:
            try:
                t = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise InvalidInput(
                    f"{label}: {key} {value!r} is not ISO 8601", field="file"
                ) from exc
            return t if t.tzinfo else t.replace(tzinfo=UTC)
    return None


def import_file(store: Store, who: Principal, path: Path, meta: Metadata, org: str) -> int:
    """Import a layer file as a new dataset of organisation ``org``; its id."""
    meta.check()
    with store.read() as conn:
        org_id = catalogue.org_id_of(conn, org)
    if not may_write(who, "Dataset", Owner(org_id, meta.visibility)):
        raise Forbidden("only an admin or a city admin of the organisation may publish datasets")
    features = convert(read_layer(path))

    def job(tx: Tx) -> int:
        return catalogue.store_dataset(tx, meta, org_id, features)

    return store.write_sync(job)
