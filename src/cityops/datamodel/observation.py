"""Turn an Observation in SensorThings JSON into a validated ``ObservationIn``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cityops.datamodel.values import parse_interval, parse_time, split_result
from cityops.errors import InvalidInput

_KNOWN = {
    "phenomenonTime",
    "result",
    "resultTime",
    "resultQuality",
    "validTime",
    "parameters",
    "Datastream",
    "FeatureOfInterest",
    "@iot.id",
    "@iot.selfLink",
}


@dataclass(slots=True)
class ObservationIn:
    """A validated observation, ready to store."""

    datastream_id: int
    phenomenon_start: datetime
    phenomenon_end: datetime | None = None
    result_number: float | None = None
    result_json: Any = None
    result_time: datetime | None = None
    result_quality: Any = None
    valid_start: datetime | None = None
    valid_end: datetime | None = None
    parameters: Any = None
    foi_id: int | None = None
    foi_new: dict[str, Any] | None = None  # a FeatureOfInterest to create (deep insert)
    receipt: tuple[str, str] | None = None  # (source, key): stored once, duplicates ignored
    id: int | None = None  # reserved up front (ingest through the log, cluster/ids.py)


def entity_id(value: Any, field: str) -> int:
    """The ``@iot.id`` of a link: ``{"@iot.id": 5, ...}`` (other fields are ignored)."""
    if isinstance(value, dict) and "@iot.id" in value:
        value = value["@iot.id"]
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isdigit():
            return int(value)
        raise InvalidInput(
            f'{field}: expected an entity link {{"@iot.id": <integer>}}', field=field
        )
    return value


def parse_observation(
    body: Any,
    *,
    datastream_id: int | None = None,
    foi_id: int | None = None,
    field: str = "Observation",
) -> ObservationIn:
    """Validate one Observation body. ``datastream_id``/``foi_id`` come from the URL path."""
    if not isinstance(body, dict):
        raise InvalidInput(f"{field}: must be a JSON object", field=field)
    unknown = set(body) - _KNOWN
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"{field}.{name}: not a property of Observation", field=name)
    if "result" not in body:
        raise InvalidInput(f"{field}.result: missing mandatory property", field="result")
    ds = datastream_id
    if "Datastream" in body:
        ds = entity_id(body["Datastream"], f"{field}.Datastream")
    if ds is None:
        raise InvalidInput(f"{field}.Datastream: missing mandatory link", field="Datastream")
    number, other = split_result(body["result"])
    obs = ObservationIn(ds, datetime.now(UTC), result_number=number, result_json=other)
    if body.get("phenomenonTime") is not None:
        obs.phenomenon_start, obs.phenomenon_end = parse_interval(
            body["phenomenonTime"], f"{field}.phenomenonTime"
        )
    if body.get("resultTime") is not None:
        obs.result_time = parse_time(body["resultTime"], f"{field}.resultTime")
    if body.get("validTime") is not None:
        obs.valid_start, obs.valid_end = parse_interval(body["validTime"], f"{field}.validTime")
        if obs.valid_end is None:
            raise InvalidInput(
                f"{field}.validTime: must be an interval start/end", field="validTime"
            )
    obs.result_quality = body.get("resultQuality")
    obs.parameters = body.get("parameters")
    if obs.parameters is not None and not isinstance(obs.parameters, dict):
        raise InvalidInput(f"{field}.parameters: must be a JSON object", field="parameters")
    _feature(obs, body.get("FeatureOfInterest"), foi_id, field)
    return obs


def _feature(obs: ObservationIn, value: Any, foi_id: int | None, field: str) -> None:
    obs.foi_id = foi_id
    if value is None:
        return
    if isinstance(value, dict) and "@iot.id" not in value:
        obs.foi_new = value
    else:
        obs.foi_id = entity_id(value, f"{field}.FeatureOfInterest")
