"""The write checks of SensorThings links: which entities a link or relink touches.

``auth.policy.WriteGuard`` decides whether the caller may write or link to one entity;
this module knows the data model, and so which entities one link operation touches: the
entity that changes, the entity it is linked to, and the entity it is taken away from
(the old parent of a relink). Every check runs before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from cityops.auth.policy import WriteGuard
from cityops.auth.principal import Principal
from cityops.datamodel.entities import BY_NAME, EntityType, Nav
from cityops.store import schema as s
from cityops.store.writer import Tx


def guard(tx: Tx, principal: Principal) -> WriteGuard:
    """The write checks of ``principal`` inside this write job."""
    return WriteGuard(tx.conn, principal)


def thing_locations(tx: Tx, thing_id: int) -> list[int]:
    tl = s.thing_locations
    q = select(tl.c.location_id).where(tl.c.thing_id == thing_id)
    return [int(r[0]) for r in tx.conn.execute(q)]


def check_move_thing(
    g: WriteGuard, tx: Tx, thing_id: int, locations: Sequence[int], field: str
) -> None:
    """A Thing moves to ``locations``: the Thing, its new and its old Locations change."""
    g.write("Thing", thing_id, field)
    for loc in locations:
        g.link("Location", loc, field)
    for old in thing_locations(tx, thing_id):
        if old not in locations:
            g.link("Location", old, field)


def check_to_one(g: WriteGuard, nav: Nav, old: int | None, new: int, field: str) -> None:
    """The to-one link ``nav`` changes from ``old`` to ``new``."""
    g.link(nav.target, new, field)
    if old is not None and old != new:
        g.link(nav.target, old, field)


def check_attach(
    g: WriteGuard, tx: Tx, et: EntityType, own_id: int, nav: Nav, ids: Sequence[int], field: str
) -> None:
    """Existing entities ``ids`` are linked under ``et`` ``own_id`` through ``nav``."""
    target = BY_NAME[nav.target]
    if et.name == "Location" and nav.name == "Things":
        for thing in ids:
            check_move_thing(g, tx, thing, [own_id], field)
        return
    if nav.back_fk is not None:
        # each child changes its key; the entity it belonged to loses it
        table = target.table
        q = select(table.c.id, table.c[nav.back_fk]).where(table.c.id.in_(ids))
        old = {int(r[0]): r[1] for r in tx.conn.execute(q)}
        for child in ids:
            g.write(target.name, child, field)
            before = old.get(child)
            if before is not None and before != own_id:
                g.link(et.name, int(before), field)
        return
    for other in ids:  # a link table: both ends are linked
        g.link(target.name, other, field)
