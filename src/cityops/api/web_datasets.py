"""/ops/datasets: a city admin publishes a layer into the data hub from the browser.

A server-rendered page with one multipart form (the file and its metadata) and the city's
datasets. The form goes through the same import as ``POST /api/datasets`` and ``cityops
datasets import`` (``datasets.service.import_file``): whole-or-nothing, and a refused file
comes back as the page with the error naming the offending feature and the fields as
they were typed. Admins and city admins only, like /ops/admin.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from cityops.api.context import ctx
from cityops.api.deps import check_csrf, session_data
from cityops.api.errors import status_of
from cityops.api.web_admin import _admin
from cityops.api.web_pages import templates
from cityops.auth.principal import Principal
from cityops.datasets import catalogue
from cityops.datasets.catalogue import Metadata
from cityops.datasets.readers import format_of
from cityops.datasets.service import import_file
from cityops.errors import CityOpsError, InvalidInput
from cityops.web import cities
from cityops.web.translations import N_

router = APIRouter(include_in_schema=False)
DONE = {"published": N_("Dataset published: every feature was imported.")}
TEXT_FIELDS = (
    "slug",
    "title",
    "description",
    "publisher",
    "licence",
    "source",
    "keywords",
    "temporal_start",
    "temporal_end",
    "update_frequency",
    "visibility",
)


def _world(request: Request, who: Principal) -> dict[str, Any]:
    """The chosen city and the datasets it publishes."""
    with ctx(request).store.read() as conn:
        org = cities.choose_org(conn, who, request.query_params.get("org"))
        orgs = cities.all_orgs(conn) if who.is_admin else []
        rows = catalogue.list_datasets(conn, who)
    mine = [dict(r) for r in rows if org and r["org_id"] == org["id"]]
    return {"org": org, "orgs": orgs, "datasets": mine}


async def _page(request: Request, who: Principal, status: int = 200, **extra: Any) -> Response:
    data = await run_in_threadpool(_world, request, who)
    return templates.TemplateResponse(
        request,
        "ops/datasets.html",
        {
            "who": who,
            "csrf_token": (session_data(request) or {}).get("c") or "",
            "page": "datasets",
            "tile_url": "",
            "done": DONE.get(request.query_params.get("done") or ""),
            "form": extra.pop("form", {}),
            **data,
            **extra,
        },
        status_code=status,
    )


@router.get("/ops/datasets", response_class=HTMLResponse)
async def datasets_page(request: Request) -> Response:
    """The city's datasets and the form that publishes a new one."""
    who = await _admin(request)
    return who if isinstance(who, Response) else await _page(request, who)


def _date(form: dict[str, str], key: str) -> datetime | None:
    value = form.get(key, "").strip()
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{key}: {value!r} is not a date (YYYY-MM-DD)", field=key) from None
    return day if day.tzinfo else day.replace(tzinfo=UTC)


def metadata(form: dict[str, str]) -> Metadata:
    """The form's metadata fields as the import's Metadata (checked by the import)."""
    keywords = [k.strip() for k in form.get("keywords", "").split(",") if k.strip()]
    return Metadata(
        slug=form.get("slug", "").strip(),
        title=form.get("title", "").strip(),
        description=form.get("description", "").strip(),
        publisher=form.get("publisher", "").strip() or None,
        licence=form.get("licence", "").strip() or None,
        source=form.get("source", "").strip() or None,
        keywords=keywords,
        temporal_start=_date(form, "temporal_start"),
        temporal_end=_date(form, "temporal_end"),
        update_frequency=form.get("update_frequency", "").strip() or None,
        visibility=form.get("visibility", "public"),
    )


@router.post("/ops/datasets")
async def publish_dataset(request: Request) -> Response:
    """Publish the uploaded file as a new dataset of the city (all features or none)."""
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    data = await request.form()
    form = {k: str(data.get(k) or "") for k in (*TEXT_FIELDS, "csrf_token", "org")}
    upload = data.get("file")
    try:
        check_csrf(request, form.get("csrf_token"))
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("file: choose the file to publish", field="file")
        name = Path(upload.filename).name
        format_of(Path(name))  # an unknown type is refused before anything is read
        meta = metadata(form)
        content = await upload.read()
        org = await run_in_threadpool(_world, request, who)
        if org["org"] is None:
            raise InvalidInput("org: there is no city to publish for", field="org")
        slug = str(org["org"]["slug"])
        await run_in_threadpool(_import, request, who, name, content, meta, slug)
    except CityOpsError as exc:
        return await _page(request, who, status_of(exc), error=exc.message, form=form)
    query = {"done": "published", **({"org": form["org"]} if who.is_admin and form["org"] else {})}
    return RedirectResponse(f"/ops/datasets?{urlencode(query)}", status_code=303)


def _import(
    request: Request, who: Principal, name: str, content: bytes, meta: Metadata, org: str
) -> int:
    with tempfile.TemporaryDirectory(prefix="cityops-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return import_file(ctx(request).store, who, path, meta, org)
