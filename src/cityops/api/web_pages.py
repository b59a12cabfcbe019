"""HTML pages: login, the operations dashboard (/ops ...) and the public warning page.

Pages are server-rendered shells; their ES modules fetch JSON and listen to /api/events.
No inline scripts (the CSP allows only 'self'): data goes to scripts in data-* attributes.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from cityops.alerting import composer
from cityops.api import auth
from cityops.api.context import ctx
from cityops.api.deps import (
    SESSION_COOKIE,
    caller,
    check_csrf,
    current_session,
    identify,
    session_data,
)
from cityops.auth.principal import Principal
from cityops.auth.users import language_of, set_language
from cityops.cap.templates import LANGUAGES
from cityops.errors import CityOpsError
from cityops.store.writer import Tx
from cityops.web import assets, cities, i18n, stations, translations, warnings


def page_lang(request: Request) -> str:
    """The interface language of every page: the signed-in user's choice (set on
    ``request.state`` by :func:`_operator`), else ``?lang=`` / Accept-Language, else English."""
    return getattr(request.state, "ui_lang", None) or i18n.negotiate(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )


def _ui_context(request: Request) -> dict[str, Any]:
    code = page_lang(request)
    return {
        "ui_lang": code,
        "ui_languages": i18n.language_names(),
        "ui_strings": translations.js_catalogue(code),
    }


router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(assets.TEMPLATES_DIR), context_processors=[_ui_context])
translations.install(templates.env)
LOGIN_CSRF_COOKIE = "cityops_login_csrf"


def _safe_next(value: str | None) -> str:
    """Only a path on this site (no scheme, no //host) is followed after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ops"


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    resp = templates.TemplateResponse(
        request,
        "login.html",
        {
            "csrf_token": token,
            "error": error,
            "next": _safe_next(request.query_params.get("next")),
            "page": "login",
        },
        status_code=status,
    )
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=request.url.scheme == "https",
    )
    return resp


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    """The login form (with a double-submit CSRF token against login CSRF)."""
    return _login_page(request)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    """Check the form's CSRF token, then log in as /api/login does; redirect to ``next``."""
    form = await request.form()
    supplied, expected = str(form.get("csrf_token") or ""), request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not hmac.compare_digest(supplied, expected):
        return _login_page(request, "The form expired; please try again.", 403)
    try:
        api_resp = await auth.login(request)  # reads the same (cached) form
    except CityOpsError as exc:
        return _login_page(request, exc.message or "Wrong user name or password.", 401)
    resp = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    for name, value in api_resp.raw_headers:
        if name == b"set-cookie":
            resp.raw_headers.append((name, value))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout_submit(request: Request) -> Response:
    """End the session (form with the session's csrf_token)."""
    form = await request.form()
    await caller(request)
    check_csrf(request, str(form.get("csrf_token") or ""))
    await auth.end_session(request)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


async def _operator(request: Request) -> Principal | Response:
    """The signed-in person, or a redirect: to the login page, or to the password page
    while a password someone else chose has not been changed yet."""
    who, _ = await identify(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if who.is_anonymous:
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    session = current_session(request)
    if session is not None and session.must_change_password:
        return RedirectResponse(f"/account/password?next={quote(target)}", status_code=303)
    await run_in_threadpool(remember_language, request, who)
    return who


def remember_language(request: Request, who: Principal) -> None:
    """Put the user's chosen interface language where :func:`_ui_context` finds it."""
    if who.user_id is not None:
        with ctx(request).store.read() as conn:
            request.state.ui_lang = language_of(conn, who.user_id)


@router.post("/account/language")
async def language_submit(request: Request) -> Response:
    """Store the interface language chosen in the top bar's selector; back to ``next``."""
    who, by_cookie = await identify(request)
    if who.is_anonymous or not by_cookie or who.user_id is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    code, user_id = str(form.get("language") or ""), who.user_id

    def job(tx: Tx) -> None:
        set_language(tx.conn, user_id, code, tuple(LANGUAGES))

    await ctx(request).store.write(job)
    return RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)


def _password_page(
    request: Request, who: Principal, error: str | None = None, status: int = 200
) -> Response:
    session = current_session(request)
    return templates.TemplateResponse(
        request,
        "account_password.html",
        {
            "who": who,
            "csrf_token": session.csrf_token if session else "",
            "error": error,
            "forced": bool(session and session.must_change_password),
            "next": _safe_next(request.query_params.get("next")),
            "page": "account",
        },
        status_code=status,
    )


@router.get("/account/password", response_class=HTMLResponse)
async def password_form(request: Request) -> Response:
    """The form to change one's own password (old password, new one twice)."""
    who, by_cookie = await identify(request)
    if who.is_anonymous or not by_cookie:
        return RedirectResponse("/login?next=/account/password", status_code=303)
    await run_in_threadpool(remember_language, request, who)
    return _password_page(request, who)


@router.post("/account/password")
async def password_submit(request: Request) -> Response:
    """Check the session's CSRF token, then change the password as the API does."""
    who, by_cookie = await identify(request)
    if who.is_anonymous or not by_cookie:
        return RedirectResponse("/login?next=/account/password", status_code=303)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    new = str(form.get("new_password") or "")
    if new != str(form.get("confirm_password") or ""):
        return _password_page(request, who, "The two new passwords differ.", 400)
    body = auth.PasswordChange(
        old_password=str(form.get("old_password") or "-"), new_password=new or "-"
    )
    try:
        await auth.change_own_password(request, who, body)
    except CityOpsError as exc:
        return _password_page(request, who, exc.message, 400)
    return RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)


async def _page(request: Request, who: Principal, name: str, page: str, **extra: Any) -> Response:
    """Render an /ops page with what every one needs: user, city, cities, CSRF token."""
    data = session_data(request) or {}
    chosen = request.query_params.get("org")

    def orgs_of(conn: Connection) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        org = cities.choose_org(conn, who, chosen)
        return org, (cities.all_orgs(conn) if who.is_admin else [])

    org, orgs = await ctx(request).store.read_async(orgs_of)
    settings = ctx(request).settings
    return templates.TemplateResponse(
        request,
        name,
        {
            "who": who,
            "org": org,
            "orgs": orgs,
            "csrf_token": data.get("c") or "",
            "page": page,
            "tile_url": settings.tile_url or "",
            **extra,
        },
    )


@router.get("/ops", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    """Map of the city's stations, areas, incidents and alerts; the incident queue."""
    who = await _operator(request)
    return (
        who if isinstance(who, Response) else await _page(request, who, "ops/dashboard.html", "map")
    )


@router.get("/ops/stations/{thing_id}", response_class=HTMLResponse)
async def station_page(thing_id: int, request: Request) -> Response:
    """One station: its datastreams' charts with their levels."""
    who = await _operator(request)
    if isinstance(who, Response):
        return who
    found = await run_in_threadpool(_stations, request, who, None, thing_id)
    if not found:
        return templates.TemplateResponse(
            request,
            "ops/missing.html",
            {
                "who": who,
                "what": f"station {thing_id}",
                "page": "map",
                "org": None,
                "orgs": [],
                "csrf_token": (session_data(request) or {}).get("c", ""),
            },
            status_code=404,
        )
    return await _page(request, who, "ops/station.html", "map", station=found[0])


@router.get("/ops/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request) -> Response:
    """The alert composer: drafts per language; edit, issue, update, cancel."""
    who = await _operator(request)
    if isinstance(who, Response):
        return who
    return await _page(request, who, "ops/alerts.html", "alerts", languages=i18n.language_names())


@router.get("/ops/alerts/{alert_id}/preview", response_class=HTMLResponse)
async def alert_preview(alert_id: int, request: Request) -> Response:
    """The draft in each of its languages exactly as the public page would show it if
    issued now (the same templates); the composer shows it beside the editor."""
    who = await _operator(request)
    if isinstance(who, Response):
        return who
    settings = ctx(request).settings

    def read(conn: Any) -> tuple[dict[str, Any], dict[int, Any]]:
        issued = composer.as_issued_now(conn, alert_id, who, settings)
        return issued, {o["id"]: o for o in cities.all_orgs(conn)}

    doc, orgs = await ctx(request).store.read_async(read)
    org = orgs.get(doc["org_id"])
    previews = []
    for info in doc["infos"]:
        code = i18n.negotiate(info["language"], None)
        shaped = warnings.warning_json(doc, code, org, doc["first_sent"])
        previews.append({"language": info["language"], "lang": code, "w": shaped})
    return templates.TemplateResponse(
        request, "ops/preview.html", {"previews": previews, "labels": i18n.labels}
    )


@router.get("/ops/data", response_class=HTMLResponse)
async def data_page(request: Request) -> Response:
    """Datastreams of the city: last seen, latest value, data-quality state."""
    who = await _operator(request)
    if isinstance(who, Response):
        return who
    found = await run_in_threadpool(_stations, request, who, request.query_params.get("org"))
    return await _page(request, who, "ops/data.html", "data", stations=found)


def _stations(
    request: Request, who: Principal, org_slug: str | None, thing_id: int | None = None
) -> list[dict[str, Any]]:
    """Stations of the chosen city (or the one station ``thing_id`` in any visible city)."""
    now, lang = datetime.now(UTC), page_lang(request)
    with ctx(request).store.read() as conn:
        if thing_id is not None:
            return stations.stations(conn, who, None, now, thing_id=thing_id, lang=lang)
        org = cities.choose_org(conn, who, org_slug)
        return stations.stations(conn, who, org["id"], now, lang=lang) if org else []


@router.get("/ops/network", response_class=HTMLResponse)
async def network_page(request: Request) -> Response:
    """All pilot cities on one map."""
    who = await _operator(request)
    return (
        who
        if isinstance(who, Response)
        else await _page(request, who, "ops/network.html", "network")
    )


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/public", status_code=307)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def api_docs(request: Request) -> Response:
    """The OpenAPI of the whole API in Swagger UI, served from node_modules (no CDN)."""
    return templates.TemplateResponse(request, "docs.html", {})


@router.get("/public", response_class=HTMLResponse)
async def public_page(
    request: Request, lang: str | None = None, region: str | None = None
) -> Response:
    """Current warnings for everybody: map, list, instructions in the reader's language;
    ``region`` (a city's slug) narrows them to one city."""
    code = i18n.negotiate(lang, request.headers.get("accept-language"))
    region = warnings.check_region(region)
    lists = await run_in_threadpool(public_lists, request, code, region)
    settings = ctx(request).settings
    resp = templates.TemplateResponse(
        request,
        "public.html",
        {
            **lists,
            "lang": code,
            "region": region,
            "t": i18n.labels(code),
            "languages": i18n.language_names(),
            "tile_url": settings.tile_url or "",
            "basemap_url": "/public/basemap.pmtiles" if settings.public_basemap_file else "",
            "page": "public",
        },
    )
    resp.headers["Vary"] = "Accept-Language"
    resp.headers["Content-Language"] = code
    return resp


@router.get("/public/warnings.html", response_class=HTMLResponse)
async def public_fragment(
    request: Request, lang: str | None = None, region: str | None = None
) -> Response:
    """The list part of /public, rendered by the same templates (the page's script and the
    service worker's offline copy use it, so the list never differs from the page)."""
    code = i18n.negotiate(lang, request.headers.get("accept-language"))
    region = warnings.check_region(region)
    lists = await run_in_threadpool(public_lists, request, code, region)
    resp = templates.TemplateResponse(
        request, "public_list.html", {**lists, "lang": code, "t": i18n.labels(code)}
    )
    resp.headers["Vary"] = "Accept-Language"
    return resp


def public_lists(request: Request, lang: str, region: str | None) -> dict[str, Any]:
    """Warnings in force, recent all-clear notices, and the cities to choose from."""
    hours = ctx(request).settings.public_all_clear_hours
    with ctx(request).store.read() as conn:
        return {
            "warnings": warnings.current(conn, lang, region=region),
            "all_clear": warnings.all_clears(conn, lang, hours, region=region),
            "regions": [o for o in cities.all_orgs(conn) if o["kind"] == "city"],
        }
