"""The demo's data hub: Tam Kỳ's wards with the 2019 census, Champasak's districts, and
synthetic facilities for Tam Kỳ, published through the ordinary import path.

Layers (packaged in ``demo/data``, derived from the project's ``shared/data`` files; the
derivation is in ``demo/data/README.md``):

- ``tamky-wards-2025``: the four 2025 wards, each the union of the pre-2025 units merged
  into it, with their 2019 census population and households (sums of the units). Tagged
  ``wards``: the layer the exposure of Tam Kỳ's warnings counts.
- ``tamky-units-2009``: the 13 pre-2025 wards and communes (2009 census polygons) with
  the 2019 census population and households. Not tagged ``wards`` (that would count
  every resident twice); kept for analysis and the 2019 comparison.
- ``champasak-districts``: Champasak's 10 districts (geoBoundaries ADM2) for the Pakse
  scenario, of the Mekong organisation that runs the Pakse gauge. No open district
  population was at hand: the layer carries none, and the exposure says so rather than
  counting zero.
- ``tamky-facilities-synthetic``: no open facility layer exists for Tam Kỳ, so the demo
  places one school and one shelter per pre-2025 unit and one hospital per 2025 ward.
  Synthetic wherever they appear: the dataset's title and description, a ``synthetic``
  property on every feature (the exposure then says "synthetic"), and the dataset page.

Publishing is idempotent: a dataset whose slug exists is left as it is.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.datasets.catalogue import Metadata
from cityops.datasets.service import import_file
from cityops.store import schema as s
from cityops.store.base import Store

from .reference import slug
from .vietnam import CITY
from .world import MEKONG_ORG

CENSUS_SOURCE = (
    "General Statistics Office of Viet Nam, Population and Housing Census 1 April 2019 "
    "(population and households by ward); polygons: censusVN2009 (M. Choisy) from a "
    "government 1:250,000 administrative geodatabase, pre-2025, thinned"
)
CENSUS_LICENCE = "census figures: official statistics (facts); polygons: MIT (censusVN2009)"
GEOBOUNDARIES_SOURCE = (
    "geoBoundaries (2019): Lao National Geographic Department; OCHA ROAP - attribute "
    "geoBoundaries, OCHA ROAP and the National Geographic Department"
)
SYNTHETIC = "SYNTHETIC demo data: invented positions and capacities, not real facilities"


@dataclass(frozen=True)
class DemoDataset:
    org: str
    meta: Metadata
    features: list[dict[str, Any]]


def _packaged(name: str) -> list[dict[str, Any]]:
    text = resources.files("cityops.demo").joinpath(f"data/{name}").read_text(encoding="utf-8")
    features: list[dict[str, Any]] = json.loads(text)["features"]
    return features


def synthetic_facilities(units: list[dict[str, Any]], wards: list[dict[str, Any]]) -> list[Any]:
    """One school and one shelter per pre-2025 unit, one hospital per 2025 ward: placed
    inside each polygon (shelters hold about 3 % of the unit's residents, in fifties)."""
    out = []
    for f in units:
        name, geom = f["properties"]["name"], shapely.geometry.shape(f["geometry"])
        centre = geom.representative_point()
        school = shapely.Point(centre.x + 0.002, centre.y)
        if not geom.contains(school):
            school = centre
        room = max(50, round(f["properties"]["population"] * 0.03 / 50) * 50)
        out += [
            _facility(f"Shelter {name} (synthetic)", "shelter", centre, room),
            _facility(f"School {name} (synthetic)", "school", school, None),
        ]
    for f in wards:
        geom = shapely.geometry.shape(f["geometry"])
        name = f["properties"]["name"]
        out.append(_facility(f"Hospital {name} (synthetic)", "hospital", geom.centroid, None))
    return out


def _facility(name: str, kind: str, point: Any, capacity: int | None) -> dict[str, Any]:
    props: dict[str, Any] = {"name": name, "kind": kind, "synthetic": True, "note": SYNTHETIC}
    if capacity is not None:
        props["capacity"] = capacity
    geometry = {"type": "Point", "coordinates": [round(point.x, 5), round(point.y, 5)]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def demo_datasets() -> list[DemoDataset]:
    tamky = slug(CITY)
    wards, units = (
        _packaged("tamky_wards_2025_census2019.geojson"),
        _packaged("tamky_units_2009_census2019.geojson"),
    )
    return [
        DemoDataset(
            tamky,
            Metadata(
                slug="tamky-wards-2025",
                title="Tam Kỳ wards (2025) with 2019 census population and households",
                description="The four wards of 1 July 2025 (Tam Kỳ, Bàn Thạch, Quảng Phú, "
                "Hương Trà), each the union of the pre-2025 units merged into it; "
                "population and households are the sums of those units in the 2019 census. "
                "Derived boundaries, not official.",
                publisher="CityOps demo (Tam Kỳ)",
                licence=CENSUS_LICENCE,
                source=CENSUS_SOURCE + "; 2025 merger list (Tam Kỳ People's Council, 2025)",
                keywords=["wards", "census", "population", "administrative"],
                update_frequency="irregular",
            ),
            wards,
        ),
        DemoDataset(
            tamky,
            Metadata(
                slug="tamky-units-2009",
                title="Tam Kỳ's 13 pre-2025 wards and communes with 2019 census figures",
                description="The wards and communes before the 2025 merger, with 2019 "
                "census population and households (and the 2009 census population).",
                publisher="CityOps demo (Tam Kỳ)",
                licence=CENSUS_LICENCE,
                source=CENSUS_SOURCE,
                keywords=["census", "population", "administrative", "pre-2025"],
                update_frequency="irregular",
            ),
            units,
        ),
        DemoDataset(
            MEKONG_ORG,
            Metadata(
                slug="champasak-districts",
                title="Champasak province districts (Laos)",
                description="The ten districts of Champasak, Pakse among them, for the "
                "Pakse flood scenario. No population figures in this layer.",
                publisher="CityOps demo (Mekong)",
                licence="CC BY 3.0 IGO",
                source=GEOBOUNDARIES_SOURCE,
                keywords=["wards", "districts", "administrative"],
                update_frequency="irregular",
            ),
            _packaged("champasak_districts_2019.geojson"),
        ),
        DemoDataset(
            tamky,
            Metadata(
                slug="tamky-facilities-synthetic",
                title="Tam Kỳ schools, hospitals and shelters (SYNTHETIC demo data)",
                description=SYNTHETIC + ". No open facility layer exists for Tam Kỳ; the "
                "demo places one school and one shelter per pre-2025 unit and one hospital "
                "per 2025 ward so that warnings show what exposure looks like.",
                publisher="CityOps demo (synthetic)",
                licence="CC0 (invented)",
                source="synthetic: generated by cityops.demo.datasets",
                keywords=["facilities", "synthetic"],
                update_frequency="never",
            ),
            synthetic_facilities(units, wards),
        ),
    ]


def ensure_datasets(store: Store) -> list[str]:
    """Publish every demo dataset not yet in the store; the slugs published now."""
    d = s.datasets
    with store.read() as conn:
        have = {r[0] for r in conn.execute(select(d.c.slug))}
    done = []
    for ds in demo_datasets():
        if ds.meta.slug in have:
            continue
        with tempfile.TemporaryDirectory(prefix="cityops-demo-") as folder:
            path = Path(folder) / f"{ds.meta.slug}.geojson"
            doc = {"type": "FeatureCollection", "features": ds.features}
            path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            import_file(store, SYSTEM, path, ds.meta, ds.org)
        done.append(ds.meta.slug)
    return done
