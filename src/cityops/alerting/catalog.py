"""Rules as stored: create, replace, patch, delete and list them, checked against the store.

A rule is refused, with a message naming the rule and the field, when it names a missing
or invisible datastream, when a datastream's unit cannot be converted to the unit the rule
needs, when its output datastream is missing, in the wrong unit or would feed the rule
back (a loop), or when its own config is invalid (``cityops.rules`` validation).

Who: an admin manages every rule; a city admin manages the rules of its organisation,
on datastreams it can see. Whoever makes it, a rule reads only datastreams its own
organisation may read, and writes (``output``) only into a datastream its organisation
may write: a rule never carries data across organisations. Incidents of a rule belong
to the rule's organisation, which is the ``organisation`` given (admins only), else the
caller's, else the organisation of the rule's first input datastream.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from cityops.auth import audit
from cityops.auth.policy import Owner, may_write, sees_row, visible
from cityops.auth.principal import Principal, Role
from cityops.errors import Conflict, Forbidden, InvalidInput, NotFound
from cityops.rules import RuleSpec, parse_rule
from cityops.store import schema as s
from cityops.store.writer import Tx

from .active import check_output, converters, datastream_id, datastream_units, input_ids

READERS = {Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST}
_OUT = ("id", "name", "type", "subject", "description", "enabled", "org_id")


def _now() -> datetime:
    return datetime.now(UTC)


def rule_json(row: Any) -> dict[str, Any]:
    """A stored rule as the flat document the API and TOML files use (plus id and times)."""
    doc = {k: getattr(row, k) for k in _OUT}
    doc["output"] = row.output_datastream_id
    doc.update(row.config)
    doc["created_at"], doc["updated_at"] = row.created_at, row.updated_at
    return doc


def _visible_datastreams(conn: Connection, ids: set[int], p: Principal) -> dict[int, Any]:
    ds = s.datastreams
    q = select(ds.c.id, ds.c.org_id, ds.c.visibility, ds.c.thing_id).where(ds.c.id.in_(sorted(ids)))
    cond = visible("Datastream", ds, p)
    if cond is not None:
        q = q.where(cond)
    return {int(r.id): r for r in conn.execute(q)}


def _org(conn: Connection, spec: RuleSpec, p: Principal, first_ds: Any) -> int | None:
    if spec.organisation is not None:
        if not p.is_admin:
            raise Forbidden("only an admin may set a rule's organisation")
        org = s.organisations
        found = conn.execute(select(org.c.id).where(org.c.slug == spec.organisation)).scalar()
        if found is None:
            raise InvalidInput(
                f"organisation: no organisation {spec.organisation!r}", field="organisation"
            )
        return int(found)
    return p.org_id if p.org_id is not None else first_ds.org_id


def _feeds_back(
    conn: Connection, spec: RuleSpec, inputs: set[int], output: int, rule_id: int | None
) -> bool:
    """Would values written to ``output`` reach this rule's inputs through other rules?"""
    r = s.rules
    edges: dict[int, set[int]] = {}
    for row in conn.execute(
        select(r.c.id, r.c.config, r.c.output_datastream_id).where(
            r.c.output_datastream_id.is_not(None)
        )
    ):
        if row.id == rule_id:
            continue
        for v in (row.config.get("inputs") or {}).values():
            if str(v).isdigit():
                edges.setdefault(int(v), set()).add(int(row.output_datastream_id))
    seen, todo = set(), [output]
    while todo:
        ds = todo.pop()
        if ds in inputs:
            return True
        if ds not in seen:
            seen.add(ds)
            todo.extend(edges.get(ds, ()))
    return False


def check_spec(
    conn: Connection, spec: RuleSpec, p: Principal, rule_id: int | None = None
) -> dict[str, Any]:
    """Validate ``spec`` against the store; the column values to store it."""
    if p.role not in (Role.ADMIN, Role.CITY_ADMIN):
        raise Forbidden(f"role {p.role.value} may not change rules")
    inputs = input_ids(spec.rule)
    output = None if spec.output is None else datastream_id(spec.output, "output")
    wanted = set(inputs.values()) | ({output} if output is not None else set())
    seen = _visible_datastreams(conn, wanted, p)
    units = {k: v for k, v in datastream_units(conn, set(seen)).items()}
    converters(spec.name, spec.rule, inputs, units)
    if output is not None:
        check_output(spec.name, spec.rule, output, units)
        if _feeds_back(conn, spec, set(inputs.values()), output, rule_id):
            raise InvalidInput(
                f"rule {spec.name!r}: output: Datastream {output} feeds the "
                "rule's own inputs (a loop)",
                field="output",
            )
    org_id = _org(conn, spec, p, seen[next(iter(inputs.values()))])
    if not p.is_admin and org_id != p.org_id:
        raise Forbidden("a rule belongs to your own organisation")
    _same_organisation(spec, org_id, inputs, output, seen)
    return {
        "name": spec.name,
        "type": spec.type,
        "config": dict(spec.config),
        "subject": spec.subject,
        "description": spec.description,
        "enabled": spec.enabled,
        "output_datastream_id": output,
        "org_id": org_id,
    }


def _same_organisation(
    spec: RuleSpec, org_id: int | None, inputs: Mapping[str, int], output: int | None, seen: Any
) -> None:
    """The rule's organisation may read its inputs and write its output (``auth.policy``),
    whoever creates the rule: an admin cannot make a city's rule read another city's
    restricted data or write into another city's datastream either."""
    if org_id is None:
        return  # an organisation-less rule is the admins' own; its incidents are theirs
    reader = Principal(Role.ANALYST, f"rule {spec.name}", org_id=org_id)
    writer = Principal(Role.CITY_ADMIN, f"rule {spec.name}", org_id=org_id)
    for role, ds_id in inputs.items():
        row = seen[ds_id]
        if not sees_row(reader, row.org_id, row.visibility):
            raise Forbidden(
                f"rule {spec.name!r}: inputs.{role}: Datastream {ds_id} is restricted to "
                "another organisation",
                field=f"inputs.{role}",
            )
    if output is not None:
        row = seen[output]
        if not may_write(writer, "Observation", Owner(row.org_id, row.visibility, row.thing_id)):
            raise Forbidden(
                f"rule {spec.name!r}: output: Datastream {output} belongs to another organisation",
                field="output",
            )


def _row(conn: Connection, rule_id: int, p: Principal) -> Any:
    r = s.rules
    row = conn.execute(select(r).where(r.c.id == rule_id)).first()
    if row is None or not (p.is_admin or (p.role in READERS and row.org_id == p.org_id)):
        raise NotFound(f"no rule {rule_id}")
    return row


def _name_taken(conn: Connection, name: str, rule_id: int | None) -> None:
    r = s.rules
    found = conn.execute(select(r.c.id).where(r.c.name == name)).scalar()
    if found is not None and found != rule_id:
        raise Conflict(f"a rule named {name!r} exists already", field="name")


def create_rule(tx: Tx, body: Mapping[str, Any], p: Principal, remote: str | None = None) -> int:
    """Store a new rule from its flat document; returns its id."""
    spec = parse_rule(body)
    values = check_spec(tx.conn, spec, p)
    _name_taken(tx.conn, spec.name, None)
    now = _now()
    rule_id = int(
        tx.conn.execute(
            insert(s.rules).values(**values, created_at=now, updated_at=now).returning(s.rules.c.id)
        ).scalar_one()
    )
    audit.record(tx, p, "create", "Rule", rule_id, {"name": spec.name}, remote, values["org_id"])
    tx.emit("created", "Rule", rule_id)
    return rule_id


def replace_rule(
    tx: Tx,
    rule_id: int,
    body: Mapping[str, Any],
    p: Principal,
    remote: str | None = None,
    merge: bool = False,
) -> None:
    """Replace a rule (PUT), or merge top-level keys into it (``merge``, PATCH)."""
    row = _row(tx.conn, rule_id, p)
    if merge:
        old = {
            k: v
            for k, v in rule_json(row).items()
            if k not in ("id", "org_id", "created_at", "updated_at")
        }
        body = {**old, **body}
        body = {k: v for k, v in body.items() if v is not None}
    spec = parse_rule(body)
    values = check_spec(tx.conn, spec, p, rule_id)
    _name_taken(tx.conn, spec.name, rule_id)
    tx.conn.execute(
        update(s.rules).where(s.rules.c.id == rule_id).values(**values, updated_at=_now())
    )
    audit.record(tx, p, "update", "Rule", rule_id, {"name": spec.name}, remote, values["org_id"])
    tx.emit("updated", "Rule", rule_id)


def delete_rule(tx: Tx, rule_id: int, p: Principal, remote: str | None = None) -> None:
    """Delete a rule without incidents (Conflict otherwise: disable it instead)."""
    row = _row(tx.conn, rule_id, p)
    if p.role not in (Role.ADMIN, Role.CITY_ADMIN):
        raise Forbidden(f"role {p.role.value} may not change rules")
    i = s.incidents
    if tx.conn.execute(select(func.count()).where(i.c.rule_id == rule_id)).scalar():
        raise Conflict(f"rule {row.name!r} has incidents: set enabled = false instead")
    tx.conn.execute(delete(s.rules).where(s.rules.c.id == rule_id))
    audit.record(tx, p, "delete", "Rule", rule_id, {"name": row.name}, remote, row.org_id)
    tx.emit("deleted", "Rule", rule_id)


def get_rule(conn: Connection, rule_id: int, p: Principal) -> dict[str, Any]:
    return rule_json(_row(conn, rule_id, p))


def list_rules(
    conn: Connection, p: Principal, *, type: str | None = None, datastream: int | None = None
) -> list[dict[str, Any]]:
    """Rules the caller may read (admin: all; org members: their organisation's)."""
    r = s.rules
    q = select(r).order_by(r.c.id)
    if not p.is_admin:
        if p.role not in READERS or p.org_id is None:
            return []
        q = q.where(r.c.org_id == p.org_id)
    if type is not None:
        q = q.where(r.c.type == type)
    docs = [rule_json(row) for row in conn.execute(q)]
    if datastream is not None:
        docs = [d for d in docs if datastream in _ids(d.get("inputs", {}))]
    return docs


def _ids(inputs: Mapping[str, Any]) -> set[int]:
    return {int(v) for v in inputs.values() if str(v).isdigit()}


def upsert_specs(tx: Tx, specs: list[RuleSpec], p: Principal) -> list[tuple[str, str]]:
    """Store rules from a file by name (insert or replace); errors name the rule's line.

    Returns (name, "created" | "updated") per rule. All or nothing (one job).
    """
    r, done = s.rules, []
    for spec in specs:
        where = f"line {spec.line}: " if spec.line else ""
        try:
            values = check_spec(tx.conn, spec, p)
        except InvalidInput as exc:
            raise InvalidInput(where + exc.message, field=exc.field) from None
        found = tx.conn.execute(select(r.c.id).where(r.c.name == spec.name)).scalar()
        now = _now()
        if found is None:
            found = tx.conn.execute(
                insert(r).values(**values, created_at=now, updated_at=now).returning(r.c.id)
            ).scalar_one()
            done.append((spec.name, "created"))
        else:
            tx.conn.execute(update(r).where(r.c.id == found).values(**values, updated_at=now))
            done.append((spec.name, "updated"))
        audit.record(tx, p, "load", "Rule", found, {"name": spec.name}, None, values["org_id"])
        tx.emit("updated", "Rule", int(found))
    return done
