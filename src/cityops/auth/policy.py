"""Access rules, in one place: who may see and change what.

Reads are filtered in SQL (``visible``), so that an entity a caller may not see is simply
absent: it answers 404 like one that does not exist, and ids do not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from cityops.auth.principal import Principal, Role
from cityops.errors import Forbidden, Unauthorized
from cityops.store import schema as s

READERS_OF_RESTRICTED = {Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST, Role.DEVICE}
STA_WRITERS = {Role.ADMIN, Role.CITY_ADMIN}


def _own_or_public(table: FromClause, p: Principal) -> ColumnElement[bool]:
    public = table.c.visibility == "public"
    if p.is_admin:
        return true()
    if p.org_id is not None and p.role in READERS_OF_RESTRICTED:
        return or_(public, table.c.org_id == p.org_id)
    return public


def sees_row(p: Principal, org_id: int | None, visibility: str | None) -> bool:
    """``_own_or_public`` in Python, for a row already at hand (a Thing, Location,
    Datastream or FeatureOfInterest, from a cache): may ``p`` read it?"""
    if p.is_admin or visibility == "public":
        return True
    return p.org_id is not None and p.role in READERS_OF_RESTRICTED and org_id == p.org_id


def visible(entity: str, table: FromClause, p: Principal) -> ColumnElement[bool] | None:
    """A SQL condition on ``table`` (an entity's table or alias) for what ``p`` may read.

    None means no condition. Sensors and ObservedProperties are a shared catalogue;
    Observations follow their Datastream; HistoricalLocations follow their Thing.
    """
    if p.is_admin:
        return None
    if entity in ("Thing", "Location", "Datastream", "FeatureOfInterest"):
        return _own_or_public(table, p)
    if entity == "Observation":
        ds = s.datastreams
        return table.c.datastream_id.in_(select(ds.c.id).where(_own_or_public(ds, p)))
    if entity == "HistoricalLocation":
        th = s.things
        return table.c.thing_id.in_(select(th.c.id).where(_own_or_public(th, p)))
    return None


def reader_access(p: Principal) -> Callable[[str, FromClause], ColumnElement[bool] | None]:
    """``visible`` for one caller, for the query compiler: every navigation path inside
    ``$filter``/``$orderby`` is restricted exactly like the top level."""
    return lambda entity, table: visible(entity, table, p)


def require_sta_writer(p: Principal, entity: str) -> None:
    """Creating/changing SensorThings entities (other than Observations) needs an admin."""
    if p.is_anonymous:
        raise Unauthorized(f"changing {entity} entities needs a token or a login")
    if p.role not in STA_WRITERS:
        raise Forbidden(f"role {p.role.value} may not change {entity} entities")


def check_org_write(p: Principal, org_id: int | None, entity: str) -> None:
    """A city admin changes only its own organisation's entities."""
    if p.is_admin:
        return
    if p.role is Role.CITY_ADMIN and org_id == p.org_id:
        return
    raise Forbidden(f"{entity} belongs to another organisation")


def check_observation_write(p: Principal, datastream: Any) -> None:
    """May ``p`` add observations to this datastream row (thing_id, org_id)?"""
    if p.is_anonymous:
        raise Unauthorized("writing observations needs a device token or a login")
    if p.is_admin:
        return
    if p.role is Role.DEVICE and datastream.thing_id in p.thing_ids:
        return
    if p.role is Role.CITY_ADMIN and datastream.org_id == p.org_id:
        return
    raise Forbidden(f"may not write observations to Datastream {datastream.id}")
