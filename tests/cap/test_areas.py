"""Areas: circles, and GeoJSON polygons written lat,lon, closed, 6 decimals, simple."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityops.cap import area_from_geojson, build_alert_xml, circle_area, polygons_from_geojson
from cityops.cap.document import format_polygon
from cityops.cap.parse import parse_polygon
from cityops.errors import InvalidInput

from .conftest import assert_valid_cap, sample_alert

# Vientiane riverside box, GeoJSON order (lon, lat), not closed, with too many decimals.
RING = [[102.6012345678, 17.9601234567], [102.65, 17.96], [102.65, 17.99], [102.60, 17.99]]


def test_geojson_polygon_is_lat_lon_closed_and_rounded() -> None:
    (poly,) = polygons_from_geojson({"type": "Polygon", "coordinates": [RING]})
    assert poly[0] == (17.960123, 102.601235)  # latitude first, 6 decimals
    assert poly[1] == (17.96, 102.65)
    assert poly[0] == poly[-1] and len(poly) == 5
    text = format_polygon(poly)
    assert text.split()[0] == "17.960123,102.601235"
    assert all(
        len(part.split(".")[1]) <= 6
        for pair in text.split()
        for part in pair.split(",")
        if "." in part
    )
    assert parse_polygon(text) == poly


def test_multipolygon_feature_collection_and_holes_dropped() -> None:
    hole = [[102.61, 17.97], [102.62, 17.97], [102.62, 17.98], [102.61, 17.97]]
    other = [[103.0, 18.0], [103.1, 18.0], [103.1, 18.1], [103.0, 18.0]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "MultiPolygon", "coordinates": [[RING, hole], [other]]},
            }
        ],
    }
    polys = polygons_from_geojson(json.dumps(fc))
    assert len(polys) == 2 and polys[1][0] == (18.0, 103.0)


def test_self_crossing_polygon_rejected() -> None:
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    with pytest.raises(InvalidInput) as err:
        polygons_from_geojson({"type": "Polygon", "coordinates": [bowtie]})
    assert "Self-intersection" in err.value.message
    assert err.value.field == "geojson.polygons[0]"


@pytest.mark.parametrize(
    "geojson",
    [
        {"type": "Point", "coordinates": [102.6, 17.9]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]},  # too few pairs
        {"type": "Polygon", "coordinates": [[[0, 0], [0, 100], [1, 1], [0, 0]]]},  # lat > 90
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]},  # no area
        "not json",
    ],
)
def test_bad_geojson_rejected(geojson: object) -> None:
    with pytest.raises(InvalidInput):
        polygons_from_geojson(geojson)  # type: ignore[arg-type]


def test_circle_area() -> None:
    area = circle_area("Phnom Penh centre", 11.5564, 104.9282, 5)
    assert area.circles[0] == (11.5564, 104.9282, 5.0)
    with pytest.raises(InvalidInput):
        circle_area("x", 11.5, 104.9, 0)
    with pytest.raises(InvalidInput):
        circle_area("x", 91, 104.9, 1)


def test_polygon_alert_validates() -> None:
    from dataclasses import replace

    base = sample_alert()
    area = area_from_geojson("Vientiane riverside", {"type": "Polygon", "coordinates": [RING]})
    alert = replace(base, infos=tuple(replace(i, areas=(area,)) for i in base.infos))
    xml = build_alert_xml(alert)
    assert_valid_cap(xml)
    assert b"<polygon>17.960123,102.601235 17.96,102.65 " in xml


@given(st.lists(st.tuples(st.floats(-179, 179), st.floats(-89, 89)), min_size=3, max_size=12))
def test_any_accepted_polygon_is_well_formed(points: list[tuple[float, float]]) -> None:
    try:
        (poly,) = polygons_from_geojson({"type": "Polygon", "coordinates": [points]})
    except InvalidInput:
        return
    assert poly[0] == poly[-1] and len(poly) >= 4
    assert all(round(v, 6) == v for pair in poly for v in pair)
