"""Donor coordination view: overlapping projects and uncovered city-sector-years (pure).

An *overlap* is two projects with different funders working in the same city and the same
OECD-DAC sector at the same time: a prompt for the partners to talk. A *gap* is a city and
sector (from the register, or given) with no active project in a year. A project's span
runs from its actual (else planned) start to its actual (else planned) end; a project with
a start and no end counts as running on. Cancelled projects (status 5) never count, and
projects without a start date are listed as undated instead of guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from cityops.programmes.model import Project

CANCELLED = 5


@dataclass(frozen=True)
class Overlap:
    """Two projects of different funders in one city and sector, overlapping in time.

    ``end`` is None when both projects run on with no end date.
    """

    city: str
    sector: str
    first: str
    second: str
    first_funders: tuple[str, ...]
    second_funders: tuple[str, ...]
    start: date
    end: date | None


@dataclass(frozen=True)
class Gap:
    """A city and sector with no active project in a year."""

    year: int
    city: str
    sector: str


@dataclass(frozen=True)
class CoordinationReport:
    """Overlaps, gaps, and the projects left out for want of a start date."""

    overlaps: tuple[Overlap, ...]
    gaps: tuple[Gap, ...]
    undated: tuple[str, ...]


def _funders(project: Project) -> frozenset[str]:
    return frozenset(f.key for f in project.funders)


def _funder_names(project: Project) -> tuple[str, ...]:
    return tuple(f.name or f.key for f in project.funders)


def _overlap_window(a: Project, b: Project) -> tuple[date, date | None] | None:
    """The common period of two dated projects, or None if they do not meet."""
    assert a.start is not None and b.start is not None
    start = max(a.start, b.start)
    ends = [e for e in (a.end, b.end) if e is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return start, end


def _pair_overlaps(a: Project, b: Project) -> list[Overlap]:
    if not _funders(a) or not _funders(b) or _funders(a) == _funders(b):
        return []
    window = _overlap_window(a, b)
    if window is None:
        return []
    cities = [c for c in dict.fromkeys(a.cities) if c in b.cities]
    sectors = [s for s in dict.fromkeys(a.sector_codes) if s in b.sector_codes]
    first, second = sorted((a, b), key=lambda p: p.key)
    return [
        Overlap(
            city,
            sector,
            first.key,
            second.key,
            _funder_names(first),
            _funder_names(second),
            window[0],
            window[1],
        )
        for city in cities
        for sector in sectors
    ]


def overlaps(projects: Iterable[Project]) -> tuple[Overlap, ...]:
    """Pairs of projects of different funders sharing a city and sector while both run."""
    dated = [p for p in projects if p.start is not None and p.status != CANCELLED]
    found = [o for a, b in combinations(dated, 2) for o in _pair_overlaps(a, b)]
    return tuple(sorted(found, key=lambda o: (o.city, o.sector, o.start, o.first, o.second)))


def _active_in(project: Project, year: int) -> bool:
    assert project.start is not None
    return project.start <= date(year, 12, 31) and (
        project.end is None or project.end >= date(year, 1, 1)
    )


def _default_years(dated: Sequence[Project]) -> range:
    if not dated:
        return range(0)
    first = min(p.start.year for p in dated if p.start is not None)
    last = max(
        max(p.start.year, p.end.year if p.end else p.start.year)
        for p in dated
        if p.start is not None
    )
    return range(first, last + 1)


def gaps(
    projects: Iterable[Project],
    *,
    years: Iterable[int] | None = None,
    cities: Iterable[str] | None = None,
    sectors: Iterable[str] | None = None,
) -> tuple[Gap, ...]:
    """City-sector pairs with no active project in each year.

    Cities and sectors default to those named anywhere in the register; years default to
    the first through the last year any dated project runs.
    """
    register = list(projects)
    dated = [p for p in register if p.start is not None and p.status != CANCELLED]
    city_list = list(
        dict.fromkeys(cities if cities is not None else (c for p in register for c in p.cities))
    )
    sector_list = list(
        dict.fromkeys(
            sectors if sectors is not None else (s for p in register for s in p.sector_codes)
        )
    )
    found = []
    for year in years if years is not None else _default_years(dated):
        active = [p for p in dated if _active_in(p, year)]
        covered = {(c, s) for p in active for c in p.cities for s in p.sector_codes}
        found += [Gap(year, c, s) for c in city_list for s in sector_list if (c, s) not in covered]
    return tuple(sorted(found, key=lambda g: (g.year, g.city, g.sector)))


def coordination(
    projects: Iterable[Project],
    *,
    years: Iterable[int] | None = None,
    cities: Iterable[str] | None = None,
    sectors: Iterable[str] | None = None,
) -> CoordinationReport:
    """The coordination view: overlaps, gaps, and the undated projects left out of both."""
    register = list(projects)
    undated = tuple(p.key for p in register if p.start is None and p.status != CANCELLED)
    return CoordinationReport(
        overlaps(register),
        gaps(register, years=years, cities=cities, sectors=sectors),
        undated,
    )
