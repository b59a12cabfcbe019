"""``cityops replay`` says whom each replayed warning would have reached: the exposure of
the area its rule's draft would get (a 10 km circle around the gauge at 105.8, 15.1),
from the city's ward and facility layers.

Ward "Near" (a 0.02-degree square on the gauge, 1,000 people) lies inside the circle;
"Far" (a degree east) does not: about 1,000 residents in 1 ward.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely

from cityops.auth.principal import SYSTEM
from cityops.datasets.catalogue import Metadata
from cityops.datasets.service import import_file
from cityops.settings import Settings
from cityops.store.base import Store
from tests.alerting.support import add_rule, ingest, make_datastream, river_rule
from tests.cli.support import run_cli
from tests.datasets.files import geojson
from tests.helpers import make_org


def _ward(name: str, x: float, people: int) -> dict[str, Any]:
    box = shapely.box(x - 0.01, 15.09, x + 0.01, 15.11)
    return {
        "type": "Feature",
        "properties": {"name": name, "population": people, "households": people // 4},
        "geometry": shapely.geometry.mapping(box),
    }


def test_replay_prints_the_exposure_of_each_warning(
    store: Store,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_org(store, "pakse", lat=15.12, lon=105.8)
    ds = make_datastream(store, org="pakse")
    (tmp_path / "wards.geojson").write_bytes(
        geojson([_ward("Near", 105.8, 1000), _ward("Far", 106.8, 5000)])
    )
    meta = Metadata(slug="wards", title="wards", keywords=["wards"])
    import_file(store, SYSTEM, tmp_path / "wards.geojson", meta, "pakse")
    add_rule(store, **river_rule(ds))
    ingest(store, ds, [10.0, 11.5, 12.3, 12.6, 10.0])
    got = run_cli(
        capsys,
        monkeypatch,
        "replay",
        "--from",
        "2025-07-31",
        "--to",
        "2025-08-02",
        "-d",
        settings.database_url,
    )
    assert got.code == 0, got.err
    lines = [ln for ln in got.out.splitlines() if "exposure of flood" in ln]
    assert len(lines) == 1, got.out
    assert "(peak 12.6)" in lines[0]
    assert lines[0].endswith("about 1,000 residents in 1 ward; no shelter inside"), lines[0]
