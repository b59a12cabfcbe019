"""The fixed dataset of the per-operator tests."""

from __future__ import annotations

from datetime import datetime

from tests.sta.query.data import (
    UTC,
    Dataset,
    datastream_row,
    observation_row,
    point_location,
    thing_row,
)


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def dataset() -> Dataset:
    data = Dataset()
    data.things = [
        thing_row(
            1,
            "Gauge Vientiane",
            {"station_code": "013901", "level": 5, "active": True, "nested": {"a": {"b": 2}}},
        ),
        thing_row(2, "gauge pakse", {"station_code": "013902", "level": 12.5, "active": False}),
        thing_row(3, "Rain Ubon", {"station_code": 13903, "owner": "Thái"}),
        thing_row(4, "  Trim Me  ", None),
    ]
    data.locations = [
        point_location(1, "Vientiane", 102.6, 17.97),
        point_location(2, "Pakse", 105.8, 15.12),
        point_location(3, "Ubon", 104.85, 15.24),
    ]
    data.thing_locations = [(1, 1), (2, 2), (3, 3)]
    data.datastreams = [
        datastream_row(1, 1, "Water level Vientiane", 1, {"threshold": 10}),
        datastream_row(2, 2, "Water level Pakse", 1),
        datastream_row(3, 3, "Rainfall Ubon", 2),
    ]
    data.observations = [
        observation_row(1, 1, t(2024, 1, 1), 3.5, parameters={"x": 1}),
        observation_row(2, 1, t(2024, 1, 1, 6), 7, parameters={"x": 2}),
        observation_row(3, 1, t(2024, 1, 2), 12, end=t(2024, 1, 2, 12)),
        observation_row(
            4,
            2,
            datetime(2024, 6, 15, 12, 30, 15, 250000, tzinfo=UTC),
            "dry",
            result_time=t(2024, 6, 15, 13),
        ),
        observation_row(5, 2, t(2024, 12, 31, 23, 59, 59), True),
        observation_row(6, 3, t(2025, 1, 1), None),
        observation_row(7, 3, t(2023, 12, 31, 20), -2.5, end=t(2024, 1, 1, 2)),
    ]
    return data


ALL_OBS = [1, 2, 3, 4, 5, 6, 7]
POLY = "geography'POLYGON((104 14, 107 14, 107 16, 104 16, 104 14))'"

OBSERVATION_CASES: list[tuple[str, list[int]]] = [
    ("result gt 5", [2, 3]),
    ("result eq 'dry'", [4]),
    ("result eq true", [5]),
    ("result eq null", [6]),
    ("result ne 7", [1, 3, 4, 5, 6, 7]),
    ("result lt 0", [7]),
    ("result ge 3.5 and result le 7", [1, 2]),
    ("phenomenonTime ge 2024-01-01T00:00:00Z and phenomenonTime lt 2024-01-02T00:00:00Z", [1, 2]),
    ("phenomenonTime lt 2024-01-01T03:00:00Z", [1, 7]),
    ("phenomenonTime le 2024-01-01T02:00:00Z", [1, 7]),
    ("phenomenonTime gt 2024-01-01T00:00:00+07:00", ALL_OBS),
    ("phenomenonTime gt 2024-01-01T03:00:00+07:00", [1, 2, 3, 4, 5, 6]),
    ("phenomenonTime eq 2024-01-01T00:00:00Z", [1]),
    ("phenomenonTime eq 2024-01-02T00:00:00Z", []),
    ("phenomenonTime ne 2024-01-01T00:00:00Z", [2, 3, 4, 5, 6, 7]),
    ("2024-01-01T03:00:00Z gt phenomenonTime", [1, 7]),
    ("phenomenonTime ge 2024-01-01", [1, 2, 3, 4, 5, 6]),
    ("year(phenomenonTime) eq 2024", [1, 2, 3, 4, 5]),
    (
        (
            "month(phenomenonTime) eq 6 and day(phenomenonTime) eq 15"
            " and hour(phenomenonTime) eq 12"
            " and minute(phenomenonTime) eq 30 and second(phenomenonTime) eq 15"
        ),
        [4],
    ),
    ("fractionalseconds(phenomenonTime) eq 0.25", [4]),
    ("date(phenomenonTime) eq 2024-01-01", [1, 2]),
    ("time(phenomenonTime) eq 06:00:00", [2]),
    ("time(phenomenonTime) gt 23:00", [5]),
    ("totaloffsetminutes(phenomenonTime) eq 0", ALL_OBS),
    ("resultTime eq null", [1, 2, 3, 5, 6, 7]),
    ("resultTime gt 2024-06-15T12:59:00Z", [4]),
    ("phenomenonTime ge now() sub duration'P36500D'", ALL_OBS),
    ("phenomenonTime lt mindatetime()", []),
    ("phenomenonTime lt maxdatetime()", ALL_OBS),
    ("phenomenonTime add duration'PT12H' ge 2025-01-01T00:00:00Z", [5, 6]),
    ("result add 1 eq 8", [2]),
    ("result sub 1 eq 6", [2]),
    ("result mul 2 eq 7", [1]),
    ("result div 2 eq 3.5", [2]),
    ("result mod 5 eq 2", [2, 3]),
    ("result mod 2 eq -0.5", [7]),
    ("-result eq 2.5", [7]),
    ("round(result) eq 4", [1]),
    ("round(result) eq -3", [7]),
    ("floor(result) eq -3", [7]),
    ("floor(result) eq 3", [1]),
    ("ceiling(result) eq 4", [1]),
    ("ceiling(result) eq -2", [7]),
    ("result div 0 eq null", ALL_OBS),
    ("parameters/x eq 2", [2]),
    ("parameters/x mod 2 eq 1", [1]),
    ("parameters/missing eq null", ALL_OBS),
    ("Datastream/name eq 'Water level Pakse'", [4, 5]),
    ("Datastream/ObservedProperty/name eq 'Rainfall'", [6, 7]),
    ("Datastream/Thing/properties/station_code eq '013901'", [1, 2, 3]),
    ("Datastream/Thing/properties/level gt 10", [4, 5]),
    ("Datastream/properties/threshold lt result", [3]),
    ("result gt Datastream/properties/threshold", [3]),
    ("Datastream/@iot.id eq 3", [6, 7]),
    ("id eq 4", [4]),
    ("not (result gt 5)", [1, 4, 5, 6, 7]),
    ("not result gt 5", [1, 4, 5, 6, 7]),
    ("result gt 5 or result eq 'dry'", [2, 3, 4]),
    ("not Datastream/name eq 'Water level Pakse'", [1, 2, 3, 6, 7]),
    ("FeatureOfInterest/name eq 'river'", ALL_OBS),
    ("(result gt 5) eq false", [1, 4, 5, 6, 7]),
    ("true", ALL_OBS),
    ("1 eq 2", []),
]

THING_CASES: list[tuple[str, list[int]]] = [
    ("name eq 'gauge pakse'", [2]),
    ("name gt 'Rain'", [2, 3]),
    ("tolower(name) eq 'gauge vientiane'", [1]),
    ("toupper(name) eq 'GAUGE PAKSE'", [2]),
    ("substringof('auge', name)", [1, 2]),
    ("startswith(name, 'Gauge')", [1]),
    ("endswith(name, 'Ubon')", [3]),
    ("endswith(name, 'a suffix longer than any name')", []),
    ("length(name) eq 11", [2, 4]),
    # 1-based, as the SensorThings specification's example and FROST-Server; 0 when absent
    ("indexof(name, 'Ubon') eq 6", [3]),
    ("indexof(name, 'Rain') eq 1", [3]),
    ("indexof(name, 'zzz') eq 0", [1, 2, 3, 4]),
    ("substring(name, 6) eq 'pakse'", [2]),
    ("substring(name, 0, 4) eq 'Rain'", [3]),
    ("trim(name) eq 'Trim Me'", [4]),
    ("concat(name, '!') eq 'Rain Ubon!'", [3]),
    ("name eq 'it''s'", []),
    ("properties/station_code eq '013901'", [1]),
    ("properties/station_code eq 13903", [3]),
    ("properties/level ge 5", [1, 2]),
    ("properties/active eq true", [1]),
    ("properties/active eq false", [2]),
    ("properties/active", [1]),
    ("properties/nested/a/b eq 2", [1]),
    ("properties/owner eq 'Thái'", [3]),
    ("toupper(properties/owner) eq 'THÁI'", [3]),
    ("properties eq null", [4]),
    ("properties/level eq null", [3, 4]),
    ("properties/level ne 5", [2, 3, 4]),
    ("Locations/name eq 'Pakse'", [2]),
    ("Datastreams/name eq 'Rainfall Ubon'", [3]),
    ("Datastreams/ObservedProperty/name eq 'Water level'", [1, 2]),
    ("Datastreams/Observations/result gt 10", [1]),
    ("Locations/name eq name", []),
    ("not (Locations/name eq 'Pakse')", [1, 3, 4]),
    (f"st_within(Locations/location, {POLY})", [2, 3]),
    (f"st_intersects(Locations/location, {POLY})", [2, 3]),
    (f"geo.intersects(Locations/location, {POLY})", [2, 3]),
    (f"st_contains({POLY}, Locations/location)", [2, 3]),
    (f"st_disjoint(Locations/location, {POLY})", [1]),
    (f"st_overlaps(Locations/location, {POLY})", []),
    (f"st_relate(Locations/location, {POLY}, 'T*F**F***')", [2, 3]),
    ("geo.distance(Locations/location, geography'POINT(105.8 15.12)') lt 0.5", [2]),
    ("st_equals(Locations/location, geometry'POINT(105.8 15.12)')", [2]),
    ("st_touches(Locations/location, geography'LINESTRING(105.8 15.12, 106 16)')", [2]),
    ("geo.length(geography'LINESTRING(0 0, 3 4)') eq 5", [1, 2, 3, 4]),
]
