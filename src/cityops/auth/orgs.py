"""Organisations: cities and partners that own data and people."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from cityops.errors import Conflict, InvalidInput, NotFound
from cityops.store import schema as s

KINDS = ("city", "partner", "national")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def add_org(
    conn: Connection,
    slug: str,
    name: str,
    *,
    kind: str = "city",
    country_iso2: str | None = None,
    timezone: str | None = None,
    languages: list[str] | None = None,
    lat: float | None = None,
    lon: float | None = None,
    names: dict[str, str] | None = None,
) -> int:
    """Create an organisation; InvalidInput names the bad field. ``names`` gives its name
    in other languages (``{"lo": "ປາກເຊ"}``) for the alert texts in those languages."""
    _check_names(names)
    if not _SLUG.match(slug):
        raise InvalidInput("slug: lower-case letters, digits and '-' (at most 63)", field="slug")
    if kind not in KINDS:
        raise InvalidInput(f"kind: one of {', '.join(KINDS)}", field="kind")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"timezone: unknown IANA zone {timezone!r}", field="timezone"
            ) from None
    o = s.organisations
    if conn.execute(select(o.c.id).where(o.c.slug == slug)).first() is not None:
        raise Conflict(f"organisation {slug!r} exists already")
    return int(
        conn.execute(
            insert(o)
            .values(
                slug=slug,
                name=name,
                kind=kind,
                country_iso2=country_iso2,
                timezone=timezone,
                languages=languages,
                lat=lat,
                lon=lon,
                names=names or None,
                created_at=_now(),
            )
            .returning(o.c.id)
        ).scalar_one()
    )


def _check_names(names: dict[str, str] | None) -> None:
    for code, value in (names or {}).items():
        if not re.fullmatch(r"[a-z]{2,3}", str(code)):
            raise InvalidInput(
                f"names: {code!r} is not a language code (vi, lo, km ...)", field="names"
            )
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InvalidInput(f"names.{code}: a name of 1 to 200 characters", field="names")


def _now() -> datetime:
    return datetime.now(UTC)


def org_id(conn: Connection, slug: str) -> int:
    o = s.organisations
    found = conn.execute(select(o.c.id).where(o.c.slug == slug)).scalar()
    if found is None:
        raise NotFound(f"organisation {slug!r} not found")
    return int(found)


def list_orgs(conn: Connection) -> list[dict[str, Any]]:
    o = s.organisations
    return [dict(r._mapping) for r in conn.execute(select(o).order_by(o.c.slug))]
