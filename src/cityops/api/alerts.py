"""Public warnings: /api/alerts (JSON, drafts, issue, update, cancel), one URL per CAP
document (/alerts/<id>.xml), the Atom and RSS feeds, and outside alerts."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cityops.alerting import cap_alerts, cap_queries, composer, external
from cityops.alerting.cap_issue import issue
from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import principal, signed_in
from cityops.api.json import JSON
from cityops.auth.policy import require_admin
from cityops.auth.principal import Principal
from cityops.cap import CAP_MIME, build_atom_feed, build_rss_feed
from cityops.egress import EgressPolicy
from cityops.errors import InvalidInput
from cityops.exposure import layers as exposure_layers
from cityops.exposure.wording import sentences
from cityops.web.translations import translations

router = APIRouter(tags=["alerts"])
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _xml(mime: str, what: str) -> dict[str, Any]:
    """Route options documenting an XML response (not the default JSON)."""
    return {
        "response_class": Response,
        "responses": {
            200: {"description": what, "content": {mime: {"schema": {"type": "string"}}}}
        },
    }


async def _object(request: Request, empty_ok: bool = False) -> dict[str, Any]:
    if empty_ok and not (await request.body()).strip():
        return {}
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    return body


def _get(request: Request, alert_id: int, who: Principal) -> dict[str, Any]:
    with ctx(request).store.read() as conn:
        doc = cap_queries.get_alert(conn, alert_id, who)
        doc["exposure"] = exposure_layers.for_alert(conn, doc)
    if doc["exposure"] is not None:  # the composer's suggestion in each text's language
        languages = [str(i.get("language") or "en") for i in doc.get("infos") or []]
        doc["exposure"]["sentences"] = sentences(doc["exposure"], languages, translations)
    return doc


async def _read(request: Request, alert_id: int, who: Principal) -> dict[str, Any]:
    """``_get`` for async handlers: the read runs in a reader thread."""
    return await ctx(request).store.read_async(
        lambda conn: cap_queries.get_alert(conn, alert_id, who)
    )


@router.get("/api/alerts")
def list_alerts(
    request: Request,
    status: str | None = None,
    incident: int | None = None,
    org: str | None = None,
    limit: int = 100,
    offset: int = 0,
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Alerts the caller may see, newest first (the public sees issued public alerts)."""
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInput("limit: 1 to 1000 (offset >= 0)", field="limit")
    with ctx(request).store.read() as conn:
        return {
            "value": cap_queries.list_alerts(
                conn, who, status=status, incident=incident, org=org, limit=limit, offset=offset
            )
        }


@router.get("/api/alerts/{alert_id}")
def get_alert(
    alert_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """One alert: its status, chain, references and (draft) info blocks."""
    return _get(request, alert_id, who)


@router.patch("/api/alerts/{alert_id}")
async def patch_alert(
    alert_id: int, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Message-wide fields of a draft, set in every language: ``severity``, ``urgency``,
    ``certainty``, ``response_type`` (list), ``valid_hours`` (expiry after issue) and
    ``area`` (``{"name": warning area}`` or ``{"name", "geometry": GeoJSON Polygon}``).
    Texts per language at /api/alerts/{id}/infos/{language}."""
    body = await _object(request)
    c = ctx(request)
    await c.store.write(lambda tx: composer.set_message(tx, alert_id, body, who, c.settings))
    return await _read(request, alert_id, who)


@router.post("/api/incidents/{incident_id}/alert", status_code=201)
async def alert_from_incident(
    incident_id: int, request: Request, who: Principal = Depends(signed_in)
) -> Response:
    """A draft for the incident (its open draft if it has one; an Update when its alert
    is in force): the composer's "New alert" button on an incident card."""
    c = ctx(request)
    new_id = await c.store.write(
        lambda tx: composer.draft_from_incident(
            tx, incident_id, who, c.settings, client_address(request)
        )
    )
    return JSON(await _read(request, new_id, who), status_code=201)


@router.patch("/api/alerts/{alert_id}/infos/{language}")
async def edit_language(
    alert_id: int, language: str, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Edit one language of a draft: ``{"headline", "description", "instruction", ...}``."""
    body = await _object(request)
    c = ctx(request)
    await c.store.write(
        lambda tx: cap_alerts.edit_draft(
            tx, alert_id, language, body, who, c.settings, client_address(request)
        )
    )
    return await _read(request, alert_id, who)


@router.post("/api/alerts/{alert_id}/issue")
async def issue_alert(
    alert_id: int, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Issue a draft: the CAP document is validated, stored and never changed again."""
    c = ctx(request)
    await c.store.write(lambda tx: issue(tx, alert_id, who, c.settings, client_address(request)))
    return await _read(request, alert_id, who)


async def _follow_up(request: Request, alert_id: int, msg_type: str, who: Principal) -> Response:
    c = ctx(request)
    new_id = await c.store.write(
        lambda tx: cap_alerts.follow_up(
            tx, alert_id, msg_type, who, c.settings, client_address(request)
        )
    )
    return JSON(await _read(request, new_id, who), status_code=201)


@router.post("/api/alerts/{alert_id}/update", status_code=201)
async def update_alert(
    alert_id: int, request: Request, who: Principal = Depends(signed_in)
) -> Response:
    """Start an Update of the alert's chain: a draft with the current texts, to edit."""
    return await _follow_up(request, alert_id, "Update", who)


@router.post("/api/alerts/{alert_id}/cancel", status_code=201)
async def cancel_alert(
    alert_id: int, request: Request, who: Principal = Depends(signed_in)
) -> Response:
    """Issue a Cancel of the alert's chain (references every earlier message)."""
    return await _follow_up(request, alert_id, "Cancel", who)


@router.get("/alerts/{alert_id}.xml", **_xml(CAP_MIME, "CAP 1.2 document"))
def cap_document(alert_id: int, request: Request, who: Principal = Depends(principal)) -> Response:
    """The exact issued CAP 1.2 document (public for issued public alerts)."""
    with ctx(request).store.read() as conn:
        xml = cap_queries.cap_document(conn, alert_id, who)
    return Response(xml, media_type=CAP_MIME)


def _org_slug(org: str | None) -> str | None:
    if org is not None and not _SLUG.match(org):
        raise InvalidInput("org: an organisation slug (a-z, 0-9, '-')", field="org")
    return org


def _feed_base(request: Request) -> str:
    return ctx(request).public_base(request) + "/"


@router.get("/alerts.atom", **_xml("application/atom+xml", "Atom feed"))
def atom_feed(request: Request, org: str | None = None) -> Response:
    """Atom feed of current public alerts, newest first, linking their CAP documents."""
    with ctx(request).store.read() as conn:
        items = cap_queries.feed_items(conn, org=_org_slug(org))
    path = "alerts.atom" + (f"?org={org}" if org else "")
    body = build_atom_feed(
        items, _feed_base(request), title="CityOps public warnings", self_path=path
    )
    return Response(body, media_type="application/atom+xml")


@router.get("/alerts.rss", **_xml("application/rss+xml", "RSS 2.0 feed"))
def rss_feed(request: Request, org: str | None = None) -> Response:
    """RSS 2.0 feed of current public alerts, newest first."""
    with ctx(request).store.read() as conn:
        items = cap_queries.feed_items(conn, org=_org_slug(org))
    path = "alerts.rss" + (f"?org={org}" if org else "")
    body = build_rss_feed(
        items, _feed_base(request), title="CityOps public warnings", self_path=path
    )
    return Response(body, media_type="application/rss+xml")


@router.get("/api/external-alerts")
def list_external(request: Request, current: bool = False, limit: int = 100) -> dict[str, Any]:
    """Warnings imported from outside CAP feeds (public)."""
    with ctx(request).store.read() as conn:
        return {
            "value": external.list_external(
                conn, current_only=current, limit=max(1, min(limit, 1000))
            )
        }


@router.post("/api/external-alerts/import")
async def import_external(request: Request, who: Principal = Depends(signed_in)) -> dict[str, Any]:
    """Admins: fetch an Atom/RSS feed of CAP alerts. Body ``{"url": "https://..."}``."""
    require_admin(who, "imports outside feeds")
    url = (await _object(request)).get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidInput("url: an http(s) URL of an Atom or RSS feed", field="url")
    c = ctx(request)
    policy = EgressPolicy.from_settings(c.settings)
    fetched = await asyncio.to_thread(
        external.fetch_feed, url, c.settings.feed_max_bytes, policy=policy
    )
    count = await c.store.write(lambda tx: external.save_external(tx, fetched, who))
    return {"source": url, "imported": count, "skipped": fetched.errors}
