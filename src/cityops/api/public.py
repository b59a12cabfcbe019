"""The resident's side of the public page: installable web app (manifest, service worker),
Web Push subscriptions, the e-mail fallback with double opt-in, and the city's offline
basemap file. HTTP only; the rules live in ``alerting.residents``."""

from __future__ import annotations

import asyncio
import hashlib
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from cityops.alerting import residents
from cityops.alerting.alert_worker import server_keys
from cityops.alerting.cap_issue import base_url
from cityops.alerting.channels import DeliveryError
from cityops.alerting.channels.email import send_plain
from cityops.alerting.channels.webpush import VAPID_SECRET, vapid_public_key
from cityops.api.body import json_body
from cityops.api.context import ctx
from cityops.api.json import JSON
from cityops.api.web_pages import templates
from cityops.errors import InvalidInput, NotFound
from cityops.store.writer import Tx
from cityops.web import assets, i18n, warnings

router = APIRouter(tags=["public"])


@router.get("/public/manifest.webmanifest", include_in_schema=False)
def manifest() -> Response:
    """The web app manifest: /public installs on a phone's home screen like an app."""
    doc = {
        "name": "CityOps public warnings",
        "short_name": "Warnings",
        "description": "Current public warnings of your city, also offline",
        "start_url": "/public",
        "scope": "/public",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [
            {"src": f"/static/icons/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ]
        + [
            {
                "src": "/static/icons/icon-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    return JSON(doc, media_type="application/manifest+json")


@lru_cache(maxsize=1)
def _worker_script() -> bytes:
    """The service worker with its cache named after a digest of the files it caches: a
    new CityOps (or changed page files) is a new script, so phones replace their copy."""
    digest = hashlib.sha256()
    for folder in ("js", "css", "geo", "icons"):
        for path in sorted((assets.STATIC_DIR / folder).glob("*")):
            digest.update(path.name.encode() + path.read_bytes())
    script = (assets.STATIC_DIR / "js" / "public-sw.js").read_bytes()
    return script.replace(
        b"cityops-public-v1", f"cityops-public-{digest.hexdigest()[:12]}".encode()
    )


@router.get("/public-sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The service worker, served from the root so that it may control /public."""
    return Response(
        _worker_script(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/public"},
    )


@router.get("/public/basemap.pmtiles", include_in_schema=False)
def basemap(request: Request) -> FileResponse:
    """The city's offline basemap (setting ``public_basemap_file``), read in ranges."""
    path = ctx(request).settings.public_basemap_file
    if path is None or not path.is_file():
        raise NotFound("no basemap file is configured")
    return FileResponse(path, media_type="application/vnd.pmtiles")


@router.get("/api/public/push/key")
async def push_key(request: Request) -> dict[str, Any]:
    """The server's VAPID public key (the browser's ``applicationServerKey``)."""
    keys = await ctx(request).store.write(server_keys)
    return {"public_key": vapid_public_key(keys[VAPID_SECRET])}


@router.get("/api/public/areas")
def public_areas(request: Request, region: str | None = None) -> dict[str, Any]:
    """The warning areas of a city (names), to subscribe to one of them."""
    slug = warnings.check_region(region)
    if slug is None:
        return {"value": []}
    with ctx(request).store.read() as conn:
        return {"value": residents.area_names(conn, slug)}


@router.post("/api/public/push-subscriptions", status_code=201)
async def push_subscribe(request: Request) -> Response:
    """Body: ``{"subscription": PushSubscription JSON, "region": slug or "", "lang": "vi"}``."""
    body = await json_body(request)
    c = ctx(request)
    done = await c.store.write(lambda tx: residents.subscribe_push(tx, body, c.settings))
    return JSON(done, status_code=201)


@router.delete("/api/public/push-subscriptions", status_code=204)
async def push_unsubscribe(request: Request) -> Response:
    """Body: ``{"endpoint": ...}``; the row is deleted."""
    body = await json_body(request)
    await ctx(request).store.write(lambda tx: residents.unsubscribe_push(tx, body))
    return Response(status_code=204)


def _page(request: Request, status: int = 200, **values: Any) -> Response:
    """A short page in the reader's language (``?lang=``, else Accept-Language)."""
    code = i18n.negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    t = i18n.labels(code)
    address = values.pop("address", "")
    words = {k: t[v].format(address=address) for k, v in values.pop("keys").items()}
    return templates.TemplateResponse(
        request,
        "public_message.html",
        {"page": "public", "lang": code, **words, **values},
        status_code=status,
    )


async def _form_or_json(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await json_body(request)
        if not isinstance(body, dict):
            raise InvalidInput("body: must be a JSON object", field="body")
        return body
    return {k: str(v) for k, v in (await request.form()).items()}


@router.post("/public/email-subscriptions", status_code=202)
async def email_subscribe(request: Request) -> Response:
    """Subscribe an address (form or JSON: ``email``, ``region``, ``lang``); a link to
    confirm is mailed to it. The answer is the same whether or not it was subscribed."""
    c = ctx(request)
    if not c.settings.smtp_host:
        raise NotFound("e-mail subscriptions are not offered: no SMTP server is configured")
    body = await _form_or_json(request)

    def job(tx: Tx) -> tuple[str, str | None]:
        row_id, target, send = residents.subscribe_email(tx, body)
        return target, residents.link_token(tx, "confirm", row_id, target) if send else None

    target, token = await c.store.write(job)
    code = i18n.negotiate(str(body.get("lang") or ""), request.headers.get("accept-language"))
    if token:
        link = f"{base_url(c.settings)}/public/email/confirm?token={token}&lang={code}"
        t = i18n.labels(code)
        text = f"{t['confirm_text']}\n\n{link}\n\n{t['confirm_ignore']}"
        try:
            await asyncio.to_thread(send_plain, c.settings, target, t["confirm_subject"], text)
        except (DeliveryError, OSError) as exc:
            raise InvalidInput(
                f"email: the confirmation could not be sent ({exc})", field="email"
            ) from None
    if request.headers.get("content-type", "").startswith("application/json"):
        return JSON({"status": "confirmation sent"}, status_code=202)
    return _page(request, 202, address=target, keys={"title": "inbox_title", "text": "inbox_text"})


@router.get("/public/email/confirm", response_class=HTMLResponse)
async def email_confirm_form(request: Request, token: str = "") -> Response:
    """A button to confirm (a GET never changes anything: link scanners open links)."""
    keys = {"title": "confirm_title", "text": "confirm_page", "button": "confirm_button"}
    return _page(request, keys=keys, action="/public/email/confirm", token=token)


@router.post("/public/email/confirm", response_class=HTMLResponse)
async def email_confirm(request: Request) -> Response:
    body = await _form_or_json(request)
    target = await ctx(request).store.write(
        lambda tx: residents.confirm_email(tx, body.get("token"))
    )
    keys = {"title": "subscribed_title", "text": "subscribed_text"}
    return _page(request, address=target, keys=keys)


@router.get("/public/email/unsubscribe", response_class=HTMLResponse)
async def email_unsubscribe_form(request: Request, token: str = "") -> Response:
    keys = {
        "title": "unsubscribe_title",
        "text": "unsubscribe_page",
        "button": "unsubscribe_button",
    }
    return _page(request, keys=keys, action="/public/email/unsubscribe", token=token)


@router.post("/public/email/unsubscribe", response_class=HTMLResponse)
async def email_unsubscribe(request: Request, token: str | None = None) -> Response:
    """Delete the subscription (also the RFC 8058 one-click POST, token in the query)."""
    body = {} if token else await _form_or_json(request)
    found = token or body.get("token")
    target = await ctx(request).store.write(lambda tx: residents.unsubscribe_email(tx, found))
    keys = {"title": "unsubscribe_title", "text": "unsubscribed_text"}
    return _page(request, address=target, keys=keys)
