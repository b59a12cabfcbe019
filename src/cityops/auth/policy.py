"""Access rules, in one place: who may see and change what.

Reads are filtered in SQL (``visible``), so that an entity a caller may not see is simply
absent: it answers 404 like one that does not exist, and ids do not leak.

Writes (``WriteGuard``): a write is allowed only if the caller may write every entity it
creates, changes, deletes or links to or from: the target, each entity named by
``@iot.id`` or nested, and the old and the new parent of a relink. Seeing never implies
writing. The one exception is the shared catalogue (Sensors, ObservedProperties,
FeaturesOfInterest): an entry the caller may see may be *linked to* (a Datastream names
its Sensor) without any right to change the entry itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from cityops.auth.principal import Principal, Role
from cityops.errors import Forbidden, InvalidInput, Unauthorized
from cityops.store import schema as s

READERS_OF_RESTRICTED = {Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST, Role.DEVICE}
STA_WRITERS = {Role.ADMIN, Role.CITY_ADMIN}
# Entities with their own organisation and visibility columns.
OWNED = (
    "Thing",
    "Location",
    "Datastream",
    "Sensor",
    "ObservedProperty",
    "FeatureOfInterest",
    "Dataset",
)
# The shared catalogue: may be linked to by anyone who may see it.
CATALOGUE = frozenset({"Sensor", "ObservedProperty", "FeatureOfInterest"})
_TABLES = {
    "Thing": s.things,
    "Location": s.locations,
    "Datastream": s.datastreams,
    "Sensor": s.sensors,
    "ObservedProperty": s.observed_properties,
    "FeatureOfInterest": s.features_of_interest,
    "Dataset": s.datasets,
}


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

    None means no condition. Observations follow their Datastream; HistoricalLocations
    follow their Thing; every other entity has its own organisation and visibility.
    """
    if p.is_admin:
        return None
    if entity in OWNED:
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


def require_admin(p: Principal, doing: str) -> None:
    """Forbidden ("only an admin <doing>") unless ``p`` is an admin."""
    if not p.is_admin:
        raise Forbidden(f"only an admin {doing}")


def require_sta_writer(p: Principal, entity: str) -> None:
    """Creating/changing SensorThings entities (other than Observations) needs an admin."""
    if p.is_anonymous:
        raise Unauthorized(f"changing {entity} entities needs a token or a login")
    if p.role not in STA_WRITERS:
        raise Forbidden(f"role {p.role.value} may not change {entity} entities")


def check_observation_write(p: Principal, datastream: Any) -> None:
    """May ``p`` add observations to this datastream row (thing_id, org_id)?"""
    if p.is_anonymous:
        raise Unauthorized("writing observations needs a device token or a login")
    owner = Owner(datastream.org_id, "restricted", datastream.thing_id)
    if not may_write(p, "Observation", owner):
        raise Forbidden(f"may not write observations to Datastream {datastream.id}")


@dataclass(frozen=True)
class Owner:
    """Whose an entity is: its organisation and visibility (for an Observation or a
    HistoricalLocation, those of its Datastream or Thing), and, for an Observation, the
    Thing of its Datastream (devices write to their own Things' datastreams)."""

    org_id: int | None
    visibility: str
    thing_id: int | None = None


def may_write(p: Principal, entity: str, owner: Owner) -> bool:
    """May ``p`` create, change or delete an entity owned by ``owner``?"""
    if p.is_admin:
        return True
    if entity == "Observation" and p.role is Role.DEVICE:
        return owner.thing_id is not None and owner.thing_id in p.thing_ids
    return p.role is Role.CITY_ADMIN and p.org_id is not None and owner.org_id == p.org_id


def may_link(p: Principal, entity: str, owner: Owner) -> bool:
    """May ``p`` link one of its entities to (or away from) this one? Catalogue entries:
    if ``p`` may see them; anything else only if ``p`` may write it."""
    if entity in CATALOGUE and sees_row(p, owner.org_id, owner.visibility):
        return True
    return may_write(p, entity, owner)


def owners(conn: Connection, entity: str, ids: Iterable[int]) -> dict[int, Owner]:
    """The owner of each existing entity among ``ids`` (missing ids are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    if entity == "Observation":
        o, ds = s.observations, s.datastreams
        q: Any = (
            select(o.c.id, ds.c.org_id, ds.c.visibility, ds.c.thing_id)
            .join(ds, ds.c.id == o.c.datastream_id)
            .where(o.c.id.in_(wanted))
        )
    elif entity == "HistoricalLocation":
        hl, th = s.historical_locations, s.things
        q = (
            select(hl.c.id, th.c.org_id, th.c.visibility, th.c.id)
            .join(th, th.c.id == hl.c.thing_id)
            .where(hl.c.id.in_(wanted))
        )
    else:
        t = _TABLES[entity]
        q = select(t.c.id, t.c.org_id, t.c.visibility).where(t.c.id.in_(wanted))
    return {int(r[0]): Owner(r[1], r[2], *(r[3:] or ())) for r in conn.execute(q)}


def datastream_owner(conn: Connection, ds_id: int) -> Owner | None:
    """The owner an Observation of this Datastream would have."""
    ds = s.datastreams
    row = conn.execute(
        select(ds.c.org_id, ds.c.visibility, ds.c.thing_id).where(ds.c.id == ds_id)
    ).first()
    return None if row is None else Owner(row[0], row[1], row[2])


class WriteGuard:
    """The write checks of one operation, for one caller (``principal``).

    Errors: Unauthorized for an anonymous caller; InvalidInput ("does not exist") for an
    entity named in the body that the caller may not see, exactly as for one that does
    not exist (ids do not leak); Forbidden for one it sees but may not write or link.
    The target of a request path was resolved with ``visible`` already (404 otherwise).
    """

    def __init__(self, conn: Connection, principal: Principal) -> None:
        self.conn, self.p = conn, principal

    def _owner(self, entity: str, ident: int, field: str) -> Owner:
        found = owners(self.conn, entity, [ident]).get(ident)
        if found is None or not sees_row(self.p, found.org_id, found.visibility):
            raise InvalidInput(f"{field}: {entity} {ident} does not exist", field=field)
        return found

    def _signed_in(self, entity: str) -> None:
        if self.p.is_anonymous:
            raise Unauthorized(f"changing {entity} entities needs a token or a login")

    def write(self, entity: str, ident: int, field: str | None = None) -> Owner:
        """The caller changes or deletes this entity (the target, or a child it moves)."""
        self._signed_in(entity)
        owner = self._owner(entity, ident, field or entity)
        if not may_write(self.p, entity, owner):
            raise Forbidden(f"{field or entity}: may not change {entity} {ident}")
        return owner

    def link(self, entity: str, ident: int, field: str) -> Owner:
        """The caller links to this entity, or moves something away from it."""
        self._signed_in(entity)
        owner = self._owner(entity, ident, field)
        if not may_link(self.p, entity, owner):
            raise Forbidden(f"{field}: {entity} {ident} belongs to another organisation")
        return owner

    def observations_into(self, ds_id: int, field: str) -> Owner:
        """The caller puts observations into this Datastream."""
        self._signed_in("Observation")
        owner = datastream_owner(self.conn, ds_id)
        if owner is None or not sees_row(self.p, owner.org_id, owner.visibility):
            raise InvalidInput(f"{field}: Datastream {ds_id} does not exist", field=field)
        if not may_write(self.p, "Observation", owner):
            raise Forbidden(f"{field}: may not write observations to Datastream {ds_id}")
        return owner
