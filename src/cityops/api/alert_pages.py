"""The public HTML page of each CAP message, ``/alerts/{id}`` (the CAP ``<web>`` link).

The language is the reader's choice (``?lang=``), else the browser's Accept-Language,
else English; unpublished or non-public messages answer an HTML 404 page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from cityops.api.context import ctx
from cityops.errors import NotFound
from cityops.web import alert_page, assets, i18n, translations

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(assets.TEMPLATES_DIR))
translations.install(templates.env)  # base.html's own words (ui_lang: the page's language)


def _data(request: Request, alert_id: int, lang: str) -> dict[str, Any] | None:
    with ctx(request).store.read() as conn:
        try:
            return alert_page.page(conn, alert_id, lang)
        except NotFound:
            return None


@router.get("/alerts/{alert_id:int}", response_class=HTMLResponse)
async def alert_html(alert_id: int, request: Request, lang: str | None = None) -> Response:
    """One published public CAP message for residents, in their language."""
    code = i18n.negotiate(lang, request.headers.get("accept-language"))
    data = await run_in_threadpool(_data, request, alert_id, code)
    context: dict[str, Any] = {
        "page": "alert",
        "lang": code,
        "ui_lang": code,
        "languages": i18n.language_names(),
        "tile_url": ctx(request).settings.tile_url or "",
        "t": alert_page.labels(code),
        "a": data,
        "alert_id": alert_id,
    }
    resp = templates.TemplateResponse(
        request, "alert_page.html", context, status_code=200 if data else 404
    )
    resp.headers["Vary"] = "Accept-Language"
    resp.headers["Content-Language"] = code
    return resp
