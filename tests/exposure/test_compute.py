"""Exposure against a hand computation on a small synthetic city.

Three wards of 0.01 x 0.01 degrees side by side at latitude 15.5 (A, B, C from the west).
The warning area covers the east half of A and all of B: 1000/2 + 2000 = 2,500 people,
400/2 + 600 = 800 households. Shelters S1 (300) and S2 (200) and hospital H are inside;
shelter S3 lies 0.01 degrees east of the area's edge on the same parallel; shelter S4
further."""

from __future__ import annotations

import math

import pytest
import shapely

from cityops.exposure.compute import Facility, Layers, Ward, exposure, haversine_km

LAT = 15.5


def _city() -> Layers:
    box = shapely.box
    wards = [
        Ward("A", box(108.40, LAT, 108.41, LAT + 0.01), 1000, 400),
        Ward("B", box(108.41, LAT, 108.42, LAT + 0.01), 2000, 600),
        Ward("C", box(108.42, LAT, 108.43, LAT + 0.01), 4000, 1000),
    ]
    pt = shapely.Point
    facilities = [
        Facility("S1", "shelter", pt(108.407, LAT + 0.005), 300),
        Facility("S2", "shelter", pt(108.415, LAT + 0.005), 200, synthetic=True),
        Facility("H", "hospital", pt(108.416, LAT + 0.002)),
        Facility("K", "school", pt(108.425, LAT + 0.002)),
        Facility("S3", "shelter", pt(108.43, LAT + 0.005), 500),
        Facility("S4", "shelter", pt(108.45, LAT + 0.005), 900),
    ]
    return Layers(wards, facilities)


AREA = shapely.box(108.405, LAT, 108.42, LAT + 0.01)


def test_population_and_households_are_area_weighted() -> None:
    doc = exposure(_city(), AREA)
    assert doc["population"] == 2500 and doc["households"] == 800
    assert [(w["name"], w["share"], w["population"]) for w in doc["wards"]] == [
        ("A", 0.5, 500),
        ("B", 1.0, 2000),
    ]  # C only touches the area along its edge: no share, not listed


def test_facilities_inside_and_nearest_shelters_outside() -> None:
    doc = exposure(_city(), AREA)
    assert [f["name"] for f in doc["facilities"]["shelter"]] == ["S1", "S2"]
    assert [f["name"] for f in doc["facilities"]["hospital"]] == ["H"]
    assert doc["facilities"]["school"] == []
    assert doc["shelter_capacity"] == 500 and doc["synthetic_facilities"] is True
    near = doc["nearest_shelters_outside"]
    assert [f["name"] for f in near] == ["S3", "S4"]
    expected = math.radians(0.01) * 6371.0088  # along the parallel: short enough to be straight
    expected *= math.cos(math.radians(LAT + 0.005))
    assert near[0]["distance_km"] == pytest.approx(expected, abs=0.01)
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)


def test_sentence_for_the_composer() -> None:
    doc = exposure(_city(), AREA)
    assert doc["sentence"] == (
        "about 2,500 residents in 2 wards; 2 shelters with room for 500; 1 hospital"
    )
    big = Layers([Ward("X", AREA, 12437, 3000)] * 3, [])
    doc = exposure(big, AREA)
    assert doc["sentence"] == "about 37,300 residents in 3 wards; no shelter inside"


def test_no_shelter_inside_names_the_nearest() -> None:
    doc = exposure(_city(), shapely.box(108.421, LAT, 108.426, LAT + 0.01))
    assert doc["sentence"].startswith(
        "about 2,000 residents in 1 ward; no shelter inside; nearest: S3"
    )
