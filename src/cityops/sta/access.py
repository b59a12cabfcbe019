"""Which organisation a new entity belongs to, and who may see it.

A body may name them with the control annotations ``@cityops.organisation`` (an
organisation's slug) and ``@cityops.visibility`` (``public`` or ``restricted``); otherwise
an entity inherits them from its Thing (Datastreams, a Thing's Locations) or takes the
caller's organisation and ``public``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
