"""Incidents for people: list, read with timeline, acknowledge, assign, annotate, resolve.

Access: an incident belongs to its rule's organisation. Admins see and change all;
city admins and operators of that organisation read and act; analysts read; everybody
else gets NotFound (ids do not leak), anonymous callers Unauthorized. Every action is one
write job with its timeline entry, its audit row and an ``Incident`` "updated" event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import false, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from cityops.auth import audit
from cityops.auth.principal import Principal, Role
from cityops.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from cityops.incidents.state import State, TimelineEntry
from cityops.store import schema as s
from cityops.store.writer import Tx

from .fold import Tracked
from .incident_store import emit, insert_entries, row_values, tracked_from_row

READERS = {Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST}
ACTORS = {Role.CITY_ADMIN, Role.OPERATOR}
_COLUMNS = (
    "id",
    "rule_id",
    "subject",
    "org_id",
    "origin",
    "state",
    "level",
    "level_name",
    "severity",
    "max_level",
    "max_level_name",
    "max_level_at",
    "opened_at",
    "updated_at",
    "resolved_at",
    "acknowledged_by",
    "assignee",
    "last_value",
    "last_time",
    "peak_value",
    "peak_at",
    "cleared_at",
    "oscillations",
    "readings",
    "persisted_at",
    "escalated_at",
)


def scope(p: Principal) -> ColumnElement[bool] | None:
    """SQL condition on incidents for what ``p`` may read (None: everything)."""
    if p.is_admin:
        return None
    if p.is_anonymous:
        raise Unauthorized("sign in to read incidents")
    if p.role in READERS and p.org_id is not None:
        return s.incidents.c.org_id == p.org_id
    return false()


def _query(p: Principal) -> Any:
    i, r = s.incidents, s.rules
    q = select(i, r.c.name.label("rule")).join(r, r.c.id == i.c.rule_id)
    cond = scope(p)
    return q if cond is None else q.where(cond)


def incident_json(row: Any) -> dict[str, Any]:
    doc = {k: getattr(row, k) for k in _COLUMNS}
    doc["rule"] = row.rule
    # "cleared": back at normal - the cool-down runs, or (incident a person took) it
    # waits for the operator to resolve it
    doc["condition"] = "cleared" if row.cleared_at is not None else "active"
    return doc


def _level_filter(level: str) -> ColumnElement[bool]:
    i = s.incidents
    return i.c.level >= int(level) if level.isdigit() else i.c.level_name == level


def list_incidents(
    conn: Connection,
    p: Principal,
    *,
    state: str | None = None,
    level: str | None = None,
    org: str | None = None,
    since: datetime | None = None,
    rule: str | None = None,
    origin: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Newest first. ``state``: comma list; ``level``: minimum index or a level name;
    ``org``: id or slug; ``since``: changed at or after (aware datetime)."""
    i, o = s.incidents, s.organisations
    q = _query(p).order_by(i.c.updated_at.desc(), i.c.id.desc()).limit(limit).offset(offset)
    if state:
        states = [x.strip() for x in state.split(",") if x.strip()]
        bad = [x for x in states if x not in {m.value for m in State}]
        if bad:
            raise InvalidInput(
                f"state: {bad[0]!r} is not open, acknowledged or resolved", field="state"
            )
        q = q.where(i.c.state.in_(states))
    if level:
        q = q.where(_level_filter(level))
    if org:
        q = (
            q.where(i.c.org_id == int(org))
            if org.isdigit()
            else q.where(i.c.org_id.in_(select(o.c.id).where(o.c.slug == org)))
        )
    if since is not None:
        q = q.where(or_(i.c.updated_at >= since, i.c.opened_at >= since))
    if rule:
        q = q.where(s.rules.c.name == rule)
    if origin:
        q = q.where(i.c.origin == origin)
    return [incident_json(r) for r in conn.execute(q)]


def _row(conn: Connection, incident_id: int, p: Principal) -> Any:
    row = conn.execute(_query(p).where(s.incidents.c.id == incident_id)).first()
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return row


def get_incident(conn: Connection, incident_id: int, p: Principal) -> dict[str, Any]:
    """One incident with its timeline (oldest first)."""
    doc = incident_json(_row(conn, incident_id, p))
    tl = s.incident_timeline
    rows = conn.execute(
        select(tl).where(tl.c.incident_id == incident_id).order_by(tl.c.time, tl.c.id)
    )
    doc["timeline"] = [
        {k: getattr(r, k) for k in ("time", "kind", "actor", "from_value", "to_value", "note")}
        for r in rows
    ]
    return doc


Action = Callable[[Tracked, str, float], TimelineEntry]


def act(
    tx: Tx, incident_id: int, p: Principal, action: str, change: Action, remote: str | None = None
) -> None:
    """Apply an operator action (a call on the state machine's Incident) and store it."""
    row = _row(tx.conn, incident_id, p)
    if not (p.is_admin or p.role in ACTORS):
        raise Forbidden(f"role {p.role.value} may not {action} incidents")
    t = tracked_from_row(row, row.rule)
    now = datetime.now(UTC).timestamp()
    entry = change(t, p.name, now)
    if entry.kind == "acknowledged":
        t.acknowledged_by = p.name
    t.new_entries = [entry]
    tx.conn.execute(
        update(s.incidents).where(s.incidents.c.id == incident_id).values(**row_values(t))
    )
    insert_entries(tx.conn, incident_id, [entry])
    audit.record(
        tx,
        p,
        action,
        "Incident",
        incident_id,
        {"note": entry.note, "to": entry.to_value},
        remote,
        row.org_id,
    )
    emit(tx, "updated", None, t, row.origin, rule_id=row.rule_id, org_id=row.org_id)


def acknowledge(note: str | None) -> Action:
    return lambda t, who, now: t.incident.acknowledge(who, now, note)


def assign(assignee: str | None, note: str | None) -> Action:
    return lambda t, who, now: t.incident.assign(who, now, assignee, note)


def annotate(note: str) -> Action:
    return lambda t, who, now: t.incident.annotate(who, now, note)


def resolve(note: str | None) -> Action:
    return lambda t, who, now: t.incident.resolve(who, now, note)
