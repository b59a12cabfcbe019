"""/api/datasets: publish a layer file into the data hub (multipart upload: ``file`` and
the metadata fields). Only an admin, or a city admin for its own organisation, may
publish; the import is whole-or-nothing and a 400 names the offending feature.
Reading is through /ogc."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from cityops.api.context import ctx
from cityops.api.deps import signed_in
from cityops.auth.principal import Principal
from cityops.datasets.catalogue import Metadata
from cityops.datasets.readers import format_of
from cityops.datasets.service import import_file

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


def _keywords(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


@router.post("", status_code=201)
def upload_dataset(
    request: Request,
    file: UploadFile = File(...),
    org: str = Form(...),
    slug: str = Form(...),
    title: str = Form(...),
    description: str = Form(""),
    publisher: str | None = Form(None),
    licence: str | None = Form(None),
    source: str | None = Form(None),
    keywords: str = Form(""),
    update_frequency: str | None = Form(None),
    visibility: str = Form("public"),
    who: Principal = Depends(signed_in),
) -> dict[str, Any]:
    """Publish a GeoJSON, CSV (lon/lat or WKT), GeoPackage or zipped Shapefile as a new
    dataset (collection ``slug`` in /ogc). Keywords comma-separated (``wards`` and
    ``facilities`` feed the exposure of warnings)."""
    name = Path(file.filename or "upload").name
    format_of(Path(name))  # an unknown type is refused before anything is written
    meta = Metadata(
        slug=slug,
        title=title,
        description=description,
        publisher=publisher,
        licence=licence,
        source=source,
        keywords=_keywords(keywords),
        update_frequency=update_frequency,
        visibility=visibility,
    )
    with tempfile.TemporaryDirectory(prefix="cityops-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(file.file.read())
        dataset_id = import_file(ctx(request).store, who, path, meta, org)
    return {"id": dataset_id, "collection": f"/ogc/collections/{slug}"}
