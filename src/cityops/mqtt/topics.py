"""SensorThings MQTT topics: which topics create observations, and where changes go.

Pure functions on strings and the entity table of ``datamodel.entities``; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cityops.datamodel.entities import BY_NAME, BY_SET, EntityType

VERSION = "v1.1"
_CREATE = re.compile(r"^v1\.1/(?:(Datastreams|FeaturesOfInterest)\((\d+)\)/)?Observations$")
_SELECT = re.compile(r"^(v1\.1/[^?]+)\?\$select=([A-Za-z@.,]+)$")


@dataclass(frozen=True)
class CreateTarget:
    """What a create topic names: the Datastream and/or FeatureOfInterest from its path."""

    datastream_id: int | None = None
    foi_id: int | None = None


def create_filters(prefix: str, group: str | None) -> list[str]:
    """The topic filters CityOps subscribes to for creates (shared when ``group`` is set).

    ``v1.1/+/Observations`` also matches e.g. ``v1.1/Things(1)/Observations``; such topics
    are answered with an error by ``parse_create_topic``.
    """
    filters = [f"{prefix}{VERSION}/Observations", f"{prefix}{VERSION}/+/Observations"]
    if group:
        return [f"$share/{group}/{f}" for f in filters]
    return filters


def parse_create_topic(topic: str, prefix: str = "") -> CreateTarget | None:
    """The target of a create topic, or None when ``topic`` is not one."""
    if not topic.startswith(prefix):
        return None
    match = _CREATE.match(topic[len(prefix) :])
    if match is None:
        return None
    kind, ident = match.group(1), match.group(2)
    if kind == "Datastreams":
        return CreateTarget(datastream_id=int(ident))
    if kind == "FeaturesOfInterest":
        return CreateTarget(foi_id=int(ident))
    return CreateTarget()


@dataclass(frozen=True)
class SelectTopic:
    """A ``$select`` topic: the topic it narrows, and the properties it keeps."""

    topic: str  # the full topic, published on as written
    base: str  # e.g. v1.1/Observations
    fields: tuple[str, ...]


def parse_select_topics(text: str) -> list[SelectTopic]:
    """Parse the space-separated ``mqtt_select_topics`` setting; raise ValueError if bad."""
    out = []
    for topic in text.split():
        match = _SELECT.match(topic)
        if match is None:
            raise ValueError(f"not a $select topic: {topic!r} (v1.1/<path>?$select=a,b)")
        fields = tuple(f for f in match.group(2).split(",") if f)
        out.append(SelectTopic(topic, match.group(1), fields))
    return out


def entity_topic(et: EntityType, ident: int) -> str:
    return f"{VERSION}/{et.set_name}({ident})"


def inverse_nav(et: EntityType, fk: str) -> tuple[EntityType, str] | None:
    """For a to-one relation stored in column ``fk`` of ``et``, the target type and the name
    of its to-many relation back to ``et`` (Datastream.thing_id -> Thing, "Datastreams")."""
    for nav in et.navs:
        if nav.fk != fk:
            continue
        target = BY_NAME[nav.target]
        for back in target.navs:
            if back.back_fk == fk and back.target == et.name:
                return target, back.name
    return None


def change_topics(et: EntityType, row: dict[str, Any]) -> list[str]:
    """Entity set, entity, and navigation-collection topics of a created/updated entity."""
    topics = [f"{VERSION}/{et.set_name}", entity_topic(et, row["id"])]
    for nav in et.navs:
        if nav.fk is None or row.get(nav.fk) is None:
            continue
        inverse = inverse_nav(et, nav.fk)
        if inverse is not None:
            target, name = inverse
            topics.append(f"{entity_topic(target, row[nav.fk])}/{name}")
    return topics


def property_topic(et: EntityType, ident: int, prop: str) -> str:
    return f"{entity_topic(et, ident)}/{prop}"


def entity_type_of_set(set_name: str) -> EntityType | None:
    return BY_SET.get(set_name)


DEVICES = "devices"


def device_root(prefix: str, username: str) -> str:
    """The topic root of a broker-authenticated device: only it may publish below."""
    return f"{prefix}{DEVICES}/{username}/"


def device_create_filters(prefix: str, group: str | None) -> list[str]:
    """The create filters for broker-authenticated devices (``<root>v1.1/...``)."""
    filters = [
        f"{prefix}{DEVICES}/+/{VERSION}/Observations",
        f"{prefix}{DEVICES}/+/{VERSION}/+/Observations",
    ]
    if group:
        return [f"$share/{group}/{f}" for f in filters]
    return filters


def split_device_topic(topic: str, prefix: str) -> tuple[str, str] | None:
    """(user name, the spec topic after the device root), or None."""
    head = f"{prefix}{DEVICES}/"
    if not topic.startswith(head):
        return None
    username, sep, rest = topic[len(head) :].partition("/")
    if not sep or not username:
        return None
    return username, rest
