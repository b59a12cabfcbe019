"""/ogc in-process: each conformance class checked, CQL2 text and JSON, bbox, datetime,
paging, visibility of restricted datasets, Records and DCAT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cityops.auth.principal import SYSTEM
from cityops.datasets.catalogue import Metadata
from cityops.datasets.ogc import CONFORMANCE
from cityops.datasets.service import import_file
from cityops.store.base import Store
from tests.datasets.files import geojson
from tests.helpers import bearer, make_org, make_user_token


def _points(n: int) -> list[dict[str, Any]]:
    """n facilities on a line east from 108.40; every third a shelter; one per day of 2024."""
    return [
        {
            "type": "Feature",
            "properties": {
                "name": f"f{i}",
                "kind": "shelter" if i % 3 == 0 else "school",
                "capacity": i * 10,
                "datetime": f"2024-01-{i + 1:02d}T00:00:00Z",
            },
            "geometry": {"type": "Point", "coordinates": [108.40 + i * 0.01, 15.5]},
        }
        for i in range(n)
    ]


def _load(store: Store, tmp_path: Path, slug: str, org: str, visibility: str = "public") -> None:
    path = tmp_path / f"{slug}.geojson"
    path.write_bytes(geojson(_points(10)))
    meta = Metadata(slug=slug, title=slug.title(), licence="CC-BY-4.0", visibility=visibility)
    import_file(store, SYSTEM, path, meta, org)


@pytest.fixture
def hub(store: Store, tmp_path: Path) -> Store:
    store.org_ids = {"tamky": make_org(store, "tamky"), "pakse": make_org(store, "pakse")}  # type: ignore[attr-defined]
    _load(store, tmp_path, "facilities", "tamky")
    _load(store, tmp_path, "secret", "tamky", "restricted")
    return store


async def _items(client: httpx.AsyncClient, query: str, **kw: Any) -> dict[str, Any]:
    r = await client.get(f"/ogc/collections/facilities/items?{query}", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    return orjson.loads(r.content)


def _names(doc: dict[str, Any]) -> list[str]:
    return [f["properties"]["name"] for f in doc["features"]]


async def test_core_landing_page_and_conformance(client: httpx.AsyncClient, hub: Store) -> None:
    landing = (await client.get("/ogc")).json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = (await client.get("/ogc/conformance")).json()["conformsTo"]
    assert set(conf) == set(CONFORMANCE)


async def test_oas30_service_description_lists_the_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/ogc/collections/{collection_id}/items" in paths


async def test_collections_and_one_collection(client: httpx.AsyncClient, hub: Store) -> None:
    cols = (await client.get("/ogc/collections")).json()["collections"]
    assert [c["id"] for c in cols] == ["facilities", "catalogue"]
    one = (await client.get("/ogc/collections/facilities")).json()
    assert one["extent"]["spatial"]["bbox"][0] == pytest.approx([108.40, 15.5, 108.49, 15.5])
    assert one["license"] == "CC-BY-4.0"
    assert any(link["rel"] == "items" for link in one["links"])


async def test_geojson_items_page_to_the_end(client: httpx.AsyncClient, hub: Store) -> None:
    doc = await _items(client, "limit=4")
    seen = _names(doc)
    assert doc["numberMatched"] == 10 and doc["numberReturned"] == 4
    while nxt := [link["href"] for link in doc["links"] if link["rel"] == "next"]:
        doc = orjson.loads((await client.get(nxt[0])).content)
        seen += _names(doc)
    assert seen == [f"f{i}" for i in range(10)]


async def test_bbox_and_datetime(client: httpx.AsyncClient, hub: Store) -> None:
    assert _names(await _items(client, "bbox=108.415,15.4,108.435,15.6")) == ["f2", "f3"]
    doc = await _items(client, "datetime=2024-01-03T00:00:00Z/2024-01-04T12:00:00Z")
    assert _names(doc) == ["f2", "f3"]
    assert _names(await _items(client, "datetime=../2024-01-01T00:00:00Z")) == ["f0"]


async def test_cql2_text(client: httpx.AsyncClient, hub: Store) -> None:
    q = "filter=kind = 'shelter' AND capacity >= 30"
    assert _names(await _items(client, q)) == ["f3", "f6", "f9"]
    ring = "108.405 15, 108.425 15, 108.425 16, 108.405 16, 108.405 15"
    q = f"filter=S_INTERSECTS(geometry, POLYGON(({ring})))"
    assert _names(await _items(client, q)) == ["f1", "f2"]
    assert _names(await _items(client, "filter=name IN ('f1','f7')")) == ["f1", "f7"]
    assert _names(await _items(client, "filter=capacity BETWEEN 10 AND 20")) == ["f1", "f2"]
    assert _names(await _items(client, "filter=name LIKE 'f1%'")) == ["f1"]
    assert _names(await _items(client, "filter=NOT (capacity > 10)")) == ["f0", "f1"]
    assert _names(await _items(client, "filter=missing IS NULL&limit=1")) == ["f0"]


async def test_cql2_json(client: httpx.AsyncClient, hub: Store) -> None:
    expr = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "kind"}, "shelter"]},
            {
                "op": "s_intersects",
                "args": [{"property": "geometry"}, {"bbox": [108.42, 15, 108.5, 16]}],
            },
        ],
    }
    q = "filter-lang=cql2-json&filter=" + orjson.dumps(expr).decode()
    assert _names(await _items(client, q)) == ["f3", "f6", "f9"]


async def test_bad_parameters_are_400_naming_the_field(
    client: httpx.AsyncClient, hub: Store
) -> None:
    for query, field in [
        ("filter=capacity >>> 3", "filter"),
        ("filter-lang=cql2-json&filter={", "filter"),
        ("bbox=1,2,3", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("filter-lang=sql&filter=x", "filter-lang"),
        ("filter=id = 'abc'", "filter"),
        ("filter=datetime > 3", "filter"),
    ]:
        r = await client.get(f"/ogc/collections/facilities/items?{query}")
        assert r.status_code == 400, (query, r.text)
        assert field in r.text


async def test_html(client: httpx.AsyncClient, hub: Store) -> None:
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/facilities/items?limit=2"):
        r = await client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    r = await client.get("/ogc/collections/facilities/items?f=html&limit=2")
    assert "<td>f1</td>" in r.text and "<td>f2</td>" not in r.text


async def test_one_feature_and_missing_ones(client: httpx.AsyncClient, hub: Store) -> None:
    first = (await _items(client, "limit=1"))["features"][0]
    r = await client.get(f"/ogc/collections/facilities/items/{first['id']}")
    assert r.json()["properties"]["name"] == "f0"
    assert (await client.get("/ogc/collections/facilities/items/999999")).status_code == 404
    assert (await client.get("/ogc/collections/nothing/items")).status_code == 404


async def test_restricted_datasets_only_for_their_organisation(
    client: httpx.AsyncClient, hub: Store
) -> None:
    tamky = make_user_token(hub, "tk-analyst", "analyst", org_id=hub.org_ids["tamky"])
    pakse = make_user_token(hub, "pk-analyst", "analyst", org_id=hub.org_ids["pakse"])
    for headers in ({}, bearer(pakse)):
        ids = [
            c["id"]
            for c in (await client.get("/ogc/collections", headers=headers)).json()["collections"]
        ]
        assert "secret" not in ids
        assert (
            await client.get("/ogc/collections/secret/items", headers=headers)
        ).status_code == 404
        dcat = (await client.get("/ogc/catalogue.jsonld", headers=headers)).json()
        assert all(d["dct:identifier"] != "secret" for d in dcat["dcat:dataset"])
    r = await client.get("/ogc/collections/secret/items", headers=bearer(tamky))
    assert r.status_code == 200 and r.json()["numberMatched"] == 10


async def test_records_and_dcat(client: httpx.AsyncClient, hub: Store) -> None:
    recs = (await client.get("/ogc/collections/catalogue/items")).json()
    assert [f["id"] for f in recs["features"]] == ["facilities"]
    assert recs["features"][0]["properties"]["license"] == "CC-BY-4.0"
    dcat = (await client.get("/ogc/catalogue.jsonld")).json()
    assert dcat["@type"] == "dcat:Catalog"
    ds = dcat["dcat:dataset"][0]
    assert ds["dct:license"] == "CC-BY-4.0" and ds["dcat:distribution"][0]["dcat:accessURL"]


async def test_queryables(client: httpx.AsyncClient, hub: Store) -> None:
    props = (await client.get("/ogc/collections/facilities/queryables")).json()["properties"]
    assert props["capacity"] == {"type": "number"} and props["kind"] == {"type": "string"}


async def test_cql2_text_bbox_literal(client: httpx.AsyncClient, hub: Store) -> None:
    q = "filter=S_INTERSECTS(geometry, BBOX(108.405, 15, 108.425, 16))"
    assert _names(await _items(client, q)) == ["f1", "f2"]


async def test_typed_queryables_refuse_other_types(client: httpx.AsyncClient, hub: Store) -> None:
    for expr in ("id IN (1, 'x')", "id LIKE '1%'", "id = name", "id BETWEEN 1 AND 'z'"):
        r = await client.get(f"/ogc/collections/facilities/items?filter={expr}")
        assert r.status_code == 400, (expr, r.text)
    first = (await _items(client, "limit=1"))["features"][0]["id"]
    assert _names(await _items(client, f"filter=id = {first}")) == ["f0"]
