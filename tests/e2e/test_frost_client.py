"""End to end: a real `cityops serve` process driven by the FROST Python client."""

from __future__ import annotations

import frost_sta_client as fsc
import pytest
from geojson import Point

pytestmark = pytest.mark.e2e


def test_frost_client_round_trip(sqlite_server):
    server, token = sqlite_server
    service = fsc.SensorThingsService(
        server.url + "/v1.1", auth_handler=fsc.AuthHandler("e2e", token)
    )
    location = fsc.Location(
        name="Pakse",
        description="gauge",
        encoding_type="application/geo+json",
        location=Point((105.8, 15.1)),
    )
    thing = fsc.Thing(name="Pakse gauge", description="Mekong at Pakse", locations=[location])
    service.create(thing)
    assert thing.id is not None
    sensor = fsc.Sensor(
        name="radar", description="radar gauge", encoding_type="text/plain", metadata="none"
    )
    prop = fsc.ObservedProperty(
        name="Water level", definition="http://example.org/wl", description="stage"
    )
    unit = fsc.UnitOfMeasurement(name="metre", symbol="m", definition="ucum:m")
    ds = fsc.Datastream(
        name="WL",
        description="water level",
        unit_of_measurement=unit,
        observation_type="OM_Measurement",
        thing=thing,
        sensor=sensor,
        observed_property=prop,
    )
    service.create(ds)
    assert ds.id is not None
    for i in range(5):
        obs = fsc.Observation(
            result=10.0 + i, phenomenon_time=f"2024-09-0{i + 1}T00:00:00+07:00", datastream=ds
        )
        service.create(obs)
        assert obs.id is not None
    dav = fsc.DataArrayValue()
    dav.datastream = ds
    dav.components = {
        fsc.DataArrayValue.Property.PHENOMENON_TIME,
        fsc.DataArrayValue.Property.RESULT,
    }
    for i in range(20):
        dav.add_observation(
            fsc.Observation(
                result=20.0 + i,
                phenomenon_time=f"2024-10-{i + 1:02d}T00:00:00+07:00",
                datastream=ds,
            )
        )
    dad = fsc.DataArrayDocument()
    dad.add_data_array_value(dav)
    created = service.observations().create(dad)
    assert len(created) == 20 and all(o.self_link for o in created)
    # read everything back, page by page, through @iot.nextLink
    results = [
        o.result
        for o in ds.get_observations().query().orderby("phenomenonTime", "asc").top(7).list()
    ]
    assert results == [10.0 + i for i in range(5)] + [20.0 + i for i in range(20)]
    things = list(service.things().query().list())
    assert [t.name for t in things] == ["Pakse gauge"]
