"""JSON for the pages: downsampled series, stations with their state, the network of
cities; and the JavaScript libraries from ``node_modules`` under /assets/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.auth.principal import Principal
from cityops.auth.users import language_of
from cityops.errors import InvalidInput, NotFound, Unauthorized
from cityops.web import assets, cities, i18n, series, stations, warnings

router = APIRouter(tags=["web"])


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{name}: give a time zone, e.g. 2025-08-01T00:00:00Z", field=name)
    return value


@router.get("/api/series/{datastream_id}")
def get_series(
    datastream_id: int,
    request: Request,
    buckets: int = 500,
    start: datetime | None = Query(None, alias="from"),
    end: datetime | None = Query(None, alias="to"),
    who: Principal = Depends(principal),
) -> dict[str, Any]:
    """Min/mean/max of a datastream's numeric results in ``buckets`` equal time buckets of
    [from, to) (query ``from``/``to``, ISO 8601 with zone; default: the 7 days up to the
    latest observation)."""
    start, end = _aware(start, "from"), _aware(end, "to")
    c = ctx(request)
    with c.store.read() as conn:
        return series.chart(conn, c.store.kind, who, datastream_id, start, end, buckets)


def _signed(who: Principal) -> Principal:
    if who.is_anonymous:
        raise Unauthorized("log in or send a bearer token")
    return who


@router.get("/api/web/stations")
def get_stations(
    request: Request, org: str | None = None, who: Principal = Depends(principal)
) -> dict[str, Any]:
    """The chosen city's stations with their state, and its areas (GeoJSON); the words in
    the caller's interface language (their choice, else ``?lang=``/Accept-Language)."""
    _signed(who)
    now = datetime.now(UTC)
    with ctx(request).store.read() as conn:
        chosen_lang = language_of(conn, who.user_id) if who.user_id is not None else None
        lang = chosen_lang or i18n.negotiate(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        chosen = cities.choose_org(conn, who, org)
        if chosen is None:
            return {"org": None, "stations": [], "areas": cities.areas(conn, who, -1)}
        return {
            "org": chosen,
            "stations": stations.stations(conn, who, chosen["id"], now, lang=lang),
            "areas": cities.areas(conn, who, chosen["id"]),
        }


@router.get("/api/web/network")
def get_network(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    """Every pilot city (organisation) with its open incidents where the caller may read."""
    _signed(who)
    with ctx(request).store.read() as conn:
        return {"value": cities.network(conn, who)}


@router.get("/api/public/warnings")
def public_warnings(
    request: Request, lang: str | None = None, region: str | None = None
) -> dict[str, Any]:
    """Warnings in force for everybody (of one city with ``region``, its slug), each in
    ``lang`` (else Accept-Language) if the alert has it, with issuer, times in the city's
    zone and links; ``all_clear``: chains cancelled within ``public_all_clear_hours``."""
    code = i18n.negotiate(lang, request.headers.get("accept-language"))
    region = warnings.check_region(region)
    hours = ctx(request).settings.public_all_clear_hours
    with ctx(request).store.read() as conn:
        return {
            "lang": code,
            "region": region,
            "value": warnings.current(conn, code, region=region),
            "all_clear": warnings.all_clears(conn, code, hours, region=region),
        }


@router.get("/assets/{package}/{path:path}", include_in_schema=False)
async def get_asset(package: str, path: str, request: Request) -> FileResponse:
    """A file of an allowed npm package from ``node_modules`` (never a CDN)."""
    root = assets.node_modules(ctx(request).settings.assets_dir)
    found = await run_in_threadpool(assets.asset_file, root, package, path)
    if found is None:
        raise NotFound(f"no asset {package}/{path}")
    return FileResponse(
        found,
        media_type=assets.media_type(found),
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/{path:path}", include_in_schema=False)
async def get_static(path: str) -> FileResponse:
    """CityOps' own CSS and ES modules."""
    base = assets.STATIC_DIR.resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise NotFound(f"no static file {path}")
    return FileResponse(
        target, media_type=assets.media_type(target), headers={"Cache-Control": "no-cache"}
    )
