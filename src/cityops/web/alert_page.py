"""The public page of one CAP message (``/alerts/{id}``): what each message's ``<web>``
links to.

Only published public messages are shown (the anonymous scope of ``cap_queries``): a draft,
a discarded draft or a Restricted/Private message is "not found", whoever asks, because a
link in a public feed must never reveal more than the feed. The texts are the issued
document's own (the stored XML, never the editable draft), in the reader's language when
the message has it. Times are the city's local time with the zone named, since a resident
reading "valid until 18:00" must know whose 18:00 it is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.alerting.cap_queries import get_alert, scope
from cityops.alerting.cap_sources import load_city
from cityops.auth.principal import ANONYMOUS
from cityops.cap import Alert, Info, MsgType, parse_alert
from cityops.cap.templates import cap_word
from cityops.store import schema as s

LABELS_FILE = Path(__file__).parent / "labels" / "alert_page.toml"


@cache
def _all_labels() -> dict[str, dict[str, str]]:
    with LABELS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def labels(lang: str) -> dict[str, str]:
    """Page labels in ``lang`` (English for any label a language lacks)."""
    data = _all_labels()
    return {**data["en"], **data.get(lang, {})}


def local_text(value: datetime | None, zone: ZoneInfo) -> str | None:
    """``2025-09-14 06:30 ICT (UTC+07:00)``: local time with the zone's abbreviation and
    offset (the offset alone when the zone has no abbreviation but a number)."""
    if value is None:
        return None
    t = value.astimezone(zone)
    offset = t.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    name = t.tzname() or ""
    zone_part = offset if not name or name[0] in "+-" else f"{name} ({offset})"
    return f"{t:%Y-%m-%d %H:%M} {zone_part}"


def pick(infos: tuple[Info, ...], lang: str) -> tuple[Info | None, bool]:
    """The info in ``lang`` (primary subtag), else English, else the first; and whether
    it is in the reader's language."""

    def primary(info: Info) -> str:
        return info.language.split("-")[0].lower()

    for info in infos:
        if primary(info) == lang:
            return info, True
    for info in infos:
        if primary(info) == "en":
            return info, False
    return (infos[0], False) if infos else (None, False)


def features(info: Info) -> list[dict[str, Any]]:
    """GeoJSON features of the info's areas (CAP lat,lon turned into GeoJSON lon,lat;
    circles as a Point with ``radius_km``, drawn by the page)."""
    out: list[dict[str, Any]] = []
    for area in info.areas:
        props = {"name": area.area_desc}
        for poly in area.polygons:
            ring = [[lon, lat] for lat, lon in poly]
            polygon: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
            out.append({"type": "Feature", "properties": props, "geometry": polygon})
        for c in area.circles:
            point: dict[str, Any] = {"type": "Point", "coordinates": [c.lon, c.lat]}
            out.append(
                {
                    "type": "Feature",
                    "properties": {**props, "radius_km": c.radius_km},
                    "geometry": point,
                }
            )
    return out


def _kind(row: Any) -> str:
    """Alert / Update / Cancel / AllClear: the label key of a message in the chain."""
    return "AllClear" if row.kind == "all_clear" else str(row.msg_type)


def _chain(
    conn: Connection, row: Any, zone: ZoneInfo, t: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The published messages of the chain, oldest first."""
    a = s.alerts
    rows = conn.execute(
        select(a.c.id, a.c.msg_type, a.c.kind, a.c.sent)
        .where(a.c.chain_id == row.chain_id, scope(ANONYMOUS))
        .order_by(a.c.sent, a.c.id)
    )
    return [
        {
            "id": int(r.id),
            "url": f"/alerts/{r.id}",
            "kind": _kind(r),
            "label": t[_kind(r)],
            "sent": local_text(r.sent, zone),
            "sent_iso": r.sent.isoformat() if r.sent else None,
            "current": r.id == row.id,
        }
        for r in rows
    ]


def _info_view(info: Info, lang: str) -> dict[str, Any]:
    """The texts of one info; the CAP code words in the reader's language ``lang``."""
    code = lang
    return {
        "language": info.language,
        "event": info.event,
        "headline": info.headline or info.event,
        "description": info.description or "",
        "instruction": info.instruction or "",
        "sender_name": info.sender_name,
        "severity": info.severity.value,
        "severity_text": cap_word(code, "severity", info.severity.value),
        "urgency_text": cap_word(code, "urgency", info.urgency.value),
        "certainty_text": cap_word(code, "certainty", info.certainty.value),
        "areas": [area.area_desc for area in info.areas],
        "features": features(info),
        "contact": info.contact,
    }


def page(conn: Connection, alert_id: int, lang: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the page shows (``NotFound`` unless published and public)."""
    now = now or datetime.now(UTC)
    doc = get_alert(conn, alert_id, ANONYMOUS)
    row = conn.execute(select(s.alerts).where(s.alerts.c.id == alert_id)).one()
    alert: Alert = parse_alert(bytes(row.xml))
    city = load_city(conn, row.org_id)
    t = labels(lang)
    info, native = pick(alert.infos, lang)
    chain = _chain(conn, row, city.zone, t)
    first = chain[0]["sent"] if chain else local_text(alert.sent, city.zone)
    newest = chain[-1] if chain else None
    expires = max((i.expires for i in alert.infos if i.expires), default=None)
    view = _info_view(info, lang) if info is not None else None
    return {
        "id": alert_id,
        "lang": lang,
        "t": t,
        "zone_note": t["zone"].format(city=city.name, zone=city.zone.key),
        "issuer": (info.sender_name if info and info.sender_name else city.name),
        "sender": alert.sender,
        "identifier": alert.identifier,
        "kind": _kind(row),
        "msg_label": t[_kind(row)],
        "issued": first,
        "updated": local_text(alert.sent, city.zone) if alert.msg_type != MsgType.ALERT else None,
        "sent_iso": alert.sent.isoformat(),
        "expires": local_text(expires, city.zone),
        "expired": expires is not None and expires <= now,
        "cancelled": any(m["kind"] == "Cancel" for m in chain),
        "newer": newest if newest is not None and not newest["current"] else None,
        "info": view,
        "native": native,
        "chain": chain,
        "xml_url": doc["xml_url"],
    }
