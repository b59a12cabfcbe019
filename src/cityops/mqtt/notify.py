"""Store events -> SensorThings MQTT notifications (topic, JSON payload).

Every create and update is published on its entity-set topic (``v1.1/Things``), its entity
topic (``v1.1/Things(1)``) and the navigation collections it belongs to
(``v1.1/Datastreams(1)/Observations``, ``v1.1/Things(1)/Locations``). An update is also
published on the topic of each changed property (``v1.1/Things(1)/name``). ``$select``
topics cannot be discovered from the broker, so those named in the ``mqtt_select_topics``
setting are published whenever their base topic is.

Entities are rendered as the anonymous public reads them: the broker's topics are as
readable as the broker makes them, so nothing restricted is ever published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.principal import ANONYMOUS
from cityops.datamodel.entities import BY_NAME, EntityType
from cityops.mqtt.topics import SelectTopic, change_topics, entity_topic, property_topic
from cityops.sta.query.options import QueryOptions
from cityops.sta.read import Reader, Source
from cityops.sta.serialize import Serializer
from cityops.store.writer import Event

Publication = tuple[str, bytes]
CHUNK = 1000  # ids read per query


class Notifier:
    """Renders the notifications of committed events (blocking: run it in a thread)."""

    def __init__(
        self,
        read: Callable[[], AbstractContextManager[Connection]],
        root: str,
        select_topics: Iterable[SelectTopic] = (),
    ) -> None:
        self.read = read
        self.ser = Serializer(root)
        self.selects: dict[str, list[SelectTopic]] = defaultdict(list)
        for st in select_topics:
            self.selects[st.base].append(st)

    def render(self, events: Iterable[Event]) -> list[Publication]:
        """All publications for ``events``: new observations first (from the rows their
        event carries), then the other entities as read back."""
        # entity -> id -> changed properties (None for a create: no property topics)
        wanted: dict[str, dict[int, set[str] | None]] = defaultdict(dict)
        out: list[Publication] = []
        observation = BY_NAME["Observation"]
        for ev in events:
            if ev.kind not in ("created", "updated") or ev.entity not in BY_NAME:
                continue
            if ev.entity == "Observation" and ev.kind == "created" and "rows" in ev.data:
                if ev.data.get("public"):  # rendered from the stored rows: no read back
                    for row in ev.data["rows"]:
                        out.extend(self._one(observation, row, None, []))
                continue
            seen = wanted[ev.entity]
            if ev.kind == "created":
                for ident in ev.data.get("ids") or [ev.id]:
                    seen.setdefault(ident, None)
            else:
                seen[ev.id] = (seen.get(ev.id) or set()) | set(ev.data.get("changed", ()))
        with self.read() as conn:
            for entity, items in wanted.items():
                out.extend(self._entities(conn, BY_NAME[entity], items))
        return out

    def _entities(
        self, conn: Connection, et: EntityType, items: dict[int, set[str] | None]
    ) -> list[Publication]:
        out: list[Publication] = []
        ids = sorted(items)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            reader = Reader(conn, ANONYMOUS, self.ser, len(chunk), len(chunk))
            page = reader.collection(
                Source(et, [et.table.c.id.in_(chunk)]), QueryOptions(top=len(chunk))
            )
            links = _link_topics(conn, et, chunk)
            for row in page.rows:
                out.extend(self._one(et, row, items[row["id"]], links.get(row["id"], [])))
        return out

    def _one(
        self, et: EntityType, row: dict[str, Any], changed: set[str] | None, extra: list[str]
    ) -> list[Publication]:
        body = self.ser.entity(et, row)
        payload = orjson.dumps(body)
        out: list[Publication] = []
        for topic in [*change_topics(et, row), *extra]:
            out.append((topic, payload))
            for st in self.selects.get(topic, ()):
                fields = ["id" if f == "@iot.id" else f for f in st.fields]
                out.append((st.topic, orjson.dumps(self.ser.entity(et, row, fields))))
        for prop in sorted(changed or ()):
            if prop in body:
                out.append((property_topic(et, row["id"], prop), orjson.dumps({prop: body[prop]})))
        return out


def _link_topics(conn: Connection, et: EntityType, ids: list[int]) -> dict[int, list[str]]:
    """Navigation-collection topics through link tables (a Location under Things(1)/Locations)."""
    out: dict[int, list[str]] = defaultdict(list)
    for nav in et.navs:
        if nav.link is None:
            continue
        table, mine, theirs = nav.link
        target = BY_NAME[nav.target]
        back = next(
            (
                n
                for n in target.navs
                if n.link is not None and n.link[0] is table and n.link[1] == theirs
            ),
            None,
        )
        if back is None:
            continue
        q = select(table.c[mine], table.c[theirs]).where(table.c[mine].in_(ids))
        for own, other in conn.execute(q):
            out[own].append(f"{entity_topic(target, other)}/{back.name}")
    return out
