"""No condition on a restricted entity may change the answer for a caller who may not see it.

Two stores are built with the same structure and the same public data; only the contents
of the restricted entities differ (names, results, coordinates). An anonymous caller runs
the same filtered, ordered and expanded queries against both: every answer must be
identical, otherwise a query would reveal something about restricted data (one yes/no per
request is enough to read a name letter by letter).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cityops.app import create_app
from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.settings import Settings
from cityops.sta.create import create_entity
from cityops.store import migrate
from cityops.store.base import Store
from tests.helpers import make_org

UNIT = {"name": "metre", "symbol": "m", "definition": "ucum:m"}
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def _loc(name: str, xy: list[float], vis: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": "d",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": xy},
        "@cityops.organisation": "city-b",
        "@cityops.visibility": vis,
    }


def _ds(name: str, thing: int, vis: str, sensor: int, prop: int, results: list[float]) -> Any:
    return {
        "name": name,
        "description": "d",
        "unitOfMeasurement": UNIT,
        "observationType": OM,
        "Thing": {"@iot.id": thing},
        "Sensor": {"@iot.id": sensor},
        "ObservedProperty": {"@iot.id": prop},
        "@cityops.visibility": vis,
        "Observations": [
            {"result": r, "phenomenonTime": f"2026-01-0{i + 1}T00:00:00Z"}
            for i, r in enumerate(results)
        ],
    }


def build(store: Store, secret: str, value: float, xy: list[float]) -> None:
    """Public data (always the same) and restricted data (``secret``, ``value``, ``xy``)."""
    make_org(store, "city-b")

    def job(tx: Any) -> None:
        def new(name: str, body: dict[str, Any]) -> int:
            return create_entity(tx, BY_NAME[name], body, SYSTEM)

        sensor = new(
            "Sensor", {"name": "S", "description": "d", "encodingType": "t", "metadata": "m"}
        )
        prop = new("ObservedProperty", {"name": "P", "definition": "p", "description": "d"})
        lp = new("Location", _loc("shared", [105.0, 15.0], "public"))
        lr = new("Location", _loc(secret, xy, "restricted"))
        tp = new(
            "Thing",
            {
                "name": "public thing",
                "description": "d",
                "@cityops.organisation": "city-b",
                "Locations": [{"@iot.id": lp}, {"@iot.id": lr}],
            },
        )
        tr = new(
            "Thing",
            {
                "name": secret,
                "description": secret,
                "properties": {"code": secret},
                "@cityops.organisation": "city-b",
                "@cityops.visibility": "restricted",
                "Locations": [{"@iot.id": lp}, {"@iot.id": lr}],
            },
        )
        new("Datastream", _ds("public ds", tp, "public", sensor, prop, [5.0, 6.0]))
        # a public datastream under the restricted thing
        new("Datastream", _ds("public under secret", tr, "public", sensor, prop, [7.0]))
        new("Datastream", _ds(secret, tr, "restricted", sensor, prop, [value, value + 1]))

    store.write_sync(job)


QUERIES = [
    "Observations?$filter=Datastream/Thing/name eq 'secret-one'",
    "Observations?$filter=startswith(Datastream/Thing/name, 'secret-o')",
    "Observations?$filter=Datastream/Thing/properties/code eq 'secret-one'",
    "Observations?$orderby=Datastream/Thing/name,id",
    "Observations?$filter=not (Datastream/Thing/name eq 'secret-one')",
    "Datastreams?$filter=Thing/name eq 'secret-one'",
    "Datastreams?$filter=Observations/FeatureOfInterest/name eq 'secret-one'",
    "Observations?$filter=FeatureOfInterest/name eq 'secret-one'",
    "Observations?$orderby=FeatureOfInterest/name desc,id",
    "Datastreams?$orderby=Thing/description desc,id",
    "Datastreams?$filter=Thing/Locations/name eq 'secret-one'",
    "Datastreams?$filter=st_intersects(Thing/Locations/location, geography'POINT(1 1)')",
    "Sensors?$filter=Datastreams/name eq 'secret-one'",
    "Sensors?$filter=Datastreams/Observations/result gt 50",
    "ObservedProperties?$filter=Datastreams/Observations/result gt 50",
    "FeaturesOfInterest?$filter=Observations/result gt 50",
    "FeaturesOfInterest?$filter=Observations/Datastream/name eq 'secret-one'",
    "Locations?$filter=Things/name eq 'secret-one'",
    "Locations?$filter=HistoricalLocations/Thing/name eq 'secret-one'",
    "Things?$filter=Locations/name eq 'secret-one'",
    "Things?$filter=Datastreams/Observations/result gt 50",
    "Things?$filter=geo.distance(Locations/location, geography'POINT(1 1)') lt 1",
    "HistoricalLocations?$filter=Locations/name eq 'secret-one'",
    "HistoricalLocations?$filter=Thing/name eq 'secret-one'",
    "Things?$expand=Locations($filter=Things/name eq 'secret-one')",
    "Things?$expand=Datastreams($filter=Thing/Locations/name eq 'secret-one')",
    "Locations?$expand=Things,HistoricalLocations($expand=Thing)",
    "Datastreams?$expand=Thing($expand=Locations),Observations($orderby=result desc)",
    "Sensors?$expand=Datastreams($expand=Observations)&$count=true",
    "FeaturesOfInterest?$expand=Observations($filter=result gt 50)&$count=true",
]


def _without_clock(doc: Any) -> Any:
    """The answer without the times the server takes from its clock (HistoricalLocations
    are stamped when a Thing moves), which differ between the two stores."""
    if isinstance(doc, list):
        return [_without_clock(d) for d in doc]
    if isinstance(doc, dict):
        hist = "HistoricalLocations" in str(doc.get("@iot.selfLink", ""))
        return {k: _without_clock(v) for k, v in doc.items() if not (hist and k == "time")}
    return doc


async def _answers(url: str) -> dict[str, Any]:
    settings = Settings(database_url=url, secret_key="k", anonymous_rate_per_min=100000)
    store = Store(url, read_pool_size=2)
    out: dict[str, Any] = {}
    app = create_app(settings, store, upgrade=False)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                for q in QUERIES:
                    r = await c.get("/v1.1/" + q)
                    out[q] = (r.status_code, _without_clock(r.json()))
    finally:
        store.close()
    return out


@pytest.fixture
def two_stores(db_url: str, tmp_path: Any, request: pytest.FixtureRequest) -> list[str]:
    """Two databases with the same public data and different restricted data."""
    urls = [db_url]
    if db_url.startswith("sqlite"):
        import shutil

        second = tmp_path / "second.db"
        shutil.copyfile(db_url.removeprefix("sqlite:///"), second)
        urls.append(f"sqlite:///{second}")
    else:
        from tests.conftest import _drop_pg, _pg_database

        other = _pg_database()
        assert other is not None
        request.addfinalizer(lambda: _drop_pg(other))
        urls.append(other)
    for url, (secret, value, xy) in zip(
        urls, [("secret-one", 90.0, [1.0, 1.0]), ("other-name", 10.0, [50.0, 50.0])], strict=True
    ):
        st = Store(url, read_pool_size=1)
        migrate.upgrade(st.write_engine)
        if url == db_url and st.kind == "postgresql":
            from tests.conftest import _truncate

            _truncate(st)
        build(st, secret, value, xy)
        st.close()
    return urls


async def test_anonymous_answers_do_not_depend_on_restricted_data(two_stores: list[str]) -> None:
    first, second = [await _answers(u) for u in two_stores]
    assert [q for q in QUERIES if first[q][0] != 200] == []
    differ = [q for q in QUERIES if first[q] != second[q]]
    assert not differ, "\n".join(differ)
