"""Coordination view: overlapping projects of different funders, and gaps."""

from __future__ import annotations

from datetime import date

from cityops.programmes import Gap, Participant, Project, Sector, coordination, overlaps


def project(
    key: str,
    funder: str,
    start: date | None,
    end: date | None,
    *,
    cities: tuple[str, ...] = ("Tam Ky",),
    sectors: tuple[str, ...] = ("43030",),
    status: int = 2,
) -> Project:
    return Project(
        key,
        f"Project {key}",
        participants=[Participant(funder, "funding")],
        cities=cities,
        sectors=[Sector(s) for s in sectors],
        status=status,
        planned_start=start,
        planned_end=end,
    )


def test_overlap_of_different_funders_in_same_city_and_sector() -> None:
    a = project("A", "KOICA", date(2020, 1, 1), date(2022, 12, 31), sectors=("22040", "43030"))
    b = project(
        "B",
        "USAID",
        date(2022, 6, 1),
        date(2024, 5, 31),
        cities=("Tam Ky", "Da Nang"),
        sectors=("43030",),
    )
    [found] = overlaps([a, b])
    assert (found.city, found.sector, found.first, found.second) == ("Tam Ky", "43030", "A", "B")
    assert (found.first_funders, found.second_funders) == (("KOICA",), ("USAID",))
    assert (found.start, found.end) == (date(2022, 6, 1), date(2022, 12, 31))


def test_no_overlap_for_same_funder_other_sector_or_disjoint_time() -> None:
    base = project("A", "KOICA", date(2020, 1, 1), date(2022, 12, 31))
    same_funder = project("B", "KOICA", date(2021, 1, 1), date(2021, 12, 31))
    other_sector = project("C", "USAID", date(2021, 1, 1), date(2021, 12, 31), sectors=("14015",))
    later = project("D", "USAID", date(2023, 1, 1), date(2023, 12, 31))
    other_city = project("E", "USAID", date(2021, 1, 1), date(2021, 12, 31), cities=("Hue",))
    cancelled = project("F", "USAID", date(2021, 1, 1), date(2021, 12, 31), status=5)
    assert overlaps([base, same_funder, other_sector, later, other_city, cancelled]) == ()


def test_open_ended_projects_overlap_from_the_later_start() -> None:
    a = project("A", "KOICA", date(2020, 1, 1), None)
    b = project("B", "GCF", date(2021, 3, 1), None)
    [found] = overlaps([a, b])
    assert (found.start, found.end) == (date(2021, 3, 1), None)


def test_gaps_are_city_sector_years_without_an_active_project() -> None:
    a = project("A", "KOICA", date(2020, 1, 1), date(2021, 6, 30))
    b = project(
        "B", "USAID", date(2021, 1, 1), date(2022, 12, 31), cities=("Da Nang",), sectors=("74020",)
    )
    undated = project("U", "GGGI", None, None)
    report = coordination([a, b, undated])
    assert report.overlaps == ()
    assert report.undated == ("U",)
    assert set(report.gaps) == {
        Gap(2020, "Da Nang", "43030"),
        Gap(2020, "Da Nang", "74020"),
        Gap(2020, "Tam Ky", "74020"),
        Gap(2021, "Da Nang", "43030"),
        Gap(2021, "Tam Ky", "74020"),
        Gap(2022, "Da Nang", "43030"),
        Gap(2022, "Tam Ky", "43030"),
        Gap(2022, "Tam Ky", "74020"),
    }


def test_gaps_for_chosen_years_cities_and_sectors() -> None:
    a = project("A", "KOICA", date(2020, 1, 1), date(2022, 12, 31))
    report = coordination([a], years=[2022, 2023], cities=["Tam Ky"], sectors=["43030"])
    assert report.gaps == (Gap(2023, "Tam Ky", "43030"),)


def test_fixture_projects_overlap_in_river_city(imported: list[Project]) -> None:
    report = coordination(imported)
    assert [(o.city, o.sector, o.first, o.second) for o in report.overlaps] == [
        ("River City", "74020", "XX-TEST-FUNDER-A-001", "XX-TEST-FUNDER-B-7")
    ]
    assert report.overlaps[0].start == date(2022, 3, 1)
    assert report.overlaps[0].end == date(2023, 12, 31)
