"""End to end: an unmodified OGC API – Features client (OWSLib) against `cityops serve`:
collections, items, bbox, a CQL2 filter, and paging by ``next`` links to the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from owslib.ogcapi.features import Features

from tests.datasets.files import geojson
from tests.datasets.test_ogc_api import _points
from tests.e2e.conftest import Server, cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub_server(tmp_path: Path) -> Iterator[Server]:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    cli("db", "upgrade", "-d", db)
    cli("org", "add", "tamky", "--name", "Tam Ky", "-d", db)
    layer = tmp_path / "facilities.geojson"
    layer.write_bytes(geojson(_points(10)))
    cli("datasets", "import", str(layer), "--org", "tamky", "--title", "Facilities", "-d", db)
    server = Server(db)
    yield server
    server.stop()


def test_owslib_reads_the_hub(hub_server: Server) -> None:
    api = Features(hub_server.url + "/ogc")
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )
    ids = [c["id"] for c in api.collections()["collections"]]
    assert "facilities" in ids
    assert api.collection("facilities")["title"] == "Facilities"
    page = api.collection_items("facilities", bbox=[108.415, 15.4, 108.435, 15.6])
    assert [f["properties"]["name"] for f in page["features"]] == ["f2", "f3"]
    page = api.collection_items("facilities", filter="kind = 'shelter'")
    assert [f["properties"]["name"] for f in page["features"]] == ["f0", "f3", "f6", "f9"]
    names = []
    page = api.collection_items("facilities", limit=3)
    while True:
        names += [f["properties"]["name"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nxt:
            break
        page = httpx.get(nxt[0]).json()  # OWSLib leaves following links to the caller
    assert names == [f"f{i}" for i in range(10)]
    assert api.collection_queryables("facilities")["properties"]["capacity"]["type"] == "number"
