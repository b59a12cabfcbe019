"""Every station in this polygon: ``st_within(Locations/location, geography'POLYGON(...)')``
on Things, with many stations around the polygon's edges."""

from __future__ import annotations

import shapely
from sqlalchemy.engine import Engine

from cityops.sta.query import evaluate, parse_filter
from tests.sta.query.data import Dataset, entities, insert, point_location, query, thing_row

# A concave polygon (an L shape): its bounding box holds points that are outside it.
POLYGON = "POLYGON((100 10, 106 10, 106 12, 102 12, 102 18, 100 18, 100 10))"


def _stations() -> Dataset:
    data = Dataset()
    n = 0
    for x in range(99, 108):
        for y in range(9, 20, 2):
            n += 1
            data.things.append(thing_row(n, f"station {n}", {"station_code": f"{n:06d}"}))
            data.locations.append(point_location(n, f"loc {n}", x + 0.5, y + 0.5))
            data.thing_locations.append((n, n))
    # a thing with two locations, one inside: it is "in the polygon" (any location)
    data.things.append(thing_row(n + 1, "mobile", None))
    data.locations.append(point_location(n + 1, "far", 150.0, 50.0))
    data.thing_locations += [(n + 1, n + 1), (n + 1, 1 + 6 * 2)]
    data.things.append(thing_row(n + 2, "nowhere", None))
    return data


def test_every_station_in_this_polygon(engine: Engine) -> None:
    data = _stations()
    insert(engine, data)
    text = f"st_within(Locations/location, geography'{POLYGON}')"
    polygon = shapely.from_wkt(POLYGON)
    inside = {
        loc["id"]
        for loc in data.locations
        if shapely.within(shapely.from_wkt(loc["geom"]), polygon)
    }
    expected = sorted({tid for tid, lid in data.thing_locations if lid in inside})
    assert expected and len(expected) < len(data.things) // 2
    assert query(engine, "Things", {"$filter": text}) == expected
    node = parse_filter(text)
    assert [e["@iot.id"] for e in entities(data, "Things") if evaluate(node, e)] == expected
    # the same, negated, and through Datastreams-style paths from Locations
    outside = query(engine, "Things", {"$filter": f"not ({text})"})
    assert sorted(outside + expected) == [t["id"] for t in data.things]
    assert query(
        engine, "Locations", {"$filter": f"st_within(location, geography'{POLYGON}')"}
    ) == sorted(inside)
