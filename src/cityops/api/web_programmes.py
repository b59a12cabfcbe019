"""/ops/programmes: the register page of the operations dashboard (server-rendered).

Projects by city or funder with committed against disbursed money in one currency, the
rates used, and the coordination overlaps. No script: it is a plain page of tables.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cityops.api.context import ctx
from cityops.api.deps import identify, session_data
from cityops.api.web_pages import remember_language, templates
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput
from cityops.programmes import store as register
from cityops.programmes import views
from cityops.web import cities

router = APIRouter(include_in_schema=False)
DIMENSIONS = ("city", "funder", "sector", "year")


def _register(request: Request, who: Principal, by: str, currency: str) -> dict[str, Any]:
    """Everything the page shows; a currency that cannot be converted becomes a message."""
    with ctx(request).store.read() as conn:
        org = cities.choose_org(conn, who, request.query_params.get("org"))
        orgs = cities.all_orgs(conn) if who.is_admin else []
        items = register.select_projects(conn, who)
        try:
            report, problem = views.totals_view(conn, who, by, currency, {}), None
        except InvalidInput as exc:
            report, problem = None, exc.message
        overlaps = views.coordination_view(conn, who, {})["overlaps"]
    return {
        "org": org,
        "orgs": orgs,
        "projects": [views.summary(i) for i in items],
        "report": report,
        "problem": problem,
        "overlaps": overlaps,
    }


@router.get("/ops/programmes", response_class=HTMLResponse)
async def programmes_page(request: Request, by: str = "city", currency: str = "USD") -> Response:
    """Who funds what where: totals by city or funder, the projects, and the overlaps."""
    who, _ = await identify(request)
    if who.is_anonymous:
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    remember_language(request, who)
    by = by if by in DIMENSIONS else "city"
    currency = currency.strip().upper()[:3] or "USD"
    data = await run_in_threadpool(_register, request, who, by, currency)
    return templates.TemplateResponse(
        request,
        "ops/programmes.html",
        {
            **data,
            "who": who,
            "by": by,
            "currency": currency,
            "dimensions": DIMENSIONS,
            "csrf_token": (session_data(request) or {}).get("c", ""),
            "page": "programmes",
            "tile_url": ctx(request).settings.tile_url or "",
        },
    )
