"""IATI locations linked to the register's cities, by name and by coordinates (pure).

A location becomes a city of its project when its name and its coordinates agree on one
city: the city's name appears in the location's name (as whole words, case and punctuation
ignored) and/or the point lies within ``RADIUS_KM`` of the city's centre. When they point
to different cities, or to several, or the name matches a city whose centre is far from
the point, nothing is linked and the location goes on the review list with its
candidates: a person decides (the city is then added by editing the project). A location
that matches no city is neither linked nor listed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from cityops.programmes.model import Location, Project

#: A city centre and a project site this close are taken to be the same place. Large
#: enough for a metropolitan area (Bangkok, Jakarta), small enough to keep neighbouring
#: pilot cities (Vientiane and Nong Khai, ~20 km apart, are in different countries) apart
#: only with the name's help.
RADIUS_KM = 30.0


@dataclass(frozen=True)
class Place:
    """A city of the register: its name and centre."""

    name: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Review:
    """A location that could not be linked on its own, and the cities it might be."""

    project: str
    location: str
    candidates: tuple[str, ...]
    reason: str


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[\W_]+", " ", text.lower()).split()) + " "


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _near(loc: Location, places: Sequence[Place]) -> list[str]:
    if loc.lat is None or loc.lon is None:
        return []
    return [
        p.name
        for p in places
        if p.lat is not None
        and p.lon is not None
        and distance_km(loc.lat, loc.lon, p.lat, p.lon) <= RADIUS_KM
    ]


def match(loc: Location, places: Sequence[Place]) -> tuple[str | None, tuple[str, ...], str]:
    """(the city, the candidates, why) for one location; city None means not linked."""
    named = [p.name for p in places if _words(p.name) in _words(loc.name)] if loc.name else []
    near = _near(loc, places)
    has_point = loc.lat is not None
    if named and has_point:
        both = [n for n in named if n in near]
        if len(both) == 1:
            return both[0], tuple(both), "name and coordinates"
        reason = "name and coordinates point to different cities"
        return None, tuple(dict.fromkeys(named + near)), reason
    candidates = named or near
    if len(candidates) == 1:
        return candidates[0], tuple(candidates), "name" if named else "coordinates"
    if candidates:
        return None, tuple(candidates), "several cities match"
    return None, (), "no city matches"


def link_locations(
    projects: Iterable[Project], places: Sequence[Place]
) -> tuple[list[Project], list[Review]]:
    """Projects with the cities their locations clearly name added, and the review list."""
    linked: list[Project] = []
    review: list[Review] = []
    for project in projects:
        cities = list(project.cities)
        for loc in project.locations:
            city, candidates, reason = match(loc, places)
            if city is not None and city not in cities:
                cities.append(city)
            elif city is None and candidates:
                where = loc.name or f"{loc.lat} {loc.lon}"
                review.append(Review(project.key, where, candidates, reason))
        changed = tuple(cities) != project.cities
        linked.append(replace(project, cities=tuple(cities)) if changed else project)
    return linked, review
