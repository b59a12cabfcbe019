"""Notification channels: /api/alert-subscriptions and /api/alert-deliveries (the
dead-letter list, ``?status=dead``, and retry), for admins and city admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cityops.alerting.channels import outbox, subscriptions
from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import signed_in
from cityops.api.json import JSON
from cityops.auth.principal import Principal

router = APIRouter(tags=["alert channels"])


@router.get("/api/alert-subscriptions")
def list_subscriptions(request: Request, who: Principal = Depends(signed_in)) -> dict[str, Any]:
    """Subscriptions the caller manages (secrets are not shown)."""
    with ctx(request).store.read() as conn:
        return {"value": subscriptions.list_subscriptions(conn, who)}


@router.post("/api/alert-subscriptions", status_code=201)
async def create_subscription(request: Request, who: Principal = Depends(signed_in)) -> Response:
    """Body: ``{"channel": "webhook|email|mqtt", "target", "secret"?, "area"? (GeoJSON),
    "min_severity"?, "name"?, "organisation"? (admins)}``. Shows the secret once."""
    body = await json_body(request)
    doc = await ctx(request).store.write(
        lambda tx: subscriptions.create(tx, body, who, client_address(request))
    )
    return JSON(doc, status_code=201)


@router.delete("/api/alert-subscriptions/{sub_id}", status_code=204)
async def delete_subscription(
    sub_id: int, request: Request, who: Principal = Depends(signed_in)
) -> Response:
    await ctx(request).store.write(
        lambda tx: subscriptions.remove(tx, sub_id, who, client_address(request))
    )
    return Response(status_code=204)


@router.get("/api/alert-deliveries")
def list_deliveries(
    request: Request,
    status: str | None = None,
    limit: int = 100,
    who: Principal = Depends(signed_in),
) -> dict[str, Any]:
    """Deliveries, newest first; ``?status=dead`` is the dead-letter list."""
    with ctx(request).store.read() as conn:
        return {"value": outbox.list_deliveries(conn, who, status, max(1, min(limit, 1000)))}


@router.post("/api/alert-deliveries/{delivery_id}/retry")
async def retry_delivery(
    delivery_id: int, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Queue a dead delivery again (attempts start over)."""
    await ctx(request).store.write(
        lambda tx: outbox.retry(tx, delivery_id, who, client_address(request))
    )
    return {"id": delivery_id, "status": "pending"}
