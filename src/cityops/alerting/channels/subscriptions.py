"""Subscriptions: who gets alerts on which channel, filtered by area and minimum severity.

An admin manages every subscription (an organisation-less one receives every city's
alerts); a city admin those of its own organisation; others get NotFound / Forbidden.
The area is a GeoJSON geometry (Point, Polygon, MultiPolygon); an alert matches when one
of its CAP areas intersects it (circles approximated on the sphere's degree scale, which
is plenty for choosing recipients).
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from cityops.auth import audit
from cityops.auth.principal import Principal, Role
from cityops.cap import Alert
from cityops.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from cityops.store import schema as s
from cityops.store.writer import Tx

from . import channel_types

SEVERITY_RANK = {"Unknown": 0, "Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}
KM_PER_DEGREE = 111.32
_FIELDS = ("name", "channel", "target", "secret", "area", "min_severity", "enabled", "organisation")


def check_manager(p: Principal, org_id: int | None) -> None:
    """Admins manage all subscriptions, city admins their organisation's."""
    if p.is_anonymous:
        raise Unauthorized("sign in to manage subscriptions")
    if p.is_admin or (p.role is Role.CITY_ADMIN and org_id == p.org_id and org_id is not None):
        return
    if p.role is Role.CITY_ADMIN:
        raise NotFound("no such subscription")
    raise Forbidden(f"role {p.role.value} may not manage subscriptions")


def area_shape(area: Any) -> BaseGeometry:
    """A subscription's GeoJSON geometry as shapely (InvalidInput when malformed)."""
    if isinstance(area, dict) and area.get("type") == "Feature":
        area = area.get("geometry")
    try:
        geom = shape(area)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise InvalidInput(f"area: not a GeoJSON geometry ({exc})", field="area") from None
    if geom.is_empty or not geom.is_valid:
        raise InvalidInput("area: empty or invalid geometry", field="area")
    return geom


def alert_shapes(alert: Alert) -> list[BaseGeometry]:
    """The CAP areas of an alert as shapely geometries (lon, lat)."""
    out: list[BaseGeometry] = []
    for info in alert.infos[:1]:  # every info carries the same areas
        for area in info.areas:
            out += [ShapelyPolygon([(lon, lat) for lat, lon in p]) for p in area.polygons]
            for c in area.circles:
                stretch = max(math.cos(math.radians(c.lat)), 0.01)
                circle = Point(c.lon, c.lat).buffer(c.radius_km / KM_PER_DEGREE)
                out.append(_scale_x(circle, 1 / stretch, c.lon))
    return out


def _scale_x(geom: BaseGeometry, factor: float, origin: float) -> BaseGeometry:
    from shapely import affinity

    return affinity.scale(geom, xfact=factor, yfact=1.0, origin=(origin, 0))


def matches(sub: Any, severity: str | None, shapes: list[BaseGeometry]) -> bool:
    """Does an alert of ``severity`` over ``shapes`` go to subscription row ``sub``?"""
    if SEVERITY_RANK.get(severity or "Unknown", 0) < SEVERITY_RANK.get(sub.min_severity, 1):
        return False
    if sub.area is None:
        return True
    wanted = area_shape(sub.area)
    return any(wanted.intersects(g) for g in shapes)


def _org_id(conn: Connection, slug: Any, p: Principal) -> int | None:
    if slug is None:
        return p.org_id
    o = s.organisations
    found = conn.execute(select(o.c.id).where(o.c.slug == str(slug))).scalar()
    if found is None:
        raise InvalidInput(f"organisation: no organisation {slug!r}", field="organisation")
    return int(found)


def _values(conn: Connection, body: dict[str, Any], p: Principal) -> dict[str, Any]:
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: unknown field", field=unknown[0])
    channel = body.get("channel")
    if not isinstance(channel, str):
        raise InvalidInput("channel: required (webhook, email, mqtt)", field="channel")
    kind = channel_types.get(channel)
    target = body.get("target")
    if not isinstance(target, str):
        raise InvalidInput("target: required", field="target")
    severity = body.get("min_severity", "Minor")
    if severity not in SEVERITY_RANK:
        raise InvalidInput(f"min_severity: one of {', '.join(SEVERITY_RANK)}", field="min_severity")
    area = body.get("area")
    if area is not None:
        area_shape(area)
    secret = body.get("secret")
    if channel == "webhook" and not secret:
        secret = secrets.token_urlsafe(32)
    return {
        "name": str(body.get("name") or f"{channel} {target}"),
        "channel": channel,
        "target": kind.check_target(target),
        "secret": secret,
        "area": area,
        "min_severity": severity,
        "enabled": bool(body.get("enabled", True)),
        "org_id": _org_id(conn, body.get("organisation"), p),
    }


def subscription_json(row: Any, with_secret: bool = False) -> dict[str, Any]:
    doc = {
        k: getattr(row, k)
        for k in (
            "id",
            "org_id",
            "name",
            "channel",
            "target",
            "area",
            "min_severity",
            "enabled",
            "created_at",
        )
    }
    if with_secret:
        doc["secret"] = row.secret
    return doc


def create(tx: Tx, body: dict[str, Any], p: Principal, remote: str | None = None) -> dict[str, Any]:
    """Add a subscription; the answer shows the webhook secret, once."""
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    values = _values(tx.conn, body, p)
    if values["org_id"] is not None and values["org_id"] != p.org_id and not p.is_admin:
        raise Forbidden("a subscription belongs to your own organisation")
    check_manager(p, values["org_id"])
    sub = s.alert_subscriptions
    new_id = tx.conn.execute(
        insert(sub).values(created_at=datetime.now(UTC), **values).returning(sub.c.id)
    ).scalar_one()
    audit.record(
        tx,
        p,
        "create",
        "AlertSubscription",
        new_id,
        {"channel": values["channel"]},
        remote,
        values["org_id"],
    )
    row = tx.conn.execute(select(sub).where(sub.c.id == new_id)).one()
    return subscription_json(row, with_secret=True)


def list_subscriptions(conn: Connection, p: Principal) -> list[dict[str, Any]]:
    sub = s.alert_subscriptions
    # residents' own subscriptions (addresses, phones) are theirs, not the operators' list
    q = select(sub).where(sub.c.public.is_(False)).order_by(sub.c.id)
    if not p.is_admin:
        check_manager(p, p.org_id)
        q = q.where(sub.c.org_id == p.org_id)
    return [subscription_json(r) for r in conn.execute(q)]


def remove(tx: Tx, sub_id: int, p: Principal, remote: str | None = None) -> None:
    sub = s.alert_subscriptions
    row = tx.conn.execute(select(sub).where(sub.c.id == sub_id)).first()
    if row is None:
        raise NotFound(f"no subscription {sub_id}")
    check_manager(p, row.org_id)
    tx.conn.execute(delete(sub).where(sub.c.id == sub_id))
    audit.record(tx, p, "delete", "AlertSubscription", sub_id, None, remote, row.org_id)
