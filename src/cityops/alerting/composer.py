"""The operator's composer: a new alert from an incident (one button on its card), the whole
message set on the draft — area (one of the city's warning areas, or a polygon drawn on
the map), severity, urgency, certainty, response types, expiry — and the draft as the
message it would be if issued now (for the preview "as the public will see it").

Message-wide fields are the same in every language block (CAP repeats them per info), so
they are set on all of a draft's infos at once; texts stay per language (``edit_draft``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import shape
from sqlalchemy import select, update

from cityops.auth import audit
from cityops.auth.principal import Principal
from cityops.cap import Area, Certainty, ResponseType, Severity, Urgency
from cityops.errors import Conflict, InvalidInput
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .cap_alerts import _latest_chain, _open_draft, preview, save_draft, texts_for
from .cap_codec import info_from_json, info_to_json
from .cap_issue import DEFAULT_HOURS, chain_head, check_actor, complete_infos, load_row
from .cap_sources import LocalAreas, area_by_name, load_facts

MESSAGE_FIELDS = ("severity", "urgency", "certainty", "response_type", "area", "valid_hours")
MAX_VERTICES = 200


def draft_from_incident(
    tx: Tx, incident_id: int, who: Principal, settings: Settings, remote: str | None = None
) -> int:
    """The incident's open draft, else a new draft: an Update when the incident's chain has
    an issued, uncancelled message, else a first Alert. Returns the draft's id."""
    conn = tx.conn
    facts = load_facts(conn, incident_id)
    check_actor(who, facts.city.id, "draft")
    draft = _open_draft(conn, incident_id)
    if draft is not None:
        return int(draft.id)
    if facts.policy.resolved_hazard(facts.rule_type) is None:
        raise InvalidInput(
            f"rule {facts.rule_name!r} has no CAP hazard: set alert.hazard", field="alert.hazard"
        )
    head = chain_head(conn, _latest_chain(conn, incident_id))
    if head is not None and (head.msg_type == "Cancel" or head.kind == "all_clear"):
        head = None
    level = facts.template_level or "moderate"
    msg_type = "Alert" if head is None else "Update"
    new_id = save_draft(tx, facts, texts_for(conn, facts, level), msg_type, "alert", head, settings)
    audit.record(
        tx, who, "draft", "Alert", new_id, {"incident": incident_id}, remote, facts.city.id
    )
    return new_id


def _enum(kind: Any, value: Any, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise InvalidInput(f"{field}: one of {allowed}", field=field) from None


def _drawn_area(doc: dict[str, Any]) -> Area:
    """A polygon drawn on the map (GeoJSON, lon/lat) as a CAP area (lat,lon, closed)."""
    name = str(doc.get("name") or "").strip()
    if not name:
        raise InvalidInput("area.name: a name for the drawn area", field="area.name")
    try:
        geom = shape(doc.get("geometry"))
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        raise InvalidInput("area.geometry: a GeoJSON Polygon", field="area.geometry") from None
    if geom.geom_type != "Polygon" or not geom.is_valid or geom.is_empty:
        raise InvalidInput("area.geometry: a valid GeoJSON Polygon", field="area.geometry")
    ring = list(geom.exterior.coords)
    if len(ring) > MAX_VERTICES:
        raise InvalidInput(f"area.geometry: at most {MAX_VERTICES} points", field="area.geometry")
    if not all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring):
        raise InvalidInput("area.geometry: longitude, latitude in degrees", field="area.geometry")
    # CAP profiles allow a few decimals; 5 (about a metre) is more than a drawing holds
    return Area(name, polygons=(tuple((round(y, 5), round(x, 5)) for x, y in ring),))


def _area(tx: Tx, org_id: int | None, doc: Any) -> LocalAreas:
    """The area per language ("" is the default; a warning area's local names by language)."""
    if not isinstance(doc, dict):
        raise InvalidInput(
            'area: {"name": warning area} or {"name", "geometry": Polygon}', field="area"
        )
    if doc.get("geometry") is not None:
        return {"": _drawn_area(doc)}
    found = area_by_name(tx.conn, org_id, str(doc.get("name") or ""))
    if found is None:
        raise InvalidInput(f"area: the city has no warning area {doc.get('name')!r}", field="area")
    return found


def _changes(tx: Tx, row: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The info fields to set, validated (InvalidInput names the field)."""
    out: dict[str, Any] = {}
    if "severity" in body:
        out["severity"] = _enum(Severity, body["severity"], "severity")
    if "urgency" in body:
        out["urgency"] = _enum(Urgency, body["urgency"], "urgency")
    if "certainty" in body:
        out["certainty"] = _enum(Certainty, body["certainty"], "certainty")
    if "response_type" in body:
        values = body["response_type"]
        if not isinstance(values, list) or not values:
            raise InvalidInput('response_type: a list, e.g. ["Evacuate"]', field="response_type")
        out["response_type"] = tuple(_enum(ResponseType, v, "response_type") for v in values)
    if "area" in body:
        out["areas"] = _area(tx, row.org_id, body["area"])
    return out


def _in_language(areas: LocalAreas, language: str) -> tuple[Area, ...]:
    primary = language.split("-")[0].lower()
    return (areas.get(language) or areas.get(primary) or areas[""],)


def _with(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """One info JSON with the message fields set (the area in the info's language)."""
    info = info_from_json(doc)
    fields = dict(changes)
    if "areas" in fields:
        fields["areas"] = _in_language(fields["areas"], info.language)
    return info_to_json(replace(info, **fields))


def set_message(tx: Tx, alert_id: int, body: Any, who: Principal, settings: Settings) -> None:
    """Set message-wide fields of a draft (see :data:`MESSAGE_FIELDS`) in every language."""
    if not isinstance(body, dict) or not body:
        raise InvalidInput(
            f"body: an object with some of {', '.join(MESSAGE_FIELDS)}", field="body"
        )
    unknown = sorted(set(body) - set(MESSAGE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"{unknown[0]}: not a message field ({', '.join(MESSAGE_FIELDS)}); texts per "
            "language at /api/alerts/{id}/infos/{language}",
            field=unknown[0],
        )
    row = load_row(tx.conn, alert_id)
    check_actor(who, row.org_id, "edit")
    if row.status != "draft":
        raise Conflict(f"alert {alert_id} is {row.status}: issued alerts are never edited")
    changes = _changes(tx, row, body)
    infos = [_with(d, changes) for d in row.infos or []]
    values: dict[str, Any] = {"infos": infos, "updated_at": datetime.now(UTC)}
    if "severity" in changes:
        values["severity"] = changes["severity"].value
    if "valid_hours" in body:
        hours = body["valid_hours"]
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 336:
            raise InvalidInput("valid_hours: hours, above 0 and at most 336", field="valid_hours")
        values["valid_hours"] = float(hours)
    preview(row, infos, settings)  # never store a draft that could not be issued
    tx.conn.execute(update(s.alerts).where(s.alerts.c.id == alert_id).values(**values))
    audit.record(tx, who, "edit", "Alert", alert_id, {"fields": sorted(body)}, None, row.org_id)
    tx.emit("updated", "Alert", alert_id, org_id=row.org_id, status="draft")


def as_issued_now(conn: Any, alert_id: int, who: Principal, settings: Settings) -> dict[str, Any]:
    """The draft as the public would see it if issued now: the alert document the public
    page shapes (sent now, expiry from the valid hours, first issue time of the chain); an
    issued message as it was issued."""
    row = load_row(conn, alert_id)
    check_actor(who, row.org_id, "preview")
    issued = row.status != "draft" and row.sent is not None  # shown as it was issued
    sent = row.sent if issued else datetime.now(UTC).replace(microsecond=0)
    infos = [info_from_json(d) for d in row.infos or []]
    if not issued:
        infos = complete_infos(row, infos, sent, settings)
    first = None
    if row.chain_id is not None and row.msg_type != "Alert":
        a = s.alerts
        first = conn.execute(
            select(a.c.sent)
            .where(a.c.chain_id == row.chain_id, a.c.sent.is_not(None))
            .order_by(a.c.sent)
            .limit(1)
        ).scalar()
    return {
        "id": int(row.id),
        "identifier": None,
        "sent": sent,
        "first_sent": first,
        "expires": row.expires
        if issued
        else sent + timedelta(hours=row.valid_hours or DEFAULT_HOURS),
        "msg_type": row.msg_type,
        "kind": row.kind,
        "org_id": row.org_id,
        "chain_id": row.chain_id,
        "severity": row.severity,
        "sender": settings.cap_sender,
        "infos": [info_to_json(i) for i in infos],
        "xml_url": f"/alerts/{row.id}.xml" if row.xml is not None else None,
    }
