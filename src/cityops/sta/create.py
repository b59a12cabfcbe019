"""Create SensorThings entities, with deep insert (all-or-nothing: one write job).

Observations are never inserted here: they go through ``ingest.write.store_observations``,
the one write path for observations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from cityops.auth.policy import require_sta_writer
from cityops.auth.principal import Principal
from cityops.datamodel.entities import BY_NAME, EntityType, Nav
from cityops.datamodel.observation import entity_id, parse_observation
from cityops.datamodel.rows import row_values
from cityops.errors import InvalidInput
from cityops.ingest.write import Stored, store_batch, store_observations
from cityops.sta.access import ownership
from cityops.sta.guard import check_attach, guard
from cityops.store import schema as s
from cityops.store.writer import Tx


@dataclass(frozen=True)
class Parent:
    """The entity a POST is made under: ``POST /Things(1)/Datastreams``."""

    et: EntityType
    id: int
    nav: Nav


def create_entity(
    tx: Tx,
    et: EntityType,
    body: Any,
    principal: Principal,
    parent: Parent | None = None,
    field: str | None = None,
    link: bool = True,
) -> int:
    """Insert ``body`` (and everything nested in it); return the new entity's id.

    ``parent`` is the entity the POST was made under; ``link=False`` when the caller links
    the new entity itself (several new Locations of one Thing make one HistoricalLocation).
    The caller must be allowed to link to the parent and to every entity the body names.
    """
    field = field or et.name
    if not isinstance(body, dict):
        raise InvalidInput(f"{field}: must be a JSON object", field=field)
    if et.name == "Observation":
        return _create_observation(tx, body, principal, parent, field)
    require_sta_writer(principal, et.name)
    if link and parent is not None:  # the parent of the request path gains a child
        guard(tx, principal).link(parent.et.name, parent.id, field)
    row = row_values(et, body, field, partial=False)
    row.update(_to_one_links(tx, et, body, principal, parent, field))
    if et.access:
        under_thing = parent.id if parent is not None and parent.et.name == "Thing" else None
        row.update(ownership(tx, et, body, row, principal, field, under_thing))
    new_id = int(
        tx.conn.execute(insert(et.table).values(**row).returning(et.table.c.id)).scalar_one()
    )
    tx.emit("created", et.name, new_id)
    if link and parent is not None and parent.nav.link is not None:
        link_entities(tx, parent.et, parent.id, parent.nav, [new_id])
    _to_many_links(tx, et, new_id, body, principal, field)
    return new_id


def _create_observation(
    tx: Tx, body: dict[str, Any], principal: Principal, parent: Parent | None, field: str
) -> int:
    return create_observation(tx, body, principal, parent, field).ids[0]


def create_observation(
    tx: Tx,
    body: Any,
    principal: Principal,
    parent: Parent | None = None,
    field: str = "Observation",
    *,
    defer: bool = False,
) -> Stored:
    """Store one Observation; what was stored (its row answers the POST without a read).
    ``defer``: the job reads the row not back (``ingest.write.store_batch``)."""
    if not isinstance(body, dict):
        raise InvalidInput(f"{field}: must be a JSON object", field=field)
    ds = parent.id if parent and parent.et.name == "Datastream" else None
    foi = parent.id if parent and parent.et.name == "FeatureOfInterest" else None
    if parent is not None and ds is None and foi is None:
        raise InvalidInput(f"cannot create an Observation under {parent.et.name}", field=field)
    obs = parse_observation(body, datastream_id=ds, foi_id=foi, field=field)
    return store_batch(tx, [obs], principal, defer=defer)


def _to_one_links(
    tx: Tx,
    et: EntityType,
    body: dict[str, Any],
    principal: Principal,
    parent: Parent | None,
    field: str,
) -> dict[str, int]:
    values: dict[str, int] = {}
    for nav in et.navs:
        if nav.many or nav.fk is None:
            continue
        if parent is not None and parent.nav.back_fk == nav.fk and BY_NAME[nav.target] is parent.et:
            values[nav.fk] = parent.id
        elif nav.name in body:
            values[nav.fk] = _link_or_create(
                tx, nav, body[nav.name], principal, f"{field}.{nav.name}"
            )
        elif nav.mandatory:
            raise InvalidInput(f"{field}.{nav.name}: missing mandatory link", field=nav.name)
    return values


def _link_or_create(tx: Tx, nav: Nav, value: Any, principal: Principal, field: str) -> int:
    target = BY_NAME[nav.target]
    if isinstance(value, dict) and "@iot.id" not in value:
        return create_entity(tx, target, value, principal, field=field)
    ident = entity_id(value, field)
    guard(tx, principal).link(target.name, ident, field)
    return ident


def _to_many_links(
    tx: Tx, et: EntityType, new_id: int, body: dict[str, Any], principal: Principal, field: str
) -> None:
    for nav in et.navs:
        if not nav.many or nav.name not in body:
            continue
        items = body[nav.name]
        if not isinstance(items, list):
            raise InvalidInput(f"{field}.{nav.name}: must be a JSON array", field=nav.name)
        target = BY_NAME[nav.target]
        here = Parent(et, new_id, nav)
        if target.name == "Observation":
            obs = [
                parse_observation(
                    o,
                    datastream_id=new_id if et.name == "Datastream" else None,
                    foi_id=new_id if et.name == "FeatureOfInterest" else None,
                    field=f"{field}.{nav.name}[{i}]",
                )
                for i, o in enumerate(items)
            ]
            store_observations(tx, obs, principal)
            continue
        linked, existing = [], []
        for i, item in enumerate(items):
            sub = f"{field}.{nav.name}[{i}]"
            if isinstance(item, dict) and "@iot.id" not in item:
                new = create_entity(tx, target, item, principal, here, sub, link=False)
                if nav.link is not None:
                    linked.append(new)
            else:
                existing.append(entity_id(item, sub))
        if existing:
            check_attach(guard(tx, principal), tx, et, new_id, nav, existing, f"{field}.{nav.name}")
            linked.extend(existing)
        if linked:
            attach(tx, here, linked)


def attach(tx: Tx, parent: Parent, ids: list[int]) -> None:
    """Link existing entities under ``parent`` (a to-many navigation)."""
    nav = parent.nav
    if nav.link is not None:
        link_entities(tx, parent.et, parent.id, nav, ids)
    elif nav.back_fk is not None:
        table = BY_NAME[nav.target].table
        tx.conn.execute(table.update().where(table.c.id.in_(ids)).values({nav.back_fk: parent.id}))


def link_entities(tx: Tx, et: EntityType, own_id: int, nav: Nav, ids: list[int]) -> None:
    """Insert link-table rows; a Thing's new Locations become its current ones and are
    recorded as a HistoricalLocation."""
    assert nav.link is not None
    table, mine, theirs = nav.link
    thing_locations = et.name == "Thing" and nav.name == "Locations"
    location_things = et.name == "Location" and nav.name == "Things"
    if thing_locations:
        move_thing(tx, own_id, ids)
        return
    if location_things:
        for thing in ids:
            move_thing(tx, thing, [own_id])
        return
    existing = {
        r[0] for r in tx.conn.execute(select(table.c[theirs]).where(table.c[mine] == own_id))
    }
    rows = [{mine: own_id, theirs: i} for i in ids if i not in existing]
    if rows:
        tx.conn.execute(insert(table), rows)


def move_thing(tx: Tx, thing_id: int, location_ids: list[int]) -> None:
    tl = s.thing_locations
    current = {
        r[0] for r in tx.conn.execute(select(tl.c.location_id).where(tl.c.thing_id == thing_id))
    }
    new = [i for i in location_ids if i not in current]
    if not new:
        return
    tx.conn.execute(tl.delete().where(tl.c.thing_id == thing_id))
    tx.conn.execute(insert(tl), [{"thing_id": thing_id, "location_id": i} for i in location_ids])
    hl = s.historical_locations
    hist_id = tx.conn.execute(
        insert(hl).values(thing_id=thing_id, time=datetime.now(UTC)).returning(hl.c.id)
    ).scalar_one()
    tx.conn.execute(
        insert(s.historical_location_locations),
        [{"historical_location_id": hist_id, "location_id": i} for i in location_ids],
    )
    tx.emit("created", "HistoricalLocation", int(hist_id), thing_id=thing_id)
