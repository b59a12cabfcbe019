"""Resolve a SensorThings resource path.

Examples: ``Things(1)/Datastreams``, ``Observations(5)/result/$value``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.datamodel.entities import BY_NAME, BY_SET, EntityType, Prop
from cityops.errors import InvalidQuery, NotFound
from cityops.sta.create import Parent

_SEGMENT = re.compile(r"^([A-Za-z]+)(?:\((\d+)\))?$")


@dataclass
class Target:
    """What a path names."""

    kind: str  # "collection", "entity", "property", "value"
    et: EntityType
    id: int | None = None
    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    parent: Parent | None = None  # the entity a collection hangs under
    prop: Prop | None = None
    ref: bool = False


def _segments(path: str) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for seg in [p for p in path.split("/") if p]:
        if seg in ("$value", "$ref"):
            out.append((seg, None))
            continue
        m = _SEGMENT.match(seg)
        if m is None:
            raise NotFound(f"no resource {seg!r}")
        out.append((m.group(1), int(m.group(2)) if m.group(2) else None))
    return out


def exists(
    conn: Connection,
    et: EntityType,
    ident: int,
    principal: Principal,
    extra: list[ColumnElement[bool]] | None = None,
) -> bool:
    """Does the entity exist and may ``principal`` see it?"""
    q = select(et.table.c.id).where(et.table.c.id == ident, *(extra or []))
    cond = visible(et.name, et.table, principal)
    return conn.execute(q.where(cond) if cond is not None else q).first() is not None


def bare_collection(path: str) -> Target | None:
    """The target of a path that is just an entity set (``Observations``), found without
    the database; None for any other path (use ``resolve``)."""
    et = BY_SET.get(path.strip("/"))
    return Target("collection", et) if et is not None else None


def resolve(conn: Connection, path: str, principal: Principal) -> Target:
    """The target of ``path`` (relative to the service root); NotFound if it names nothing."""
    segs = _segments(path)
    if not segs or segs[0][0] not in BY_SET:
        raise NotFound(f"no entity set {segs[0][0] if segs else ''!r}")
    name, ident = segs[0]
    target = Target("collection", BY_SET[name])
    if ident is not None:
        target = _entity(conn, target, ident, principal)
    for name, ident in segs[1:]:
        target = _step(conn, target, name, ident, principal)
    return target


def _entity(conn: Connection, coll: Target, ident: int, principal: Principal) -> Target:
    if not exists(conn, coll.et, ident, principal, coll.conditions):
        raise NotFound(f"{coll.et.name} {ident} not found")
    return Target("entity", coll.et, ident, parent=coll.parent)


def _step(
    conn: Connection, cur: Target, name: str, ident: int | None, principal: Principal
) -> Target:
    if name == "$ref":
        if cur.kind not in ("collection", "entity") or cur.ref:
            raise InvalidQuery("$ref must follow a collection or an entity")
        cur.ref = True
        return cur
    if name == "$value":
        if cur.kind != "property":
            raise InvalidQuery("$value must follow a property")
        return Target("value", cur.et, cur.id, prop=cur.prop)
    if cur.kind != "entity" or cur.ref:
        raise NotFound(f"no resource {name!r} here")
    assert cur.id is not None
    if name in cur.et.prop_by_name and ident is None:
        return Target("property", cur.et, cur.id, prop=cur.et.prop_by_name[name])
    nav = cur.et.nav_by_name.get(name)
    if nav is None:
        raise NotFound(f"{cur.et.name} has no property or relation {name!r}")
    target = BY_NAME[nav.target]
    if not nav.many:
        if ident is not None:
            raise NotFound(f"{name} is a single entity")
        assert nav.fk is not None  # a to-one navigation holds its foreign key
        fk = conn.execute(
            select(cur.et.table.c[nav.fk]).where(cur.et.table.c.id == cur.id)
        ).scalar()
        if fk is None:
            raise NotFound(f"{cur.et.name} {cur.id} has no {name}")
        return _entity(conn, Target("collection", target), int(fk), principal)
    coll = Target(
        "collection",
        target,
        conditions=[_under(nav, target, cur.id)],
        parent=Parent(cur.et, cur.id, nav),
    )
    return _entity(conn, coll, ident, principal) if ident is not None else coll


def _under(nav: Any, target: EntityType, parent_id: int) -> ColumnElement[bool]:
    if nav.back_fk is not None:
        same: ColumnElement[bool] = target.table.c[nav.back_fk] == parent_id
        return same
    link, mine, theirs = nav.link
    return target.table.c.id.in_(select(link.c[theirs]).where(link.c[mine] == parent_id))
