"""/ops/admin: people and devices of a city, managed in the browser (city admins and admins).

A plain server-rendered page of forms. Every form posts the session's CSRF token and is
carried out by the administration API's own handlers (``api.admin``), so the page can do
exactly what the API allows: a city admin acts in their own city only, an admin anywhere
and also adds cities. A device token's secret is shown once, in the answer to the form
that issued it (never in a URL, never again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from cityops.api import admin
from cityops.api.context import ctx
from cityops.api.deps import check_csrf, session_data
from cityops.api.errors import status_of
from cityops.api.web_pages import _operator, templates
from cityops.auth import audit
from cityops.auth.principal import Principal, Role
from cityops.auth.tokens import list_tokens
from cityops.auth.users import list_users
from cityops.errors import CityOpsError, InvalidInput, NotFound
from cityops.web import cities, stations
from cityops.web.translations import N_

router = APIRouter(include_in_schema=False)
ROLES = {
    Role.ADMIN: ("operator", "analyst", "city_admin"),
    Role.CITY_ADMIN: ("operator", "analyst"),
}
#: What a finished form reports (by key, so that no free text comes back in the URL).
DONE = {
    "added": N_("Person added. They must choose their own password at the first login."),
    "disabled": N_("Account disabled: its sessions ended."),
    "enabled": N_("Account enabled again."),
    "password": N_("Password reset: they must choose a new one at the next login."),
    "revoked": N_("Token revoked: the device can no longer send data with it."),
    "city": N_("City added."),
}


def _world(request: Request, who: Principal) -> dict[str, Any]:
    """The chosen city's people, devices, device tokens and audit log."""
    with ctx(request).store.read() as conn:
        org = cities.choose_org(conn, who, request.query_params.get("org"))
        orgs = cities.all_orgs(conn) if who.is_admin else []
        org_id = org["id"] if org else -1
        people = [u for u in list_users(conn) if org and u["org"] == org["slug"]]
        devices = stations.stations(conn, who, org_id, datetime.now(UTC)) if org else []
        tokens = [t for t in list_tokens(conn, org_id=org_id) if t["thing_id"] is not None]
        log = audit.query(conn, org_id=org_id, limit=50)
    return {
        "org": org,
        "orgs": orgs,
        "people": people,
        "devices": devices,
        "tokens": tokens,
        "log": log,
    }


async def _page(request: Request, who: Principal, status: int = 200, **extra: Any) -> Response:
    data = await run_in_threadpool(_world, request, who)
    done = DONE.get(request.query_params.get("done") or "")
    return templates.TemplateResponse(
        request,
        "ops/admin.html",
        {
            "who": who,
            "csrf_token": (session_data(request) or {}).get("c") or "",
            "page": "admin",
            "tile_url": "",
            "roles": ROLES.get(who.role, ()),
            "done": done,
            **data,
            **extra,
        },
        status_code=status,
    )


async def _admin(request: Request) -> Principal | Response:
    who = await _operator(request)
    if isinstance(who, Response) or who.role in admin.ADMINS:
        return who
    return templates.TemplateResponse(
        request,
        "ops/missing.html",
        {
            "who": who,
            "what": "/ops/admin",
            "page": "admin",
            "org": None,
            "orgs": [],
            "csrf_token": "",
        },
        status_code=403,
    )


@router.get("/ops/admin", response_class=HTMLResponse)
async def admin_page(request: Request) -> Response:
    """People, device tokens and the audit log of the city; cities for admins."""
    who = await _admin(request)
    return who if isinstance(who, Response) else await _page(request, who)


def _message(exc: Exception) -> str:
    """A form error for people: the field and the reason."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        return f"{field}: {first.get('msg', 'invalid')}"
    return getattr(exc, "message", None) or str(exc)


async def _submit(
    request: Request, action: Callable[[Principal, dict[str, str]], Awaitable[Any]], done: str
) -> Response:
    """Run one form: CSRF, then the API handler; back to the page (303) or the page with
    the error (400/403/404 as the API answers)."""
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        check_csrf(request, form.get("csrf_token"))
        result = await action(who, form)
    except (CityOpsError, ValidationError) as exc:
        status = status_of(exc) if isinstance(exc, CityOpsError) else 400
        return await _page(request, who, status, error=_message(exc))
    if done == "token":
        return await _page(request, who, 201, secret=result)
    city = form.get("slug") if done == "city" else form.get("org")  # a new city: show it
    query = {"done": done, **({"org": city} if city and who.is_admin else {})}
    return RedirectResponse(f"/ops/admin?{urlencode(query)}", status_code=303)


@router.post("/ops/admin/users")
async def add_person(request: Request) -> Response:
    """Add an operator or analyst (city admins also: in their city only)."""

    async def act(who: Principal, f: dict[str, str]) -> Any:
        body = admin.UserIn(
            username=f.get("username", ""),
            password=f.get("password", ""),
            role=f.get("role", ""),
            org=f.get("org") or None,
        )
        return await admin.add_person(body, request, who, must_change_password=True)

    return await _submit(request, act, "added")


@router.post("/ops/admin/users/{username}/{what}")
async def change_person(username: str, what: str, request: Request) -> Response:
    """Disable, enable or reset the password of a person of the city."""

    async def act(who: Principal, f: dict[str, str]) -> Any:
        if what == "password":
            body = admin.PasswordReset(password=f.get("password", ""))
            return await admin.reset_user_password(username, body, request, who)
        if what in ("disable", "enable"):
            return await admin.set_user_disabled(request, who, username, what == "disable")
        raise NotFound(f"no such action {what!r}")

    return await _submit(request, act, {"disable": "disabled", "enable": "enabled"}.get(what, what))


@router.post("/ops/admin/tokens")
async def issue_token(request: Request) -> Response:
    """Issue a device token for a station of the city; its secret is shown once."""

    async def act(who: Principal, f: dict[str, str]) -> Any:
        fields = {"device": f.get("device") or None, "name": f.get("name") or None}
        body = admin.TokenIn.model_validate(fields)
        if body.device is None:
            raise InvalidInput("device: choose the station the token is for", field="device")
        made = await admin.new_token(body, request, who)
        return {"id": made["id"], "token": made["token"], "device": body.device}

    return await _submit(request, act, "token")


@router.post("/ops/admin/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, request: Request) -> Response:
    """Revoke a device token of the city."""
    return await _submit(
        request, lambda who, f: admin.delete_token(token_id, request, who), "revoked"
    )


@router.post("/ops/admin/orgs")
async def add_city(request: Request) -> Response:
    """Add a city (admins)."""

    async def act(who: Principal, f: dict[str, str]) -> Any:
        langs = [x.strip() for x in f.get("languages", "").split(",") if x.strip()] or None
        fields = {k: f.get(k) or None for k in ("country_iso2", "timezone")}
        body = admin.OrgIn.model_validate(
            {"slug": f.get("slug", ""), "name": f.get("name", ""), "languages": langs, **fields}
        )
        return await admin.create_org(body, request, who)

    return await _submit(request, act, "city")
