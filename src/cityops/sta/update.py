"""PATCH (merge), JSON Patch (applied in the write job) and PUT of SensorThings entities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from cityops.auth.policy import check_observation_write, require_sta_writer
from cityops.auth.principal import Principal
from cityops.datamodel.entities import BY_NAME, EntityType, Kind
from cityops.datamodel.observation import entity_id, parse_observation
from cityops.datamodel.rows import json_value, row_values
from cityops.errors import InvalidInput, NotFound
from cityops.sta.access import change_visibility
from cityops.sta.create import Parent, attach, move_thing
from cityops.sta.guard import check_attach, check_move_thing, check_to_one, guard
from cityops.sta.jsonpatch import apply_patch
from cityops.store import schema as s
from cityops.store.writer import Tx


def update_entity(
    tx: Tx, et: EntityType, ident: int, body: Any, principal: Principal, *, replace: bool = False
) -> None:
    """Merge ``body`` into the entity (``replace``: PUT, unset optional properties become null).

    Every entity a changed link touches is checked before anything is written (see
    ``sta.guard``); ``@cityops.visibility`` changes the entity and its children."""
    if not isinstance(body, dict):
        raise InvalidInput(f"{et.name}: must be a JSON object", field=et.name)
    current = current_row(tx, et, ident)
    check_write(tx, et, current, principal)
    if et.name == "Observation":
        row = _observation_row(tx, current, body, principal)
    else:
        row = row_values(et, body, et.name, partial=not replace)
        if replace:
            for prop in et.props:
                if not prop.mandatory and not prop.read_only and prop.name not in body:
                    row.update(dict.fromkeys(_cols(prop), None))
    row.update(_links(tx, et, current, body, principal))
    change_visibility(tx, et, current, body, principal)
    if row:
        tx.conn.execute(update(et.table).where(et.table.c.id == ident).values(**row))
    if et.name == "Observation":
        refresh_datastream(tx, current["datastream_id"])
        if "datastream_id" in row and row["datastream_id"] != current["datastream_id"]:
            refresh_datastream(tx, row["datastream_id"])
    tx.emit("updated", et.name, ident, changed=sorted(k for k in body if not k.startswith("@")))


def _cols(prop: Any) -> list[str]:
    if prop.kind is Kind.INTERVAL:
        return [f"{prop.column}_start", f"{prop.column}_end"]
    if prop.kind is Kind.GEOMETRY:
        return [prop.column, "geom", "bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy"]
    return [prop.column]


def current_row(tx: Tx, et: EntityType, ident: int) -> dict[str, Any]:
    row = tx.conn.execute(select(et.table).where(et.table.c.id == ident)).first()
    if row is None:
        raise NotFound(f"{et.name} {ident} not found")
    return dict(row._mapping)


def check_write(tx: Tx, et: EntityType, current: dict[str, Any], principal: Principal) -> None:
    """May ``principal`` change or delete this entity (``auth.policy``)?"""
    if et.name == "Observation":
        ds = tx.conn.execute(
            select(s.datastreams).where(s.datastreams.c.id == current["datastream_id"])
        ).first()
        check_observation_write(principal, ds)
        return
    require_sta_writer(principal, et.name)
    guard(tx, principal).write(et.name, int(current["id"]))


def _observation_row(
    tx: Tx, current: dict[str, Any], body: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    et = BY_NAME["Observation"]
    merged = {p.name: json_value(p, current) for p in et.props}
    merged.update({k: v for k, v in body.items() if k in et.prop_by_name})
    merged["Datastream"] = body.get("Datastream", {"@iot.id": current["datastream_id"]})
    merged["FeatureOfInterest"] = body.get(
        "FeatureOfInterest", {"@iot.id": current["feature_of_interest_id"]}
    )
    obs = parse_observation(merged)
    g = guard(tx, principal)
    if obs.datastream_id != current["datastream_id"]:  # the new one must take observations
        g.observations_into(obs.datastream_id, "Observation.Datastream")
    if obs.foi_id is not None and obs.foi_id != current["feature_of_interest_id"]:
        g.link("FeatureOfInterest", obs.foi_id, "Observation.FeatureOfInterest")
    return {
        "datastream_id": obs.datastream_id,
        "feature_of_interest_id": obs.foi_id,
        "phenomenon_time_start": obs.phenomenon_start,
        "phenomenon_time_end": obs.phenomenon_end,
        "result_time": obs.result_time,
        "result_number": obs.result_number,
        "result_json": obs.result_json,
        "result_quality": obs.result_quality,
        "valid_time_start": obs.valid_start,
        "valid_time_end": obs.valid_end,
        "parameters": obs.parameters,
    }


def _links(
    tx: Tx, et: EntityType, current: dict[str, Any], body: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    """New values of to-one keys; to-many links are changed here. Each changed link is
    checked against everything it touches before it is made."""
    values: dict[str, Any] = {}
    ident = int(current["id"])
    g = guard(tx, principal)
    for nav in et.navs:
        if nav.name not in body or et.name == "Observation":
            continue
        field = f"{et.name}.{nav.name}"
        if not nav.many and nav.fk is not None:
            new = entity_id(body[nav.name], field)
            check_to_one(g, nav, current[nav.fk], new, field)
            values[nav.fk] = new
            continue
        items = body[nav.name]
        if not isinstance(items, list):
            raise InvalidInput(f"{field}: must be a JSON array", field=nav.name)
        ids = [entity_id(v, f"{field}[{i}]") for i, v in enumerate(items)]
        if et.name == "Thing" and nav.name == "Locations":
            check_move_thing(g, tx, ident, ids, field)
            move_thing(tx, ident, ids)
        else:
            check_attach(g, tx, et, ident, nav, ids, field)
            attach(tx, Parent(et, ident, nav), ids)
    return values


def refresh_datastream(tx: Tx, ds_id: int) -> None:
    """Recompute a Datastream's derived times and latest value from its observations."""
    o, ds = s.observations, s.datastreams
    # Lock the row first: a concurrent ingest (another worker) then either committed
    # before our aggregates are read, or applies its change on top of ours after.
    tx.conn.execute(select(ds.c.id).where(ds.c.id == ds_id).with_for_update())
    agg = tx.conn.execute(
        select(
            func.min(o.c.phenomenon_time_start),
            func.max(func.coalesce(o.c.phenomenon_time_end, o.c.phenomenon_time_start)),
            func.min(o.c.result_time),
            func.max(o.c.result_time),
        ).where(o.c.datastream_id == ds_id)
    ).first()
    latest = tx.conn.execute(
        select(o.c.id, o.c.phenomenon_time_start, o.c.result_number)
        .where(o.c.datastream_id == ds_id)
        .order_by(o.c.phenomenon_time_start.desc(), o.c.id.desc())
        .limit(1)
    ).first()
    assert agg is not None
    tx.conn.execute(
        update(ds)
        .where(ds.c.id == ds_id)
        .values(
            phenomenon_time_start=agg[0],
            phenomenon_time_end=agg[1],
            result_time_start=agg[2],
            result_time_end=agg[3],
            last_observation_id=latest.id if latest else None,
            last_phenomenon_time=latest.phenomenon_time_start if latest else None,
            last_result=latest.result_number if latest else None,
        )
    )


def patch_entity(tx: Tx, et: EntityType, ident: int, ops: Any, principal: Principal) -> list[str]:
    """Apply a JSON Patch to the entity as it is in this transaction and store the change;
    the names of the changed properties. Run inside the write job, so that a ``test``
    operation guards this very write (a change committed meanwhile makes it fail)."""
    current = current_row(tx, et, ident)
    check_write(tx, et, current, principal)
    doc = {p.name: json_value(p, current) for p in et.props if not p.read_only}
    patched = apply_patch(doc, ops)
    body = {k: v for k, v in patched.items() if k not in doc or doc[k] != v}
    body.update(dict.fromkeys(set(doc) - set(patched)))  # a removed property becomes null
    if body:
        update_entity(tx, et, ident, body, principal)
    return sorted(body)
