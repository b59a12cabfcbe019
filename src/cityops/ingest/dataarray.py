"""The data array extension's CreateObservations body -> ObservationIn rows.

A row that fails validation is reported as ``"error"`` in the response (as the spec
says) and not stored; the valid rows of the request are stored in one transaction.
"""

from __future__ import annotations

from typing import Any

from cityops.datamodel.observation import ObservationIn, entity_id, parse_observation
from cityops.errors import InvalidInput

COMPONENTS = {
    "id",
    "phenomenonTime",
    "result",
    "resultTime",
    "resultQuality",
    "validTime",
    "parameters",
    "FeatureOfInterest/id",
}


def parse_create_observations(body: Any) -> list[ObservationIn | InvalidInput]:
    """Each row parsed, or the error that row has, in request order."""
    if not isinstance(body, list):
        raise InvalidInput("CreateObservations: body must be a JSON array", field="body")
    out: list[ObservationIn | InvalidInput] = []
    for g, group in enumerate(body):
        field = f"CreateObservations[{g}]"
        if not isinstance(group, dict):
            raise InvalidInput(f"{field}: must be a JSON object", field=field)
        ds = entity_id(group.get("Datastream"), f"{field}.Datastream")
        components = group.get("components")
        rows = group.get("dataArray")
        if (
            not isinstance(components, list)
            or not components
            or not all(isinstance(c, str) for c in components)
        ):
            raise InvalidInput(f"{field}.components: must be a list of names", field="components")
        bad = [c for c in components if c not in COMPONENTS]
        if bad:
            raise InvalidInput(
                f"{field}.components: unknown component {bad[0]!r}", field="components"
            )
        if not isinstance(rows, list):
            raise InvalidInput(f"{field}.dataArray: must be a JSON array", field="dataArray")
        out.extend(
            _row(ds, components, row, f"{field}.dataArray[{i}]") for i, row in enumerate(rows)
        )
    return out


def _row(ds: int, components: list[str], row: Any, field: str) -> ObservationIn | InvalidInput:
    if not isinstance(row, list) or len(row) != len(components):
        return InvalidInput(f"{field}: must have {len(components)} values", field=field)
    body: dict[str, Any] = {}
    for name, value in zip(components, row, strict=True):
        if name == "FeatureOfInterest/id":
            body["FeatureOfInterest"] = {"@iot.id": value}
        elif name != "id":
            body[name] = value
    try:
        return parse_observation(body, datastream_id=ds, field=field)
    except InvalidInput as exc:
        return exc
