"""POST, PATCH, PUT and DELETE under /v1.1. Each request is one write job: all or nothing,
with its audit row in the same transaction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cityops.api.body import client_address, json_body
from cityops.api.context import Context, ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.auth import audit
from cityops.auth.policy import owners, sees_row
from cityops.auth.principal import Principal
from cityops.datamodel.entities import EntityType
from cityops.errors import InvalidInput, NotFound
from cityops.ingest.write import Stored
from cityops.sta.create import create_entity, create_observation
from cityops.sta.delete import delete_entity
from cityops.sta.query import QueryOptions
from cityops.sta.read import Reader
from cityops.sta.resource_paths import Target, bare_collection, resolve
from cityops.sta.serialize import Serializer
from cityops.sta.update import patch_entity, update_entity
from cityops.store.writer import Tx

router = APIRouter()


def _org_of(tx: Tx, entity: str, ident: int) -> int | None:
    """The organisation of an entity, for its audit row (shown to that organisation)."""
    found = owners(tx.conn, entity, [ident]).get(ident)
    return None if found is None else found.org_id


async def _target(c: Context, path: str, who: Principal) -> Target:
    bare = bare_collection(path)  # POST /Observations, the hot path, needs no query
    if bare is not None:
        return bare
    return await c.store.read_async(lambda conn: resolve(conn, path, who))


async def _entity_json(
    c: Context, request: Request, et: EntityType, ident: int, who: Principal
) -> dict[str, Any]:
    ser = Serializer(c.root_url(request))
    row = await c.store.read_async(
        lambda conn: Reader(conn, who, ser, 1, 1).entity(et, ident, QueryOptions())
    )
    if row is None:  # created, but the caller may not read it back (a device)
        return {"@iot.id": ident, "@iot.selfLink": ser.self_link(et, ident)}
    return ser.entity(et, row)


@router.post("/v1.1/{path:path}", status_code=201, tags=["SensorThings"])
async def create(path: str, request: Request, who: Principal = Depends(principal)) -> Response:
    """Create an entity (deep insert allowed) in a collection or under a parent entity."""
    c = ctx(request)
    body = await json_body(request)
    target = await _target(c, path, who)
    if target.kind != "collection" or target.ref:
        raise InvalidInput(f"POST needs a collection, not {path!r}", field="path")
    remote = client_address(request)
    if target.et.name == "Observation":
        out = await create_observation_answer(c, request, target, body, who, remote)
        return JSON(out, status_code=201, headers={"Location": out["@iot.selfLink"]})

    def job(tx: Tx) -> int:
        new_id = create_entity(tx, target.et, body, who, target.parent)
        org = _org_of(tx, target.et.name, new_id)
        audit.record(tx, who, "create", target.et.name, new_id, remote=remote, org_id=org)
        return new_id

    new_id = await c.store.write(job)
    out = await _entity_json(c, request, target.et, new_id, who)
    return JSON(out, status_code=201, headers={"Location": out["@iot.selfLink"]})


async def create_observation_answer(
    c: Context, request: Request, target: Target, body: Any, who: Principal, remote: str | None
) -> dict[str, Any]:
    """Store one Observation and answer with the row just written: the same body a read
    would give, without reading it back. Clustered (``events_url``), the observation is
    acknowledged once the replicated log holds it, with its reserved id (the row is written
    by a log consumer). Both the general route and the fast path (``fast.py``) come here."""
    ingest_log = c.services.ingest_log
    if ingest_log is not None:
        new_id = await ingest_log.post(body, who, target.parent, remote)
        return {
            "@iot.id": new_id,
            "@iot.selfLink": Serializer(c.root_url(request)).self_link(target.et, new_id),
        }

    def job(tx: Tx) -> Stored:
        stored = create_observation(tx, body, who, target.parent, defer=True)
        org = next((ds.org_id for ds in stored.streams.values()), None)
        audit.record(tx, who, "create", "Observation", stored.ids[0], remote=remote, org_id=org)
        return stored

    stored = await c.store.write(job)
    if not stored.rows:  # an earlier copy (receipt key): read it
        return await _entity_json(c, request, target.et, stored.ids[0], who)
    row = stored.rows[0]
    ser = Serializer(c.root_url(request))
    stream = stored.streams[row["datastream_id"]]
    if not sees_row(who, stream.org_id, stream.visibility):  # a device may write, not read
        return {"@iot.id": row["id"], "@iot.selfLink": ser.self_link(target.et, row["id"])}
    return ser.entity(target.et, row)


async def _single(c: Context, path: str, who: Principal) -> Target:
    target = await _target(c, path, who)
    if target.kind != "entity" or target.ref or target.id is None:
        raise InvalidInput(f"{path!r} is not a single entity", field="path")
    return target


@router.patch("/v1.1/{path:path}", tags=["SensorThings"])
async def patch(path: str, request: Request, who: Principal = Depends(principal)) -> Response:
    """Merge the body into an entity; ``application/json-patch+json`` applies RFC 6902."""
    c = ctx(request)
    body = await json_body(request)
    target = await _single(c, path, who)
    et, ident = target.et, target.id
    assert ident is not None
    remote = client_address(request)
    json_patch = request.headers.get("content-type", "").startswith("application/json-patch+json")

    def job(tx: Tx) -> None:
        if json_patch:  # applied to the entity as read in this transaction (``test`` guards)
            fields = patch_entity(tx, et, ident, body, who)
        else:
            update_entity(tx, et, ident, body, who)
            fields = sorted(body)
        org = _org_of(tx, et.name, ident)
        audit.record(tx, who, "update", et.name, ident, {"fields": fields}, remote, org)

    await c.store.write(job)
    return JSON(await _entity_json(c, request, et, ident, who))


@router.put("/v1.1/{path:path}", tags=["SensorThings"])
async def put(path: str, request: Request, who: Principal = Depends(principal)) -> Response:
    """Replace an entity's properties (unset optional ones become null)."""
    c = ctx(request)
    body = await json_body(request)
    target = await _single(c, path, who)
    et, ident = target.et, target.id
    assert ident is not None
    remote = client_address(request)

    def job(tx: Tx) -> None:
        update_entity(tx, et, ident, body, who, replace=True)
        audit.record(tx, who, "replace", et.name, ident, None, remote, _org_of(tx, et.name, ident))

    await c.store.write(job)
    return JSON(await _entity_json(c, request, et, ident, who))


@router.delete("/v1.1/{path:path}", status_code=200, tags=["SensorThings"])
async def remove(path: str, request: Request, who: Principal = Depends(principal)) -> Response:
    """Delete an entity and what the spec cascades to."""
    c = ctx(request)
    try:
        target = await _single(c, path, who)
    except InvalidInput:
        raise NotFound(f"no single entity at {path!r}") from None
    et, ident = target.et, target.id
    assert ident is not None
    remote = client_address(request)

    def job(tx: Tx) -> None:
        org = _org_of(tx, et.name, ident)
        delete_entity(tx, et, ident, who)
        audit.record(tx, who, "delete", et.name, ident, None, remote, org)

    await c.store.write(job)
    return Response(status_code=200)
