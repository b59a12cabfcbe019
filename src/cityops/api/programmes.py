"""/api/programmes: the register of cooperation programmes, its views, IATI and CSV.

Reads are public (the register is for funders and cities alike); imports, links and
deletions need an admin, or a city admin for the projects of its city; exchange rates
are loaded by admins. Uploads are multipart ``file`` fields.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import principal, signed_in
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput
from cityops.programmes import export_csv, export_iati, parse_iati, views
from cityops.programmes import store as register
from cityops.programmes.codec import from_json, to_json
from cityops.programmes.csv_export import export_xlsx
from cityops.programmes.delivery import delivery
from cityops.programmes.model import Organisation

router = APIRouter(prefix="/api/programmes", tags=["programmes"])
LINKABLE = {"things": "Thing", "datastreams": "Datastream"}
XML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "IATI 2.03 activities (valid against the IATI schema)",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One row per project; money columns per currency",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def filters(
    city: str | None = None,
    funder: str | None = None,
    sector: str | None = None,
    status: int | None = Query(None, ge=1, le=6),
    year: int | None = Query(None, ge=1900, le=2200),
) -> dict[str, Any]:
    """Selection shared by every list, view and export: all given filters must match."""
    return {"city": city, "funder": funder, "sector": sector, "status": status, "year": year}


def period(start: datetime | None = None, end: datetime | None = None) -> tuple[datetime, datetime]:
    """The delivery period ``[start, end)``: by default the 30 days up to now (UTC)."""
    stop = _utc(end) if end else datetime.now(UTC)
    begin = _utc(start) if start else stop - timedelta(days=30)
    if begin >= stop:
        raise InvalidInput("start must be before end", field="start")
    return begin, stop


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@router.get("/projects")
def list_projects(
    request: Request, f: dict[str, Any] = Depends(filters), who: Principal = Depends(principal)
) -> dict[str, Any]:
    """Projects matching the filters, by start date."""
    with ctx(request).store.read() as conn:
        return {"value": [views.summary(i) for i in register.select_projects(conn, who, **f)]}


@router.get("/projects/{project_id}")
def get_project(
    project_id: int,
    request: Request,
    when: tuple[datetime, datetime] = Depends(period),
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """One project in full, what it is linked to, and its delivery figures for the period."""
    with ctx(request).store.read() as conn:
        item = register.get_project(conn, who, project_id)
        figures = delivery(conn, who, project_id, *when)
    return {
        "id": item.id,
        "project": to_json(item.project),
        "things": list(item.things),
        "datastreams": list(item.datastreams),
        "delivery": figures,
    }


@router.get("/projects/{project_id}/delivery")
def project_delivery(
    project_id: int,
    request: Request,
    when: tuple[datetime, datetime] = Depends(period),
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Stations, observations, uptime, completeness, incidents and alerts for the period."""
    with ctx(request).store.read() as conn:
        register.get_project(conn, who, project_id)
        return delivery(conn, who, project_id, *when)


@router.put("/projects/{project_id}")
async def replace_project(
    project_id: int, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Replace a project with the JSON document given (the ``project`` of a GET); audited.
    Admins, the city admin of a city it names, or a programme officer of an organisation
    taking part in it (before and after the change)."""
    project = from_json(await json_body(request))
    remote = client_address(request)
    await ctx(request).store.write(
        lambda tx: register.replace_project(tx, project_id, project, who, remote)
    )
    return {"id": project_id, "project": to_json(project)}


@router.delete("/projects/{project_id}", status_code=204)
async def delete_project(
    project_id: int, request: Request, who: Principal = Depends(signed_in)
) -> None:
    remote = client_address(request)
    await ctx(request).store.write(lambda tx: register.delete_project(tx, project_id, who, remote))


@router.put("/projects/{project_id}/{kind}/{ident}")
async def link(
    project_id: int,
    kind: Literal["things", "datastreams"],
    ident: int,
    request: Request,
    who: Principal = Depends(signed_in),
) -> dict[str, Any]:
    """Record that the project funded this Thing or Datastream (idempotent)."""
    remote = client_address(request)
    added = await ctx(request).store.write(
        lambda tx: register.link(tx, project_id, LINKABLE[kind], ident, who, remote)
    )
    return {"project": project_id, kind: ident, "created": added}


@router.delete("/projects/{project_id}/{kind}/{ident}", status_code=204)
async def unlink(
    project_id: int,
    kind: Literal["things", "datastreams"],
    ident: int,
    request: Request,
    who: Principal = Depends(signed_in),
) -> None:
    remote = client_address(request)
    await ctx(request).store.write(
        lambda tx: register.unlink(tx, project_id, LINKABLE[kind], ident, who, remote)
    )


@router.post("/import")
async def import_iati(
    request: Request, file: UploadFile = File(...), who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Import an IATI 2.03 activities file; a project with a known IATI identifier is
    updated, not duplicated. A malformed, hostile or invalid file is refused with its line."""
    projects = await run_in_threadpool(parse_iati, await file.read())
    remote = client_address(request)
    done = await ctx(request).store.write(
        lambda tx: register.save_imported(tx, projects, who, remote)
    )
    return {
        "added": done.added,
        "updated": done.updated,
        "unchanged": done.unchanged,
        "ids": done.ids,
        "review": [to_json(r) for r in done.review],
    }


@router.get("/export.xml", response_class=Response, responses=XML_RESPONSE)
def export_xml(
    request: Request,
    f: dict[str, Any] = Depends(filters),
    reporting_org_ref: str | None = None,
    reporting_org_name: str | None = None,
    reporting_org_type: str | None = None,
    who: Principal = Depends(principal),
) -> Response:
    """The selection as IATI 2.03 XML; the reporting organisation given is used for
    projects without one of their own."""
    org = None
    if reporting_org_ref or reporting_org_name:
        org = Organisation(reporting_org_name or "", reporting_org_ref, reporting_org_type)
    with ctx(request).store.read() as conn:
        projects = [i.project for i in register.select_projects(conn, who, **f)]
    return Response(export_iati(projects, reporting_org=org), media_type="application/xml")


@router.get("/export.csv", response_class=Response, responses=CSV_RESPONSE)
def export_csv_route(
    request: Request, f: dict[str, Any] = Depends(filters), who: Principal = Depends(principal)
) -> Response:
    """The selection as CSV."""
    with ctx(request).store.read() as conn:
        projects = [i.project for i in register.select_projects(conn, who, **f)]
    return Response(export_csv(projects), media_type="text/csv; charset=utf-8")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_xlsx_route(
    request: Request, f: dict[str, Any] = Depends(filters), who: Principal = Depends(principal)
) -> Response:
    """The selection as a spreadsheet: the CSV's columns, amounts as numbers."""
    with ctx(request).store.read() as conn:
        projects = [i.project for i in register.select_projects(conn, who, **f)]
    headers = {"Content-Disposition": 'attachment; filename="programmes.xlsx"'}
    return Response(export_xlsx(projects), media_type=XLSX, headers=headers)


@router.get("/totals")
def totals(
    request: Request,
    by: Literal["city", "funder", "sector", "year"] = "city",
    currency: str = "USD",
    f: dict[str, Any] = Depends(filters),
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Committed against disbursed (and budgeted, expended, announced) by city, funder,
    sector or year, in one currency, listing the exchange rates used."""
    with ctx(request).store.read() as conn:
        return views.totals_view(conn, who, by, currency, f)


@router.get("/timeline")
def timeline(
    request: Request, f: dict[str, Any] = Depends(filters), who: Principal = Depends(principal)
) -> dict[str, Any]:
    """Dated events (dates, transactions, milestones) and each project's span."""
    with ctx(request).store.read() as conn:
        return views.timeline_view(conn, who, f)


@router.get("/map")
def project_map(
    request: Request, f: dict[str, Any] = Depends(filters), who: Principal = Depends(principal)
) -> dict[str, Any]:
    """GeoJSON FeatureCollection of project sites and the Things projects funded."""
    with ctx(request).store.read() as conn:
        return views.map_view(conn, who, f)


@router.get("/coordination")
def coordination(
    request: Request,
    f: dict[str, Any] = Depends(filters),
    years: list[int] | None = Query(None),
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Projects of different funders in one city and sector at the same time, and the
    city-sector-years no project covers."""
    with ctx(request).store.read() as conn:
        return views.coordination_view(conn, who, f, years)


@router.post("/rates")
async def upload_rates(
    request: Request,
    file: UploadFile = File(...),
    base: str = Form("USD"),
    who: Principal = Depends(signed_in),
) -> dict[str, Any]:
    """Load a ``date,currency,rate`` CSV table (1 currency = rate base); admins only."""
    table = register.parse_rates(await file.read(), base)
    remote = client_address(request)
    rows = await ctx(request).store.write(lambda tx: register.store_rates(tx, table, who, remote))
    return {"base": table.base, "rows": rows}


@router.get("/rates")
def list_rates(request: Request, base: str | None = None) -> dict[str, Any]:
    """The loaded exchange rates to ``base`` (default USD, else the first base loaded)."""
    with ctx(request).store.read() as conn:
        table = register.rates_table(conn, base)
    if table is None:
        return {"base": None, "value": []}
    return {
        "base": table.base,
        "value": [to_json(r) for series in table.rates.values() for r in series],
    }
