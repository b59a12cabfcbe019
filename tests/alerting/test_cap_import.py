"""Imports: city areas from GeoJSON (``cityops areas import``) used as CAP polygons, and
outside CAP feeds (``cityops feeds import``), hostile ones rejected."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cityops.alerting.external import fetch_feed
from cityops.cap import (
    Alert,
    Info,
    build_alert_xml,
    build_atom_feed,
    build_rss_feed,
    circle_area,
    parse_alert,
    validate_alert,
)
from cityops.cli import app as cli
from cityops.errors import InvalidInput
from cityops.store import schema as s
from cityops.store.base import Store
from tests.alerting.cap_support import AUTO, add_rule, alerts, cap_xml, make_world, observe

# Hoan Kiem (Old Quarter) roughly, counter-clockwise, lon/lat as GeoJSON wants.
RING = [[105.84, 21.02], [105.86, 21.02], [105.86, 21.04], [105.84, 21.04], [105.84, 21.02]]
AREAS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "old-quarter", "description": "Hoàn Kiếm"},
            "geometry": {"type": "Polygon", "coordinates": [RING]},
        },
        {
            "type": "Feature",
            "properties": {"name": "riverside"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[105.86, 21.0], [105.87, 21.0], [105.87, 21.01], [105.86, 21.0]]],
            },
        },
    ],
}

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title></feed>"""


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


async def test_imported_area_becomes_cap_polygon(
    client: httpx.AsyncClient, app: Any, store: Store, db_url: str, tmp_path: Path
) -> None:
    world = make_world(store)
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(AREAS))
    result = _cli("areas", "import", str(path), "--org", "hanoi", "--database", db_url)
    assert result.exit_code == 0, result.output
    assert "2 area(s)" in result.output
    bad = tmp_path / "bad.geojson"
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "x"},
                        "geometry": {"type": "Polygon", "coordinates": [bowtie]},
                    }
                ],
            }
        )
    )
    result = _cli("areas", "import", str(bad), "--org", "hanoi", "--database", db_url)
    assert result.exit_code != 0 and "not simple" in str(result.exception or result.output)

    await add_rule(client, world, alert={**AUTO, "area": "old-quarter"})
    await observe(app, store, world, 12.4, 12.4)
    [issued] = await alerts(client, world["tok"]["operator"])
    alert = parse_alert(await cap_xml(client, issued["id"]))
    for info in alert.infos:
        [area] = info.areas
        assert area.area_desc == "Hoàn Kiếm" and not area.circles
        [polygon] = area.polygons
        assert polygon[0] == polygon[-1] and len(polygon) == 5
        assert polygon[0] == (21.02, 105.84)  # lat,lon: the reverse of GeoJSON
        assert [list(p) for p in polygon] == [[lat, lon] for lon, lat in RING]
    xml = await cap_xml(client, issued["id"])
    assert (
        b"<polygon>21.02,105.84 21.02,105.86 21.04,105.86 21.04,105.84 21.02,105.84</polygon>"
        in xml.replace(b"cap:", b"")
    )


def _cap_file(folder: Path, n: int) -> str:
    sent = datetime(2026, 7, 1, 8, n, tzinfo=timezone(timedelta(hours=7)))
    info = Info(
        language="th-TH",
        event="Heavy rain",
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        expires=sent + timedelta(hours=12),
        web="https://tmd.example/",
        headline=f"Heavy rain {n}",
        description="Heavy rain expected in the north.",
        areas=(circle_area("Chiang Mai", 18.79, 98.98, 20),),
    )
    alert = Alert(f"urn:oid:2.49.0.1.764.0.2026.7.1.1.{n}", "tmd@example.th", sent, infos=(info,))
    validate_alert(alert)
    (folder / f"cap{n}.xml").write_bytes(build_alert_xml(alert))
    return f"cap{n}.xml"


@pytest.mark.parametrize("kind", ["atom", "rss"])
async def test_outside_feed_imported_and_listed(
    client: httpx.AsyncClient, store: Store, db_url: str, tmp_path: Path, kind: str
) -> None:
    items = []
    for n in (1, 2):
        name = _cap_file(tmp_path, n)
        items.append((parse_alert((tmp_path / name).read_bytes()), name))
    (tmp_path / "evil.xml").write_bytes(XXE)
    items.append((replace(items[0][0], identifier="evil"), "evil.xml"))
    build = build_atom_feed if kind == "atom" else build_rss_feed
    feed = tmp_path / f"feed.{kind}"
    feed.write_bytes(build(items, "", title="TMD warnings"))
    result = _cli("feeds", "import", str(feed), "--database", db_url)
    assert result.exit_code == 0, result.output
    assert "2 alert(s) imported" in result.output
    r = await client.get("/api/external-alerts")
    got = r.json()["value"]
    assert sorted(a["headline"] for a in got) == ["Heavy rain 1", "Heavy rain 2"]
    assert {a["severity"] for a in got} == {"Severe"} and got[0]["language"] == "th-TH"
    with store.read() as conn:  # the import is audited (issue 16, item 9)
        a = s.audit_log
        audited = conn.execute(select(a).where(a.c.entity == "ExternalAlerts")).all()
    assert [(r.actor, r.action, r.detail) for r in audited] == [
        ("system", "import", {"source": str(feed), "imported": 2, "skipped": 1})
    ]


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_feeds_rejected(tmp_path: Path, payload: bytes) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(payload)
    with pytest.raises(InvalidInput, match="DTD"):
        fetch_feed(str(feed), 1 << 20)
    result = _cli("feeds", "import", str(feed), "--database", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code != 0
    assert "DTD" in str(result.exception)


def test_malformed_feed_rejected(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"<rss><channel><item></channel></rss>")
    with pytest.raises(InvalidInput, match="line 1: malformed XML"):
        fetch_feed(str(feed), 1 << 20)
    feed.write_bytes(b"<html/>")
    with pytest.raises(InvalidInput, match="neither an Atom"):
        fetch_feed(str(feed), 1 << 20)
