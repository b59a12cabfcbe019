"""/api/incidents: list and filter, read with timeline, and the operators' actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from cityops.alerting import downstream
from cityops.alerting import operations as ops
from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput
from cityops.exposure import layers as exposure_layers
from cityops.exposure.layers import org_languages
from cityops.exposure.wording import sentences
from cityops.web.translations import translations

router = APIRouter(prefix="/api/incidents", tags=["incidents"])


@router.get("")
def list_incidents(
    request: Request,
    state: str | None = None,
    level: str | None = None,
    org: str | None = None,
    since: datetime | None = None,
    rule: str | None = None,
    origin: str | None = None,
    limit: int = 100,
    offset: int = 0,
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Incidents the caller may see, newest change first (``since`` needs a time zone)."""
    if since is not None and since.tzinfo is None:
        raise InvalidInput("since: give a time zone, e.g. 2025-08-01T00:00:00Z", field="since")
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInput("limit: 1 to 1000 (offset >= 0)", field="limit")
    with ctx(request).store.read() as conn:
        items = ops.list_incidents(
            conn,
            who,
            state=state,
            level=level,
            org=org,
            since=since,
            rule=rule,
            origin=origin,
            limit=limit,
            offset=offset,
        )
    return {"value": items}


@router.get("/{incident_id}")
def get_incident(
    incident_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """One incident and its timeline, its ``exposure`` and (river incidents) the stations
    ``downstream`` with the wave's expected arrival and level."""
    with ctx(request).store.read() as conn:
        doc = ops.get_incident(conn, incident_id, who)
        doc["exposure"] = exposure_layers.for_incident(conn, doc)
        if doc["exposure"] is not None:  # the card's sentence in the city's languages
            languages = ["en", *org_languages(conn, doc.get("org_id"))]
            doc["exposure"]["sentences"] = sentences(doc["exposure"], languages, translations)
        doc["downstream"] = downstream.for_incident(conn, doc, who)
    return doc


async def _body(request: Request) -> dict[str, Any]:
    if not (await request.body()).strip():
        return {}
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    return body


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{key}: must be a string", field=key)
    return value


async def _act(
    request: Request, incident_id: int, who: Principal, action: str, change: ops.Action
) -> dict[str, Any]:
    c, remote = ctx(request), client_address(request)
    await c.store.write(lambda tx: ops.act(tx, incident_id, who, action, change, remote))
    return await c.store.read_async(lambda conn: ops.get_incident(conn, incident_id, who))


@router.post("/{incident_id}/acknowledge")
async def acknowledge(
    incident_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """open -> acknowledged. Body (optional): ``{"note": "..."}``."""
    body = await _body(request)
    return await _act(
        request, incident_id, who, "acknowledge", ops.acknowledge(_text(body, "note"))
    )


@router.post("/{incident_id}/assign")
async def assign(
    incident_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """Body: ``{"assignee": "name" | null, "note": "..."}``."""
    body = await _body(request)
    if "assignee" not in body:
        raise InvalidInput("assignee: required (null to clear)", field="assignee")
    change = ops.assign(_text(body, "assignee"), _text(body, "note"))
    return await _act(request, incident_id, who, "assign", change)


@router.post("/{incident_id}/annotate")
async def annotate(
    incident_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """Body: ``{"note": "..."}`` (required)."""
    note = _text(await _body(request), "note")
    if not note:
        raise InvalidInput("note: required", field="note")
    return await _act(request, incident_id, who, "annotate", ops.annotate(note))


@router.post("/{incident_id}/resolve")
async def resolve(
    incident_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """-> resolved. Body (optional): ``{"note": "..."}``."""
    body = await _body(request)
    return await _act(request, incident_id, who, "resolve", ops.resolve(_text(body, "note")))
