"""The programme register in the database: import, select, link, exchange rates.

Plain Python over SQLAlchemy Core (no HTTP). Write functions take a write job's ``Tx`` and
record an audit row in the same job; read functions take a read connection. A project is
stored whole as JSON (``projects.doc``) with the values filtered on copied to columns and
to ``project_facets`` (lower-cased cities, funder names and refs, DAC sector codes).

Access: the register is public; admins change anything, a city admin changes the projects
that name its city (by organisation name or slug) and links only what it may see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from cityops.auth import audit
from cityops.auth.policy import visible
from cityops.auth.principal import Principal, Role
from cityops.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from cityops.programmes.codec import from_json, to_json
from cityops.programmes.model import Project
from cityops.programmes.money import Rate, RatesTable, load_rates
from cityops.programmes.places import Place, Review, link_locations
from cityops.programmes.register import merge_project
from cityops.store import schema as s
from cityops.store.writer import Tx

ENTITY = "Project"
#: entity name -> (link table, its id column, the entity's table)
LINKS = {
    "Thing": (s.project_things, "thing_id", s.things),
    "Datastream": (s.project_datastreams, "datastream_id", s.datastreams),
}


def _now() -> datetime:
    return datetime.now(UTC)


def norm(value: str) -> str:
    """How facet values are kept and looked up: lower-case words, punctuation as spaces
    (so that the city "Phnom Penh" matches the organisation slug "phnom-penh")."""
    return " ".join(re.sub(r"[\W_]+", " ", value.lower()).split())[:255]


def facets(project: Project) -> set[tuple[str, str]]:
    """The (facet, value) rows of a project: its cities, funders (name and ref), sectors."""
    rows = {("city", norm(c)) for c in project.cities}
    for funder in project.funders:
        rows |= {("funder", norm(v)) for v in (funder.name, funder.ref) if v}
    rows |= {("sector", code) for code in project.sector_codes}
    return rows


@dataclass(frozen=True)
class Stored:
    """A project read back from the register, with its id and what it is linked to."""

    id: int
    project: Project
    things: tuple[int, ...] = ()
    datastreams: tuple[int, ...] = ()


@dataclass
class ImportSummary:
    """Keys of the projects an import added, updated and left unchanged, and all their ids."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    review: list[Review] = field(default_factory=list)


def city_places(conn: Connection) -> list[Place]:
    """The organisations of kind city, as places to link IATI locations to."""
    o = s.organisations
    rows = conn.execute(select(o.c.name, o.c.lat, o.c.lon).where(o.c.kind == "city"))
    return [Place(r.name, r.lat, r.lon) for r in rows]


# Access -----------------------------------------------------------------------------


def _org_names(conn: Connection, org_id: int | None) -> set[str]:
    if org_id is None:
        return set()
    o = s.organisations
    row = conn.execute(select(o.c.slug, o.c.name).where(o.c.id == org_id)).first()
    return set() if row is None else {norm(row.slug), norm(row.name)}


def check_edit(conn: Connection, who: Principal, project: Project) -> None:
    """Admins edit any project; a city admin one naming its own city; a programme officer
    one its organisation takes part in (by participant name or IATI ref)."""
    if who.is_anonymous:
        raise Unauthorized("changing the programme register needs a token or a login")
    if who.is_admin:
        return
    mine = _org_names(conn, who.org_id)
    if who.role is Role.CITY_ADMIN and {norm(c) for c in project.cities} & mine:
        return
    if who.role is Role.PROGRAMME_OFFICER:
        taking_part = {norm(v) for p in project.participants for v in (p.name, p.ref) if v}
        if taking_part & mine:
            return
        raise Forbidden(f"project {project.key!r} is not one of the caller's organisation")
    raise Forbidden(f"project {project.key!r} is not in the caller's city")


def _readable(conn: Connection, who: Principal) -> ColumnElement[bool] | None:
    """Which projects ``who`` may read: public ones and their own city's; admins and
    programme officers all (None)."""
    p = s.projects
    if who.is_admin or who.role is Role.PROGRAMME_OFFICER:
        return None
    names = _org_names(conn, who.org_id)
    if not names:
        return p.c.visibility == "public"
    f = s.project_facets
    own = exists().where(f.c.project_id == p.c.id, f.c.facet == "city", f.c.value.in_(names))
    return or_(p.c.visibility == "public", own)


# Writes -----------------------------------------------------------------------------


def _columns(project: Project) -> dict[str, Any]:
    return {
        "iati_identifier": project.iati_identifier,
        "title": project.title,
        "status": project.status,
        "start_date": project.start,
        "end_date": project.end,
        "doc": to_json(project),
        "updated_at": _now(),
    }


def _write_facets(tx: Tx, project_id: int, project: Project) -> None:
    f = s.project_facets
    tx.conn.execute(delete(f).where(f.c.project_id == project_id))
    rows = [{"project_id": project_id, "facet": k, "value": v} for k, v in sorted(facets(project))]
    if rows:
        tx.conn.execute(insert(f), rows)


def insert_project(tx: Tx, project: Project, who: Principal, remote: str | None = None) -> int:
    """Add a project to the register; return its id."""
    check_edit(tx.conn, who, project)
    row = {**_columns(project), "created_at": _now()}
    new_id = int(
        tx.conn.execute(insert(s.projects).values(**row).returning(s.projects.c.id)).scalar_one()
    )
    _write_facets(tx, new_id, project)
    audit.record(tx, who, "create", ENTITY, new_id, {"key": project.key}, remote)
    return new_id


def replace_project(
    tx: Tx, project_id: int, project: Project, who: Principal, remote: str | None = None
) -> None:
    """Replace a stored project (the caller must be allowed to edit old and new)."""
    current = get_project(tx.conn, who, project_id).project
    check_edit(tx.conn, who, current)
    check_edit(tx.conn, who, project)
    tx.conn.execute(
        update(s.projects).where(s.projects.c.id == project_id).values(**_columns(project))
    )
    _write_facets(tx, project_id, project)
    audit.record(tx, who, "update", ENTITY, project_id, {"key": project.key}, remote)


def save_imported(
    tx: Tx, projects: Iterable[Project], who: Principal, remote: str | None = None
) -> ImportSummary:
    """Store imported projects: update the one with the same IATI identifier, else add.

    What IATI does not carry (cities, milestones, envelope) is kept from the register when
    the imported version lacks it. Locations that clearly name a city become its cities;
    unclear ones are listed in ``review`` (see :mod:`.places`). All or nothing: one refused
    project refuses the import.
    """
    p, summary = s.projects, ImportSummary()
    projects, summary.review = link_locations(projects, city_places(tx.conn))
    for project in projects:
        row = None
        if project.iati_identifier:
            row = tx.conn.execute(
                select(p.c.id, p.c.doc).where(p.c.iati_identifier == project.iati_identifier)
            ).first()
        if row is None:
            summary.ids.append(insert_project(tx, project, who, remote))
            summary.added.append(project.key)
            continue
        current = from_json(row.doc)
        merged = merge_project(current, project)
        summary.ids.append(int(row.id))
        if merged == current:
            check_edit(tx.conn, who, current)
            summary.unchanged.append(project.key)
        else:
            replace_project(tx, int(row.id), merged, who, remote)
            summary.updated.append(project.key)
    detail = {
        "added": len(summary.added),
        "updated": len(summary.updated),
        "unchanged": len(summary.unchanged),
    }
    audit.record(tx, who, "import", ENTITY, None, detail, remote)
    return summary


def delete_project(tx: Tx, project_id: int, who: Principal, remote: str | None = None) -> None:
    """Remove a project and its links from the register."""
    current = get_project(tx.conn, who, project_id).project
    check_edit(tx.conn, who, current)
    tx.conn.execute(delete(s.projects).where(s.projects.c.id == project_id))
    audit.record(tx, who, "delete", ENTITY, project_id, {"key": current.key}, remote)


def _link_target(conn: Connection, who: Principal, entity: str, ident: int) -> None:
    if entity not in LINKS:
        raise InvalidInput(f"cannot link a {entity}", field="entity")
    _, _, table = LINKS[entity]
    q = select(table.c.id, table.c.org_id).where(table.c.id == ident)
    cond = visible(entity, table, who)
    row = conn.execute(q if cond is None else q.where(cond)).first()
    if row is None:
        raise NotFound(f"{entity} {ident} not found", field=entity)
    if not who.is_admin and (who.role is not Role.CITY_ADMIN or row.org_id != who.org_id):
        raise Forbidden(f"only the city that owns {entity} {ident} links it to a project")


def link(
    tx: Tx, project_id: int, entity: str, ident: int, who: Principal, remote: str | None = None
) -> bool:
    """Record that the project funded a Thing or Datastream; False if it already was."""
    check_edit(tx.conn, who, get_project(tx.conn, who, project_id).project)
    _link_target(tx.conn, who, entity, ident)
    table, column, _ = LINKS[entity]
    where = and_(table.c.project_id == project_id, table.c[column] == ident)
    if tx.conn.execute(select(table.c.project_id).where(where)).first() is not None:
        return False
    tx.conn.execute(
        insert(table).values(project_id=project_id, created_at=_now(), **{column: ident})
    )
    audit.record(tx, who, "link", ENTITY, project_id, {entity: ident}, remote)
    return True


def unlink(
    tx: Tx, project_id: int, entity: str, ident: int, who: Principal, remote: str | None = None
) -> None:
    """Remove a link; NotFound if there is none."""
    check_edit(tx.conn, who, get_project(tx.conn, who, project_id).project)
    if entity not in LINKS:
        raise InvalidInput(f"cannot unlink a {entity}", field="entity")
    table, column, _ = LINKS[entity]
    gone = tx.conn.execute(
        delete(table).where(table.c.project_id == project_id, table.c[column] == ident)
    ).rowcount
    if not gone:
        raise NotFound(f"project {project_id} is not linked to {entity} {ident}", field=entity)
    audit.record(tx, who, "unlink", ENTITY, project_id, {entity: ident}, remote)


def parse_rates(data: bytes, base: str = "USD") -> RatesTable:
    """A rates table from an uploaded CSV file (UTF-8); InvalidInput names a bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"rates: not UTF-8 text (byte {exc.start})", field="rates") from None
    return load_rates(text, base=base)


def store_rates(tx: Tx, table: RatesTable, who: Principal, remote: str | None = None) -> int:
    """Load (or replace, date by date) the operator's exchange rates; admins only."""
    if who.is_anonymous:
        raise Unauthorized("loading exchange rates needs a token or a login")
    if not who.is_admin:
        raise Forbidden("only admins load exchange rates")
    r, now = s.exchange_rates, _now()
    rows = [
        {
            "base": x.base,
            "currency": x.currency,
            "date": x.date,
            "rate": format(x.rate, "f"),
            "loaded_at": now,
        }
        for series in table.rates.values()
        for x in series
    ]
    for row in rows:
        tx.conn.execute(
            delete(r).where(
                r.c.base == row["base"], r.c.currency == row["currency"], r.c.date == row["date"]
            )
        )
    if rows:
        tx.conn.execute(insert(r), rows)
    audit.record(
        tx,
        who,
        "load",
        "ExchangeRates",
        table.base,
        {"rows": len(rows), "currencies": sorted(table.rates)},
        remote,
    )
    return len(rows)


# Reads ------------------------------------------------------------------------------


def _facet_filter(facet: str, value: str | None) -> ColumnElement[bool] | None:
    if not value:
        return None
    f, p = s.project_facets, s.projects
    return exists().where(f.c.project_id == p.c.id, f.c.facet == facet, f.c.value == norm(value))


def select_projects(
    conn: Connection,
    who: Principal,
    *,
    city: str | None = None,
    funder: str | None = None,
    sector: str | None = None,
    status: int | None = None,
    year: int | None = None,
    ids: Sequence[int] | None = None,
    years: tuple[int, int] | None = None,
) -> list[Stored]:
    """The projects ``who`` may read that match every filter given, by start date.

    ``year`` keeps projects running in that year, ``years`` (first, last) those running in
    any of those years (a project with no end runs on).
    """
    p = s.projects
    conds = [
        _facet_filter("city", city),
        _facet_filter("funder", funder),
        _facet_filter("sector", sector),
        _readable(conn, who),
    ]
    if status is not None:
        conds.append(p.c.status == status)
    if year is not None:
        years = (year, year)
    if years is not None:
        conds += [
            p.c.start_date <= date(years[1], 12, 31),
            or_(p.c.end_date.is_(None), p.c.end_date >= date(years[0], 1, 1)),
        ]
    if ids is not None:
        conds.append(p.c.id.in_(list(ids)))
    q = select(p.c.id, p.c.doc).order_by(p.c.start_date.is_(None), p.c.start_date, p.c.id)
    rows = conn.execute(q.where(*(c for c in conds if c is not None))).all()
    return [Stored(int(r.id), from_json(r.doc)) for r in rows]


def linked_ids(conn: Connection, who: Principal, project_id: int, entity: str) -> tuple[int, ...]:
    """Ids of the Things or Datastreams linked to a project that ``who`` may see."""
    table, column, target = LINKS[entity]
    q = (
        select(table.c[column])
        .join(target, target.c.id == table.c[column])
        .where(table.c.project_id == project_id)
        .order_by(table.c[column])
    )
    cond = visible(entity, target, who)
    return tuple(int(r[0]) for r in conn.execute(q if cond is None else q.where(cond)))


def get_project(conn: Connection, who: Principal, project_id: int) -> Stored:
    """One project with its links; NotFound when it does not exist or is not readable."""
    found = select_projects(conn, who, ids=[project_id])
    if not found:
        raise NotFound(f"project {project_id} not found", field="project")
    return Stored(
        project_id,
        found[0].project,
        linked_ids(conn, who, project_id, "Thing"),
        linked_ids(conn, who, project_id, "Datastream"),
    )


def rates_table(conn: Connection, base: str | None = None) -> RatesTable | None:
    """The loaded rates to ``base`` (default: USD if loaded, else the first base); None if
    no rates are loaded."""
    r = s.exchange_rates
    bases = sorted(row[0] for row in conn.execute(select(r.c.base).distinct()))
    if not bases:
        return None
    chosen: str = base if base and base in bases else ("USD" if "USD" in bases else bases[0])
    series: dict[str, list[Rate]] = {}
    rows = conn.execute(select(r).where(r.c.base == chosen).order_by(r.c.currency, r.c.date))
    for row in rows:
        series.setdefault(row.currency, []).append(
            Rate(row.currency, row.date, Decimal(row.rate), row.base)
        )
    return RatesTable(chosen, {c: tuple(v) for c, v in series.items()})
