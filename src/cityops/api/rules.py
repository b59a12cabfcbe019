"""/api/rules: create, read, replace, patch and delete hazard rules (city admins, admins).

A rule document is flat, as in a rules TOML file: ``name``, ``type``, optional ``subject``,
``enabled``, ``description``, ``output`` (datastream id for derived values),
``organisation`` (admins), and the rule type's own keys (``inputs``, ``levels`` ...).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from cityops.alerting import catalog
from cityops.api.body import client_address, json_body
from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput, Unauthorized

router = APIRouter(prefix="/api/rules", tags=["rules"])


def _signed_in(who: Principal) -> Principal:
    if who.is_anonymous:
        raise Unauthorized("sign in to manage rules")
    return who


async def _object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    return body


@router.get("")
def list_rules(
    request: Request,
    type: str | None = None,
    datastream: int | None = None,
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Rules of the caller's organisation (admins: all)."""
    with ctx(request).store.read() as conn:
        return {
            "value": catalog.list_rules(conn, _signed_in(who), type=type, datastream=datastream)
        }


@router.get("/{rule_id}")
def get_rule(rule_id: int, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with ctx(request).store.read() as conn:
        return catalog.get_rule(conn, rule_id, _signed_in(who))


@router.post("", status_code=201)
async def create_rule(request: Request, who: Principal = Depends(principal)) -> JSON:
    """Create a rule; 400 names the field when the rule or its datastreams do not fit."""
    c, body, remote = ctx(request), await _object(request), client_address(request)
    rule_id = await c.store.write(lambda tx: catalog.create_rule(tx, body, _signed_in(who), remote))
    doc = await c.store.read_async(lambda conn: catalog.get_rule(conn, rule_id, who))
    return JSON(doc, status_code=201, headers={"Location": f"/api/rules/{rule_id}"})


async def _replace(request: Request, rule_id: int, who: Principal, merge: bool) -> dict[str, Any]:
    c, body, remote = ctx(request), await _object(request), client_address(request)
    await c.store.write(
        lambda tx: catalog.replace_rule(tx, rule_id, body, _signed_in(who), remote, merge)
    )
    return await c.store.read_async(lambda conn: catalog.get_rule(conn, rule_id, who))


@router.put("/{rule_id}")
async def replace_rule(
    rule_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    return await _replace(request, rule_id, who, merge=False)


@router.patch("/{rule_id}")
async def patch_rule(
    rule_id: int, request: Request, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """Merge top-level keys (e.g. ``{"enabled": false}``) into the rule."""
    return await _replace(request, rule_id, who, merge=True)


@router.delete("/{rule_id}", status_code=204)
async def delete_rule(rule_id: int, request: Request, who: Principal = Depends(principal)) -> None:
    remote = client_address(request)
    await ctx(request).store.write(
        lambda tx: catalog.delete_rule(tx, rule_id, _signed_in(who), remote)
    )
