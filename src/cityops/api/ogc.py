"""/ogc: the city's datasets as OGC API – Features (Part 1 core, GeoJSON, HTML; Part 3
filtering with CQL2 text and JSON), a Records catalogue and DCAT JSON-LD.

Visibility as everywhere: a restricted dataset exists only for its organisation's members
and admins (404 for anyone else). The format is ``f=json|html`` or the Accept header.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.auth.principal import Principal
from cityops.datasets import catalogue, cql, html, items, ogc
from cityops.errors import InvalidQuery

router = APIRouter(prefix="/ogc", tags=["ogc"])


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _wants_html(request: Request, f: str | None) -> bool:
    if f is not None:
        if f not in ("json", "html", "geojson", "jsonld"):
            raise InvalidQuery("f must be json or html", field="f")
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _answer(
    request: Request,
    f: str | None,
    title: str,
    doc: dict[str, Any],
    media: str = "application/json",
) -> Response:
    if _wants_html(request, f):
        return HTMLResponse(html.page(title, doc))
    return JSON(doc, media_type=media)


@router.get("", summary="OGC API landing page")
def landing(request: Request, f: str | None = None) -> Response:
    """The landing page: links to the conformance declaration, collections and the API."""
    return _answer(request, f, "CityOps data hub", ogc.landing(_base(request)))


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request, f: str | None = None) -> Response:
    """The OGC conformance classes implemented."""
    return _answer(request, f, "Conformance", {"conformsTo": ogc.CONFORMANCE})


@router.get(
    "/catalogue.jsonld",
    summary="The catalogue as DCAT (JSON-LD)",
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}},
)
def dcat_catalogue(request: Request, who: Principal = Depends(principal)) -> Response:
    """Every dataset the caller may see, as a DCAT 2 catalogue in JSON-LD."""
    with ctx(request).store.read() as conn:
        rows = catalogue.list_datasets(conn, who)
    return JSON(ogc.dcat(_base(request), rows), media_type="application/ld+json")


@router.get("/collections", summary="The collections")
def collections(
    request: Request, f: str | None = None, who: Principal = Depends(principal)
) -> Response:
    """The datasets the caller may see, and the Records catalogue."""
    base = _base(request)
    with ctx(request).store.read() as conn:
        rows = catalogue.list_datasets(conn, who)
    doc = {
        "links": [ogc.link(f"{base}/ogc/collections", "self", "application/json")],
        "collections": [ogc.collection(base, r) for r in rows] + [ogc.records_collection(base)],
    }
    return _answer(request, f, "Collections", doc)


@router.get("/collections/{collection_id}", summary="One collection")
def collection(
    collection_id: str, request: Request, f: str | None = None, who: Principal = Depends(principal)
) -> Response:
    """A dataset's description: extent, licence, keywords, links to its items."""
    base = _base(request)
    if collection_id == ogc.RECORDS:
        return _answer(request, f, "Catalogue", ogc.records_collection(base))
    with ctx(request).store.read() as conn:
        row = catalogue.get_dataset(conn, who, collection_id)
    return _answer(request, f, row["title"], ogc.collection(base, row))


@router.get("/collections/{collection_id}/queryables", summary="Queryables (CQL2)")
def queryables(
    collection_id: str, request: Request, who: Principal = Depends(principal)
) -> Response:
    """The properties a CQL2 filter may name, as JSON Schema."""
    with ctx(request).store.read() as conn:
        row = catalogue.get_dataset(conn, who, collection_id)
        props = items.property_types(conn, int(row["id"]))
    schema = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{_base(request)}/ogc/collections/{collection_id}/queryables",
        "type": "object",
        "title": row["title"],
        "properties": {
            "geometry": {"$ref": "https://geojson.org/schema/Geometry.json"},
            "datetime": {"type": "string", "format": "date-time"},
            "id": {"type": "integer"},
            **{k: {"type": t} for k, t in props.items()},
        },
    }
    return JSON(schema, media_type="application/schema+json")


@router.get("/collections/{collection_id}/items", summary="Features, filtered and paged")
def collection_items(
    collection_id: str,
    request: Request,
    f: str | None = None,
    bbox: str | None = None,
    datetime: str | None = None,
    filter: str | None = None,
    filter_lang: str | None = Query(None, alias="filter-lang"),
    filter_crs: str | None = Query(None, alias="filter-crs"),
    limit: int = Query(items.DEFAULT_LIMIT, ge=1, le=items.MAX_LIMIT),
    offset: int = Query(0, ge=0),
    who: Principal = Depends(principal),
) -> Response:
    """GeoJSON features with ``bbox``, ``datetime``, a CQL2 ``filter`` and limit/offset
    paging (a ``next`` link while more match)."""
    if filter_crs not in (None, ogc.CRS84):
        raise InvalidQuery(f"filter-crs: only {ogc.CRS84}", field="filter-crs")
    base = _base(request)
    start, end = items.parse_datetime(datetime)
    q = items.Query(
        bbox=items.parse_bbox(bbox),
        start=start,
        end=end,
        filter=cql.compile_filter(cql.parse(filter, filter_lang)) if filter else None,
        limit=limit,
        offset=offset,
    )
    with ctx(request).store.read() as conn:
        if collection_id == ogc.RECORDS:
            rows = catalogue.list_datasets(conn, who)
            feats, matched = [ogc.record(base, r) for r in rows][offset : offset + limit], len(rows)
            title = "Catalogue"
        else:
            row = catalogue.get_dataset(conn, who, collection_id)
            feats, matched = items.items(conn, int(row["id"]), q)
            title = row["title"]
    doc = {
        "type": "FeatureCollection",
        "features": feats,
        "numberMatched": matched,
        "numberReturned": len(feats),
        "links": _page_links(request, offset, limit, matched),
    }
    return _answer(request, f, title, doc, media=ogc.GEOJSON)


def _page_links(request: Request, offset: int, limit: int, matched: int) -> list[dict[str, str]]:
    url = request.url
    links = [ogc.link(str(url), "self", ogc.GEOJSON)]
    if offset + limit < matched:
        nxt = url.include_query_params(offset=offset + limit, limit=limit)
        links.append(ogc.link(str(nxt), "next", ogc.GEOJSON))
    if offset > 0:
        prev = url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append(ogc.link(str(prev), "prev", ogc.GEOJSON))
    return links


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def collection_item(
    collection_id: str,
    feature_id: int,
    request: Request,
    f: str | None = None,
    who: Principal = Depends(principal),
) -> Response:
    """One feature of a dataset as GeoJSON."""
    base = _base(request)
    with ctx(request).store.read() as conn:
        row = catalogue.get_dataset(conn, who, collection_id)
        feat = items.one(conn, int(row["id"]), feature_id)
    href = f"{base}/ogc/collections/{collection_id}"
    feat["links"] = [
        ogc.link(f"{href}/items/{feature_id}", "self", ogc.GEOJSON),
        ogc.link(href, "collection", "application/json"),
    ]
    return _answer(request, f, f"{row['title']}: {feature_id}", feat, media=ogc.GEOJSON)
