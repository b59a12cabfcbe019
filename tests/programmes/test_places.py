"""IATI locations become cities by name and coordinates; unclear ones go to review."""

from __future__ import annotations

from cityops.programmes import Location, Project
from cityops.programmes.places import Place, link_locations, match

PLACES = [
    Place("Tam Ky", 15.5736, 108.474),
    Place("Da Nang", 16.0544, 108.2022),
    Place("Vientiane", 17.9757, 102.6331),
    Place("Phnom Penh", 11.5564, 104.9282),
]


def test_name_and_coordinates_agree() -> None:
    assert match(Location("Tam Ky river gauge", 15.57, 108.48), PLACES)[0] == "Tam Ky"


def test_name_alone_or_point_alone() -> None:
    assert match(Location("Vientiane Capital"), PLACES)[0] == "Vientiane"
    assert match(Location("", 11.55, 104.92), PLACES)[0] == "Phnom Penh"
    assert match(Location("Tam Kyoto"), PLACES)[0] is None  # whole words only


def test_conflicts_go_to_review() -> None:
    city, candidates, reason = match(Location("Phnom Penh office", 17.97, 102.63), PLACES)
    assert city is None and set(candidates) == {"Phnom Penh", "Vientiane"}
    assert "different" in reason


def test_link_locations_adds_cities_and_lists_reviews() -> None:
    projects = [
        Project("XX-1", "A", locations=(Location("Tam Ky site", 15.57, 108.48),)),
        Project("XX-2", "B", locations=(Location("Da Nang and Tam Ky"),)),
    ]
    linked, review = link_locations(projects, PLACES)
    assert linked[0].cities == ("Tam Ky",)
    assert linked[1].cities == ()
    assert [(r.project, set(r.candidates)) for r in review] == [("XX-2", {"Da Nang", "Tam Ky"})]
