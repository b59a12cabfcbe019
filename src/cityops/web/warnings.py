"""The public page's warnings: current issued public alerts, each in the reader's language,
with what a resident needs to trust it — who issued it (the city), when the chain was first
issued and last updated, until when it holds, all in the city's own time zone — and the
all-clear notices of chains cancelled recently (a Cancel must never make a warning vanish
without a word).

Reads the alerts through the alerting service (``cap_queries``, anonymous scope: only
published public messages). Per alert the info block in the reader's language is chosen
(primary subtag match), else English, else the first; areas become GeoJSON for the map
(CAP polygons are lat,lon; circles are drawn by the page from centre and radius).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from cityops.alerting.cap_queries import PUBLISHED, list_alerts
from cityops.auth.principal import ANONYMOUS
from cityops.cap.templates import cap_word
from cityops.errors import InvalidInput
from cityops.store import schema as s

SEVERITY_ORDER = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_region(region: str | None) -> str | None:
    """A region is a city's slug (None or "": every city)."""
    if not region:
        return None
    if not _REGION.match(region):
        raise InvalidInput("region: a city's slug (a-z, 0-9, '-')", field="region")
    return region


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


def pick_info(infos: Sequence[Mapping[str, Any]], lang: str) -> tuple[Mapping[str, Any], bool]:
    """(the info in ``lang`` or the fallback, whether it is in ``lang``)."""
    for info in infos:
        if _primary(str(info.get("language", ""))) == lang:
            return info, True
    for info in infos:
        if _primary(str(info.get("language", ""))) == "en":
            return info, False
    return infos[0], False


def area_features(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GeoJSON features of an info's areas (polygons; circles as Point + radius_km)."""
    out: list[dict[str, Any]] = []
    for area in info.get("areas") or []:
        name = area.get("area_desc", "")
        for poly in area.get("polygons") or []:
            ring = [[float(lon), float(lat)] for lat, lon in poly]
            out.append(
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
        for lat, lon, radius in area.get("circles") or []:
            out.append(
                {
                    "type": "Feature",
                    "properties": {"name": name, "radius_km": radius},
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                }
            )
    return out


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: datetime | None, zone: ZoneInfo) -> str | None:
    """``2026-12-05 21:30 UTC+07:00``: the city's wall clock with its offset, so a reader
    elsewhere (or a phone on another zone) is never misled."""
    if value is None:
        return None
    here = value.astimezone(zone)
    offset = here.strftime("%z")
    return f"{here:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"


def _orgs(conn: Connection) -> dict[int, dict[str, Any]]:
    o = s.organisations
    rows = conn.execute(select(o.c.id, o.c.slug, o.c.name, o.c.timezone))
    return {int(r.id): dict(r._mapping) for r in rows}


def _first_sent(conn: Connection, chains: set[int]) -> dict[int, datetime]:
    """When each chain was first issued (its Alert message)."""
    if not chains:
        return {}
    a = s.alerts
    q = (
        select(a.c.chain_id, func.min(a.c.sent))
        .where(a.c.chain_id.in_(sorted(chains)), a.c.status.in_(PUBLISHED))
        .group_by(a.c.chain_id)
    )
    return {int(r[0]): r[1] for r in conn.execute(q) if r[1] is not None}


def warning_json(
    alert: Mapping[str, Any],
    lang: str,
    org: Mapping[str, Any] | None = None,
    first_sent: datetime | None = None,
) -> dict[str, Any] | None:
    """One alert as the public page shows it (None: no info block to show)."""
    infos = alert.get("infos") or []
    if not infos:
        return None
    info, native = pick_info(infos, lang)
    org = org or {}
    zone = zone_of(org.get("timezone"))
    sent = alert.get("sent")
    first = first_sent or sent
    updated = alert.get("msg_type") == "Update"
    severity = info.get("severity") or alert.get("severity") or "Unknown"
    return {
        "id": alert["id"],
        "identifier": alert.get("identifier"),
        "sent": sent,
        "first_sent": first,
        "expires": alert.get("expires"),
        "msg_type": alert.get("msg_type"),
        "updated": bool(updated),
        "issuer": info.get("sender_name") or org.get("name") or alert.get("sender"),
        "region": org.get("slug"),
        "region_name": org.get("name"),
        "timezone": zone.key,
        "issued_local": local_time(first, zone),
        "updated_local": local_time(sent, zone) if updated else None,
        "sent_local": local_time(sent, zone),
        "expires_local": local_time(alert.get("expires"), zone),
        "severity": severity,
        "severity_text": cap_word(lang, "severity", severity),  # "Moderate" in the reader's words
        "language": info.get("language"),
        "native": native,
        "event": info.get("event", ""),
        "headline": info.get("headline") or "",
        "description": info.get("description") or "",
        "instruction": info.get("instruction") or "",
        "area": "; ".join(a.get("area_desc", "") for a in info.get("areas") or []),
        "features": area_features(info),
        "xml_url": alert.get("xml_url"),
        "page_url": f"/alerts/{alert['id']}",  # the message's own page (its CAP <web>)
        "languages": [i.get("language") for i in infos],
    }


def _is_all_clear(row: Mapping[str, Any]) -> bool:
    return row.get("msg_type") == "Cancel" or row.get("kind") in ("cancel", "all_clear")


def _published(conn: Connection, region: str | None) -> list[dict[str, Any]]:
    return list_alerts(conn, ANONYMOUS, status="issued", org=check_region(region), limit=200)


def _shaped(conn: Connection, rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    orgs = _orgs(conn)
    firsts = _first_sent(conn, {int(r["chain_id"]) for r in rows if r.get("chain_id")})
    out = []
    for r in rows:
        w = warning_json(
            r, lang, orgs.get(r.get("org_id") or -1), firsts.get(int(r.get("chain_id") or -1))
        )
        if w is not None:
            out.append(w)
    return out


def current(
    conn: Connection, lang: str, now: datetime | None = None, region: str | None = None
) -> list[dict[str, Any]]:
    """Warnings in force now (of one city if ``region``), most severe first, then newest."""
    now = now or datetime.now(UTC)
    rows = [
        r
        for r in _published(conn, region)
        if not _is_all_clear(r) and (r.get("expires") is None or r["expires"] > now)
    ]
    shown = _shaped(conn, rows, lang)
    rank = {s: n for n, s in enumerate(SEVERITY_ORDER)}
    shown.sort(
        key=lambda w: (rank.get(w["severity"], 9), -(w["sent"].timestamp() if w["sent"] else 0))
    )
    return shown


def all_clears(
    conn: Connection,
    lang: str,
    hours: float,
    now: datetime | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """All-clear notices: chains ended by a Cancel (or an all-clear Update) less than
    ``hours`` ago, newest first. The notice names what was lifted and when."""
    now = now or datetime.now(UTC)
    if hours <= 0:
        return []
    since = now - timedelta(hours=hours)
    rows = [
        r
        for r in _published(conn, region)
        if _is_all_clear(r) and r.get("sent") is not None and since <= r["sent"] <= now
    ]
    shown = _shaped(conn, rows, lang)
    for w in shown:
        w["cancelled"] = w["msg_type"] == "Cancel"
    shown.sort(key=lambda w: -w["sent"].timestamp())
    return shown
