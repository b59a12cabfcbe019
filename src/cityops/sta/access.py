"""Which organisation a new entity belongs to, and who may see it.

A body may name them with the control annotations ``@cityops.organisation`` (an
organisation's slug) and ``@cityops.visibility`` (``public`` or ``restricted``); otherwise
an entity inherits them from its Thing (Datastreams, a Thing's Locations) or takes the
caller's organisation and ``public``.

On PATCH/PUT, ``@cityops.visibility`` changes the entity and its children (a Thing's
Datastreams, the Locations no other Thing uses and the FeaturesOfInterest made from them);
the caller must be allowed to write each of them. ``@cityops.organisation`` cannot be
changed by a PATCH (400): moving an entity to another organisation is not a property edit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from cityops.auth.policy import WriteGuard
from cityops.auth.principal import Principal
from cityops.datamodel.entities import EntityType
from cityops.errors import Forbidden, InvalidInput
from cityops.store import schema as s
from cityops.store.writer import Tx

VISIBILITIES = ("public", "restricted")


def ownership(
    tx: Tx,
    et: EntityType,
    body: dict[str, Any],
    row: dict[str, Any],
    principal: Principal,
    field: str,
    thing_id: int | None = None,
) -> dict[str, Any]:
    """``{"org_id": ..., "visibility": ...}`` for a new entity."""
    thing_id = row.get("thing_id", thing_id)
    org_id, visibility = principal.org_id, "public"
    if thing_id is not None:
        th = s.things
        inherited = tx.conn.execute(
            select(th.c.org_id, th.c.visibility).where(th.c.id == thing_id)
        ).first()
        if inherited is not None:
            org_id, visibility = inherited.org_id, inherited.visibility
    slug = body.get("@cityops.organisation")
    if slug is not None:
        org_id = organisation_id(tx, slug, f"{field}.@cityops.organisation")
    if "@cityops.visibility" in body:
        visibility = body["@cityops.visibility"]
        if visibility not in VISIBILITIES:
            raise InvalidInput(
                f"{field}.@cityops.visibility: must be 'public' or 'restricted'",
                field="@cityops.visibility",
            )
    if not principal.is_admin and org_id != principal.org_id:
        raise Forbidden(f"{field}: may only create entities of your own organisation")
    return {"org_id": org_id, "visibility": visibility}


def organisation_id(tx: Tx, slug: Any, field: str) -> int:
    """The id of the organisation with this slug (InvalidInput if there is none)."""
    org = s.organisations
    found = tx.conn.execute(select(org.c.id).where(org.c.slug == str(slug))).scalar()
    if found is None:
        raise InvalidInput(f"{field}: no organisation {slug!r}", field=field)
    return int(found)


def change_visibility(
    tx: Tx, et: EntityType, current: dict[str, Any], body: dict[str, Any], principal: Principal
) -> None:
    """Apply ``@cityops.visibility`` of a PATCH/PUT body to the entity and its children;
    refuse (400) what cannot be applied, so that no request answers 200 without effect."""
    ident = int(current["id"])
    if "@cityops.organisation" in body:
        org = organisation_id(tx, body["@cityops.organisation"], f"{et.name}.@cityops.organisation")
        if not et.access or org != current.get("org_id"):
            raise InvalidInput(
                f"{et.name}.@cityops.organisation: cannot be changed by an update",
                field="@cityops.organisation",
            )
    if "@cityops.visibility" not in body:
        return
    value = body["@cityops.visibility"]
    field = f"{et.name}.@cityops.visibility"
    if not et.access:
        follows = "Datastream" if et.name == "Observation" else "Thing"
        raise InvalidInput(
            f"{field}: a {et.name} has the visibility of its {follows}; change that instead",
            field="@cityops.visibility",
        )
    if value not in VISIBILITIES:
        raise InvalidInput(
            f"{field}: must be 'public' or 'restricted'", field="@cityops.visibility"
        )
    tx.conn.execute(update(et.table).where(et.table.c.id == ident).values(visibility=value))
    if et.name == "Thing":
        _thing_children(tx, ident, value, WriteGuard(tx.conn, principal), field)


def _thing_children(tx: Tx, thing_id: int, value: str, guard: WriteGuard, field: str) -> None:
    ds, tl = s.datastreams, s.thing_locations
    streams = [r[0] for r in tx.conn.execute(select(ds.c.id).where(ds.c.thing_id == thing_id))]
    others = select(tl.c.location_id).where(tl.c.thing_id != thing_id)
    own = select(tl.c.location_id).where(tl.c.thing_id == thing_id)
    locations = [r[0] for r in tx.conn.execute(own.where(tl.c.location_id.not_in(others)))]
    for ident in streams:
        guard.write("Datastream", ident, field)
    for ident in locations:
        guard.write("Location", ident, field)
    if streams:
        tx.conn.execute(update(ds).where(ds.c.id.in_(streams)).values(visibility=value))
        for ident in streams:
            tx.emit("updated", "Datastream", ident)
    if locations:
        loc, foi = s.locations, s.features_of_interest
        tx.conn.execute(update(loc).where(loc.c.id.in_(locations)).values(visibility=value))
        # the features made from those locations carry the same coordinates
        tx.conn.execute(
            update(foi).where(foi.c.location_id.in_(locations)).values(visibility=value)
        )
        tx.emit("updated", "Location", locations[0])
