"""SensorThings JSON properties <-> table rows, for any entity type."""

from __future__ import annotations

from typing import Any

from cityops.datamodel.entities import EntityType, Kind, Prop
from cityops.datamodel.values import (
    format_interval,
    format_time,
    geometry_of,
    join_result,
    parse_interval,
    parse_time,
)
from cityops.errors import InvalidInput

CONTROL = {"@iot.id", "@iot.selfLink"}


def row_values(
    et: EntityType, body: dict[str, Any], field: str, *, partial: bool
) -> dict[str, Any]:
    """Column values from the properties in ``body`` (navigation links are left out).

    ``partial`` (PATCH): mandatory properties may be absent. Unknown keys, wrong types and
    read-only properties raise InvalidInput naming the field.
    """
    row: dict[str, Any] = {}
    for key, value in body.items():
        if (
            key in et.nav_by_name
            or key in CONTROL
            or key.startswith("@cityops.")
            or (key.endswith("@iot.navigationLink"))
        ):
            continue
        prop = et.prop_by_name.get(key)
        if prop is None:
            raise InvalidInput(f"{field}.{key}: not a property of {et.name}", field=key)
        if prop.read_only:
            continue  # derived by the server; clients may send it back unchanged
        _set(row, prop, value, f"{field}.{key}")
    if not partial:
        for prop in et.props:
            if prop.mandatory and prop.name not in body and prop.kind is not Kind.RESULT:
                raise InvalidInput(
                    f"{field}.{prop.name}: missing mandatory property", field=prop.name
                )
    return row


def _set(row: dict[str, Any], prop: Prop, value: Any, field: str) -> None:
    kind, col = prop.kind, prop.column
    if value is None:
        if prop.mandatory:
            raise InvalidInput(f"{field}: must not be null", field=prop.name)
        if kind is Kind.INTERVAL:
            row[f"{col}_start"] = row[f"{col}_end"] = None
        else:
            row[col] = None
        return
    if kind is Kind.TEXT:
        if not isinstance(value, str):
            raise InvalidInput(f"{field}: must be a string", field=prop.name)
        row[col] = value
    elif kind is Kind.JSON:
        if prop.name in ("properties", "unitOfMeasurement") and not isinstance(value, dict):
            raise InvalidInput(f"{field}: must be a JSON object", field=prop.name)
        row[col] = value
    elif kind is Kind.TIME:
        row[col] = parse_time(value, field)
    elif kind is Kind.INTERVAL:
        row[f"{col}_start"], row[f"{col}_end"] = parse_interval(value, field)
    elif kind is Kind.GEOMETRY:
        wkt, bbox = geometry_of(value, field)
        row[col], row["geom"] = value, wkt
        row.update(zip(("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy"), bbox, strict=True))


def json_value(prop: Prop, row: Any) -> Any:
    """The JSON value of ``prop`` from a result row (a Row or mapping)."""
    kind, col = prop.kind, prop.column
    if kind is Kind.TIME:
        return format_time(row[col])
    if kind is Kind.INTERVAL:
        return format_interval(row[f"{col}_start"], row[f"{col}_end"])
    if kind is Kind.RESULT:
        return join_result(row["result_number"], row["result_json"])
    if prop.name == "observedArea":
        return observed_area(row)
    return row[col]


def observed_area(row: Any) -> dict[str, Any] | None:
    """A Datastream's observedArea from its bbox columns: a Point or the bounding Polygon."""
    minx, miny, maxx, maxy = (row[f"bbox_{k}"] for k in ("minx", "miny", "maxx", "maxy"))
    if minx is None:
        return None
    if minx == maxx and miny == maxy:
        return {"type": "Point", "coordinates": [minx, miny]}
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {"type": "Polygon", "coordinates": [ring]}


def columns_for(et: EntityType, prop: Prop) -> list[str]:
    """The columns that hold a property."""
    if prop.kind is Kind.INTERVAL:
        return [f"{prop.column}_start", f"{prop.column}_end"]
    if prop.kind is Kind.RESULT:
        return ["result_number", "result_json"]
    if prop.name == "observedArea":
        return ["bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy"]
    return [prop.column]
