"""Who and what is in a warning area: pure computation over ward and facility layers.

Population and households are area-weighted (``None`` where a ward touched has no
figure, e.g. districts published without population): a ward counts with the share of its area
inside the warning area (people are assumed spread evenly over a ward; the aggregated
census counts allow no better). Shares are computed on lon/lat areas: within one ward the
scale is the same for both areas of the ratio, so the error is negligible at ward size.
Facilities count when their geometry intersects the area; shelters outside it are listed
nearest first by great-circle distance to the area's edge.
"""

from __future__ import annotations

import gettext
import math
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points
from shapely.strtree import STRtree

from cityops.exposure import wording

KINDS = ("shelter", "hospital", "school")
EARTH_RADIUS_KM = 6371.0088
NEAREST_OUTSIDE = 3
#: A ward with less of its area inside than this only touches the area: a sliver where
#: boundaries of different sources or resolutions (a warning area drawn on a map, a
#: ward layer thinned for the web) do not quite meet. It is left out rather than listed
#: with a handful of residents.
MIN_SHARE = 0.01


@dataclass(frozen=True)
class Ward:
    name: str
    geometry: BaseGeometry
    population: float
    households: float


@dataclass(frozen=True)
class Facility:
    name: str
    kind: str  # shelter, hospital, school
    geometry: BaseGeometry
    capacity: float | None = None
    synthetic: bool = False


@dataclass
class Layers:
    """The layers of one organisation, with spatial indexes built once."""

    wards: list[Ward]
    facilities: list[Facility]
    ward_index: STRtree = field(init=False)
    facility_index: STRtree = field(init=False)

    def __post_init__(self) -> None:
        self.ward_index = STRtree([w.geometry for w in self.wards])
        self.facility_index = STRtree([f.geometry for f in self.facilities])


def exposure(layers: Layers, area: BaseGeometry) -> dict[str, Any]:
    """The exposure object of the API: counts, wards, facilities inside, shelters nearby."""
    shapely.prepare(area)
    wards = _wards(layers, area)
    inside_ix = set(int(i) for i in layers.facility_index.query(area, predicate="intersects"))
    inside = [layers.facilities[i] for i in sorted(inside_ix)]
    shelters = [f for f in inside if f.kind == "shelter"]
    doc: dict[str, Any] = {
        "population": _total(wards, "population"),
        "households": _total(wards, "households"),
        "wards": wards,
        "facilities": {k: [_facility(f) for f in inside if f.kind == k] for k in KINDS},
        "shelter_capacity": round(sum(f.capacity or 0 for f in shelters)),
        "nearest_shelters_outside": _nearest_outside(layers, area, inside_ix),
        "synthetic_facilities": any(f.synthetic for f in inside),
    }
    doc["sentence"] = sentence(doc)
    return doc


def _wards(layers: Layers, area: BaseGeometry) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in sorted(int(i) for i in layers.ward_index.query(area, predicate="intersects")):
        ward = layers.wards[i]
        whole = ward.geometry.area
        share = shapely.intersection(ward.geometry, area).area / whole if whole else 1.0
        if share < MIN_SHARE:
            continue
        share = min(share, 1.0)
        out.append(
            {
                "name": ward.name,
                "share": round(share, 4),
                "population": _share(ward.population, share),
                "households": _share(ward.households, share),
            }
        )
    return out


def _share(count: float, share: float) -> int | None:
    """A ward's count inside the area; None when the layer gives no figure (NaN)."""
    return None if math.isnan(count) else round(count * share)


def _total(wards: list[dict[str, Any]], key: str) -> int | None:
    """The sum over the wards touched; None if one of them has no figure: a partial sum
    would read as the whole."""
    counts = [w[key] for w in wards]
    return None if any(c is None for c in counts) else round(sum(counts))


def _facility(f: Facility) -> dict[str, Any]:
    point = f.geometry.representative_point()
    return {
        "name": f.name,
        "capacity": f.capacity,
        "lon": round(point.x, 6),
        "lat": round(point.y, 6),
        "synthetic": f.synthetic,
    }


def _nearest_outside(layers: Layers, area: BaseGeometry, inside: set[int]) -> list[dict[str, Any]]:
    found = []
    for i, f in enumerate(layers.facilities):
        if f.kind != "shelter" or i in inside:
            continue
        a, b = nearest_points(area, f.geometry)
        found.append((haversine_km(a.x, a.y, b.x, b.y), f))
    found.sort(key=lambda t: t[0])
    return [{**_facility(f), "distance_km": round(d, 2)} for d, f in found[:NEAREST_OUTSIDE]]


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def sentence(doc: dict[str, Any]) -> str:
    """The composer's suggestion in English: 'about 12,400 residents in 3 wards; 2 shelters
    with room for 1,800' (other languages: ``wording.sentences``)."""
    return wording.sentence(doc, "en", gettext.NullTranslations())
