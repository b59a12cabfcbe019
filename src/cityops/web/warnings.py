"""The public page's warnings: current issued public alerts, each in the reader's language.

Reads the alerts through the alerting service (``cap_queries``, anonymous scope: only
published public messages). Per alert the info block in the reader's language is chosen
(primary subtag match), else English, else the first; areas become GeoJSON for the map
(CAP polygons are lat,lon; circles are drawn by the page from centre and radius).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from cityops.alerting.cap_queries import list_alerts
from cityops.auth.principal import ANONYMOUS
from cityops.cap.templates import cap_word

SEVERITY_ORDER = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")


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


def warning_json(alert: Mapping[str, Any], lang: str) -> dict[str, Any] | None:
    """One alert as the public page shows it (None: nothing to show)."""
    infos = alert.get("infos") or []
    if not infos or alert.get("msg_type") == "Cancel" or alert.get("kind") == "cancel":
        return None
    info, native = pick_info(infos, lang)
    severity = info.get("severity") or alert.get("severity") or "Unknown"
    return {
        "id": alert["id"],
        "identifier": alert.get("identifier"),
        "sent": alert.get("sent"),
        "expires": alert.get("expires"),
        "msg_type": alert.get("msg_type"),
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


def current(conn: Connection, lang: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Warnings in force now, most severe first, then newest."""
    now = now or datetime.now(UTC)
    rows = list_alerts(conn, ANONYMOUS, status="issued", limit=200)
    shown = [
        w
        for r in rows
        if (r.get("expires") is None or r["expires"] > now)
        and (w := warning_json(r, lang)) is not None
    ]
    rank = {s: n for n, s in enumerate(SEVERITY_ORDER)}
    shown.sort(
        key=lambda w: (rank.get(w["severity"], 9), -(w["sent"].timestamp() if w["sent"] else 0))
    )
    return shown
