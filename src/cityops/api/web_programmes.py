"""/ops/programmes and /ops/programmes/{id}: the register and project pages (server-rendered).

The register page: totals by funder, sector, city and year (bar charts and tables) in one
currency, filtered by city (the page's own field, or the city switcher) and by a period of
years, the projects, the rates used with their dates, downloads. The project page: who
funds and implements it, money by year against its budget, sectors by DAC name, cities,
and what it delivered over a chosen period. Neither page takes live updates, so neither
shows the live banner. No script: plain pages of tables.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from cityops.api.body import client_address
from cityops.api.context import ctx
from cityops.api.deps import check_csrf, identify, session_data
from cityops.api.web_pages import remember_language, templates
from cityops.auth.principal import Principal
from cityops.errors import Forbidden, InvalidInput, Unauthorized
from cityops.programmes import pages
from cityops.programmes import store as register
from cityops.programmes.delivery import delivery
from cityops.web import cities

router = APIRouter(include_in_schema=False)


def _currency(raw: str | None) -> str:
    text = (raw or "USD").strip().upper()[:3]
    return text if len(text) == 3 and text.isalpha() else "USD"


def _selection(request: Request, org: dict[str, Any] | None) -> tuple[pages.Selection, str | None]:
    """The filters asked for; a bad period becomes a message (and no period)."""
    q = request.query_params
    city = (q.get("city") or "").strip() or None
    if city is None and q.get("org") and org is not None:
        city = str(org["name"])  # the city switcher filters the register to that city
    try:
        years, problem = pages.parse_years(q.get("from"), q.get("to")), None
    except InvalidInput as exc:
        years, problem = None, exc.message
    return pages.Selection(city, years, _currency(q.get("currency"))), problem


def _register(request: Request, who: Principal) -> dict[str, Any]:
    with ctx(request).store.read() as conn:
        org = cities.choose_org(conn, who, request.query_params.get("org"))
        orgs = cities.all_orgs(conn) if who.is_admin else []
        sel, problem = _selection(request, org)
        data = pages.register_page(conn, who, sel)
    query = {"city": sel.city or ""}
    return {
        **data,
        "org": org,
        "orgs": orgs,
        "sel": sel,
        "filter_problem": problem,
        "download_query": urlencode({k: v for k, v in query.items() if v}),
        "loaded": request.query_params.get("loaded"),
        "rates_problem": request.query_params.get("rates_problem"),
    }


def _common(request: Request, who: Principal) -> dict[str, Any]:
    return {
        "who": who,
        "csrf_token": (session_data(request) or {}).get("c", ""),
        "page": "programmes",
        "tile_url": ctx(request).settings.tile_url or "",
        "now": datetime.now(UTC),
    }


@router.post("/ops/programmes/rates")
async def upload_rates_page(request: Request) -> Response:
    """Load the city's rates table from the register page (admins; form with csrf_token).

    Back to the register with how many rates were loaded, or the problem with the file."""
    who, _ = await identify(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    upload, base = form.get("file"), str(form.get("base") or "USD").strip().upper()
    try:
        if not isinstance(upload, StarletteUpload):
            raise InvalidInput("choose a rates file to upload", field="file")
        table = register.parse_rates(await upload.read(), base or "USD")
        rows = await ctx(request).store.write(
            lambda tx: register.store_rates(tx, table, who, client_address(request))
        )
        query = {"loaded": str(rows)}
    except InvalidInput as exc:
        query = {"rates_problem": exc.message}
    return RedirectResponse(f"/ops/programmes?{urlencode(query)}", status_code=303)


@router.get("/ops/programmes", response_class=HTMLResponse)
async def programmes_page(request: Request) -> Response:
    """Who funds what where, in one currency, with the rates used."""
    who, _ = await identify(request)
    if who.is_anonymous:
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    remember_language(request, who)
    data = await run_in_threadpool(_register, request, who)
    return templates.TemplateResponse(
        request, "ops/programmes.html", {**data, **_common(request, who)}
    )


def _period(request: Request) -> tuple[datetime, datetime, str | None]:
    """The delivery period from the ``start``/``end`` dates (default: the last 30 days)."""
    q, now = request.query_params, datetime.now(UTC)
    try:
        end = datetime.fromisoformat(q["end"]).replace(tzinfo=UTC) if q.get("end") else now
        start = (
            datetime.fromisoformat(q["start"]).replace(tzinfo=UTC)
            if q.get("start")
            else end - timedelta(days=30)
        )
    except ValueError:
        return now - timedelta(days=30), now, "start and end must be dates (YYYY-MM-DD)"
    if start >= end:
        return now - timedelta(days=30), now, "start must be before end"
    return start, end, None


def _project(request: Request, who: Principal, project_id: int) -> dict[str, Any]:
    start, end, problem = _period(request)
    currency = _currency(request.query_params.get("currency"))
    with ctx(request).store.read() as conn:
        org = cities.choose_org(conn, who, request.query_params.get("org"))
        item = register.get_project(conn, who, project_id)
        data = pages.project_page(item, conn, currency)
        try:
            register.check_edit(conn, who, item.project)
            can_edit = True
        except (Forbidden, Unauthorized):
            can_edit = False
        things = pages.linkable_things(conn, who, item) if can_edit else []
        figures = delivery(conn, who, project_id, start, end)
    return {
        **data,
        "org": org,
        "orgs": [],
        "currency": currency,
        "delivery": figures,
        "period": (start.date(), end.date()),
        "filter_problem": problem,
        "can_edit": can_edit,
        "linkable": things,
        "edit_problem": request.query_params.get("edit_problem"),
    }


@router.post("/ops/programmes/{project_id}/edit")
async def edit_project(request: Request, project_id: int) -> Response:
    """Change a project's title, description and cities from its page (audited); the
    same rights as the API: admins, its cities' admins, its organisations' officers."""
    who, _ = await identify(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    current = await ctx(request).store.read_async(
        lambda conn: register.get_project(conn, who, project_id).project
    )
    back = f"/ops/programmes/{project_id}"
    try:
        cities = [c.strip() for c in str(form.get("cities") or "").split(",") if c.strip()]
        changed = replace(
            current,
            title=str(form.get("title") or ""),
            description=str(form.get("description") or ""),
            cities=tuple(dict.fromkeys(cities)),
        )
    except InvalidInput as exc:
        return RedirectResponse(f"{back}?{urlencode({'edit_problem': exc.message})}", 303)
    remote = client_address(request)
    await ctx(request).store.write(
        lambda tx: register.replace_project(tx, project_id, changed, who, remote)
    )
    return RedirectResponse(back, status_code=303)


@router.post("/ops/programmes/{project_id}/link")
async def link_station(request: Request, project_id: int) -> Response:
    """A city admin records that the project funded one of its city's stations (audited)."""
    who, _ = await identify(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    raw = str(form.get("thing") or "").strip()
    if not raw.isdigit():
        raise InvalidInput("choose a station to link", field="thing")
    remote = client_address(request)
    await ctx(request).store.write(
        lambda tx: register.link(tx, project_id, "Thing", int(raw), who, remote)
    )
    return RedirectResponse(f"/ops/programmes/{project_id}", status_code=303)


@router.get("/ops/programmes/{project_id}", response_class=HTMLResponse)
async def project_page(request: Request, project_id: int) -> Response:
    """One project: funders, money by year, sectors, cities, and what it delivered."""
    who, _ = await identify(request)
    if who.is_anonymous:
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    data = await run_in_threadpool(_project, request, who, project_id)
    return templates.TemplateResponse(
        request, "ops/project.html", {**data, **_common(request, who)}
    )
