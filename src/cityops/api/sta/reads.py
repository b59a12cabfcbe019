"""GET under /v1.1: collections, entities, properties, $value, $ref, navigation paths."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.api.sta.root import service_root
from cityops.auth.principal import Principal
from cityops.datamodel.rows import json_value
from cityops.errors import InvalidQuery, NotFound
from cityops.settings import public_endpoint
from cityops.sta.query import QueryOptions, parse_options, validate_options
from cityops.sta.query.limits import QueryLimits
from cityops.sta.read import Reader, Source
from cityops.sta.resource_paths import Target, resolve
from cityops.sta.serialize import Page, Serializer

router = APIRouter()


@router.get("/v1.1", response_class=JSON, tags=["SensorThings"])
def root(request: Request) -> dict[str, Any]:
    """The service root: entity sets and the conformance classes implemented."""
    c = ctx(request)
    mqtt = c.settings.mqtt_url
    return service_root(c.root_url(request), public_endpoint(mqtt) if mqtt else None)


@router.get("/v1.1/{path:path}", tags=["SensorThings"])
def read(path: str, request: Request, who: Principal = Depends(principal)) -> Response:
    """Any SensorThings resource path with the query options of the spec."""
    c = ctx(request)
    if path == "":  # /v1.1/ is the service root too (clients append a slash to the root)
        return JSON(service_root(c.root_url(request), c.settings.mqtt_url))
    s = c.settings
    opts = parse_options(
        dict(request.query_params),
        default_top=s.default_top,
        max_top=s.max_top,
        limits=QueryLimits.from_settings(s),
    )
    ser = Serializer(c.root_url(request))
    with c.store.read() as conn:
        target = resolve(conn, path, who)
        validate_options(opts, target.et)
        reader = Reader(conn, who, ser, s.default_top, s.max_top, s.max_response_entities)
        if target.kind == "collection":
            return _collection(request, path, target, opts, reader, ser)
        row = reader.entity(target.et, target.id or 0, opts)
    if row is None:
        raise NotFound(f"{target.et.name} {target.id} not found")
    if target.kind == "entity":
        if target.ref:
            return JSON({"@iot.selfLink": ser.self_link(target.et, row["id"])})
        return JSON(ser.entity(target.et, row, opts.select))
    assert target.prop is not None
    value = json_value(target.prop, row)
    if target.kind == "value":
        if value is None:  # the property exists and is null: the JSON literal, not a 404
            return Response(b"null", media_type="application/json")
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        return PlainTextResponse(text)
    return JSON({target.prop.name: value})


def _collection(
    request: Request, path: str, target: Target, opts: QueryOptions, reader: Reader, ser: Serializer
) -> Response:
    if opts.result_format == "dataArray" and target.et.name != "Observation":
        raise InvalidQuery(
            "$resultFormat=dataArray applies to Observations only", field="$resultFormat"
        )
    page = reader.collection(Source(target.et, target.conditions), opts)
    link = _next_link(request, path, page)
    if target.ref:
        return JSON(ser.refs(target.et, page, link))
    if opts.result_format == "dataArray":
        return JSON(ser.data_array(page, opts.select, link))
    return JSON(ser.collection(target.et, page, opts.select, link))


def _next_link(request: Request, path: str, page: Page) -> str | None:
    if not page.more or page.next_skip is None:
        return None
    params = dict(request.query_params)
    params["$top"] = str(page.top)
    params["$skip"] = str(page.next_skip)
    return f"{ctx(request).root_url(request)}/{path}?{urlencode(params)}"
