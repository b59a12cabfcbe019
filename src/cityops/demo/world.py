"""Create (or find again) the demo world: organisations, stations, weather and air monitors.

Everything is made through the services a real deployment uses (``add_org``, SensorThings
deep insert with ``@cityops.organisation``). Demo Things are marked in their properties
(``cityops_demo``), so a second start finds them instead of creating them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from cityops.auth.orgs import add_org
from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.demo import catalog as c
from cityops.demo import vietnam as vn
from cityops.demo.reference import CITIES, STATIONS, City, Station, levels_of, slug, sources_of
from cityops.sta.create import create_entity
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx

MEKONG_ORG = "mekong"
MARK = "cityops_demo"
#: Stations inside a pilot city belong to that city; the others to the Mekong partner org.
STATION_CITY = {
    "Luang Prabang": "luang-prabang",
    "Vientiane": "vientiane",
    "Phnom Penh (Bassac)": "phnom-penh",
}


@dataclass
class DemoThing:
    """A demo Thing as the simulator needs it."""

    id: int
    kind: str  # "station", "weather" or "air"
    place: str  # city or station name
    org: str
    lat: float
    lon: float
    streams: dict[str, int] = field(default_factory=dict)  # kind key -> datastream id


@dataclass
class World:
    things: list[DemoThing]
    created: bool

    def by_kind(self, kind: str) -> list[DemoThing]:
        return [t for t in self.things if t.kind == kind]

    def find(self, kind: str, place: str) -> DemoThing | None:
        return next((t for t in self.things if t.kind == kind and t.place == place), None)


def ensure_world(store: Store) -> World:
    """The demo world in ``store``, created in one write job if it is not there yet."""
    world = load_world(store)
    if world.things:
        return world
    store.write_sync(_create_world)
    return World(load_world(store).things, created=True)


def load_world(store: Store) -> World:
    """The demo Things found in the store (empty if there are none)."""
    th, ds = s.things, s.datastreams
    org = s.organisations
    with store.read() as conn:
        rows = conn.execute(
            select(th.c.id, th.c.properties, org.c.slug)
            .join(org, org.c.id == th.c.org_id, isouter=True)
            .order_by(th.c.id)
        ).all()
        streams = conn.execute(select(ds.c.id, ds.c.thing_id, ds.c.properties)).all()
    things: dict[int, DemoThing] = {}
    for r in rows:
        mark = (r.properties or {}).get(MARK) if isinstance(r.properties, dict) else None
        if mark:
            things[r.id] = DemoThing(
                int(r.id),
                mark["kind"],
                mark["place"],
                r.slug or "",
                float(mark["lat"]),
                float(mark["lon"]),
            )
    for d in streams:
        key = (d.properties or {}).get(MARK) if isinstance(d.properties, dict) else None
        if key and d.thing_id in things:
            things[d.thing_id].streams[key] = int(d.id)
    return World(list(things.values()), created=False)


def _create_world(tx: Tx) -> None:
    _organisations(tx)
    sensors = {k: create_entity(tx, BY_NAME["Sensor"], v, SYSTEM) for k, v in c.SENSORS.items()}
    props = {
        k: create_entity(tx, BY_NAME["ObservedProperty"], v, SYSTEM)
        for k, v in c.PROPERTIES.items()
    }
    for st in STATIONS:
        create_entity(tx, BY_NAME["Thing"], _station_body(st, sensors, props), SYSTEM)
    for vst in vn.STATIONS:
        create_entity(tx, BY_NAME["Thing"], _vn_station_body(vst, sensors, props), SYSTEM)
    for city in CITIES:
        for body in _city_bodies(city, sensors, props):
            create_entity(tx, BY_NAME["Thing"], body, SYSTEM)


def _organisations(tx: Tx) -> None:
    o = s.organisations
    have = {r[0] for r in tx.conn.execute(select(o.c.slug))}
    for city in CITIES:
        if slug(city.name) not in have:
            add_org(
                tx.conn,
                slug(city.name),
                city.name,
                kind="city",
                country_iso2=city.country_iso2,
                timezone=city.timezone,
                languages=list(city.languages),
                lat=city.lat,
                lon=city.lon,
            )
    if MEKONG_ORG not in have:
        add_org(
            tx.conn,
            MEKONG_ORG,
            "Mekong mainstream gauges (demo partner)",
            kind="partner",
            timezone="Asia/Vientiane",
            languages=["en", "lo", "th", "km", "vi"],
            lat=15.0998,
            lon=105.8132,
        )


def _location(name: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} ({lat:.4f}, {lon:.4f})",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [lon, lat]},
    }


def _stream(
    kind: c.Kind,
    where: str,
    sensors: dict[str, int],
    props: dict[str, int],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    prop = c.PROPERTIES[kind.prop]["name"]
    return {
        "name": f"{prop} at {where}",
        "description": f"{prop} ({kind.unit}) at {where}",
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "unitOfMeasurement": c.unit_json(kind),
        "Sensor": {"@iot.id": sensors[kind.sensor]},
        "ObservedProperty": {"@iot.id": props[kind.prop]},
        "properties": {MARK: kind.key, **(extra or {})},
    }


def _mark(kind: str, place: str, lat: float, lon: float) -> dict[str, Any]:
    return {MARK: {"kind": kind, "place": place, "lat": lat, "lon": lon}}


def _station_body(st: Station, sensors: dict[str, int], props: dict[str, int]) -> dict[str, Any]:
    levels = levels_of(st.name)
    extra = {
        "station": st.name,
        "order_downstream": st.order,
        "levels": levels,
        "level_sources": sources_of(st.name),
        "levels_note": "published levels (metres); none known when empty",
    }
    if st.mrc_code:
        extra["mrc_code"] = st.mrc_code
    return {
        "name": f"Mekong at {st.name}",
        "description": f"Mekong mainstream water-level station {st.name} ({st.country_iso2})",
        "properties": {**_mark("station", st.name, st.lat, st.lon), "country": st.country_iso2},
        "@cityops.organisation": STATION_CITY.get(st.name, MEKONG_ORG),
        "Locations": [_location(st.name, st.lat, st.lon)],
        "Datastreams": [_stream(c.LEVEL, st.name, sensors, props, extra)],
    }


def _vn_station_body(
    st: vn.VnStation, sensors: dict[str, int], props: dict[str, int]
) -> dict[str, Any]:
    """A Vietnamese gauge of Tam Ky's platform, with its national alarm levels I/II/III."""
    extra = {
        "station": st.name,
        "levels": levels_of(st.name),
        "level_sources": sources_of(st.name),
        "levels_note": "Viet Nam flood alarm levels (metres above gauge datum)",
    }
    where = f"{st.river} at {st.name}"
    return {
        "name": where,
        "description": f"Water-level station {st.name} ({st.basin} basin, code {st.code}); "
        "demo readings are simulated",
        "properties": {
            **_mark("station", st.name, st.lat, st.lon),
            "country": "VN",
            "basin": st.basin,
            "position_note": f"approximate: centroid of {st.commune}",
        },
        "@cityops.organisation": slug(vn.CITY),
        "Locations": [_location(st.name, st.lat, st.lon)],
        "Datastreams": [_stream(c.LEVEL, where, sensors, props, extra)],
    }


def _city_bodies(
    city: City, sensors: dict[str, int], props: dict[str, int]
) -> list[dict[str, Any]]:
    org = slug(city.name)
    lat, lon = city.lat, city.lon
    weather = {
        "name": f"{city.name} weather station",
        "description": f"Automatic weather station, {city.name} ({city.country})",
        "properties": {**_mark("weather", city.name, lat, lon), "timezone": city.timezone},
        "@cityops.organisation": org,
        "Locations": [_location(f"{city.name} weather station", lat, lon)],
        "Datastreams": [_stream(k, city.name, sensors, props) for k in c.WEATHER],
    }
    # The air monitor stands a few hundred metres away, in the city centre.
    alat, alon = round(lat + 0.004, 4), round(lon + 0.004, 4)
    air = {
        "name": f"{city.name} air quality monitor",
        "description": f"PM2.5 monitor, {city.name} ({city.country})",
        "properties": {**_mark("air", city.name, alat, alon), "timezone": city.timezone},
        "@cityops.organisation": org,
        "Locations": [_location(f"{city.name} air quality monitor", alat, alon)],
        "Datastreams": [_stream(k, city.name, sensors, props) for k in c.air_kinds(city)],
    }
    return [weather, air]
