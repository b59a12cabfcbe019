"""Re-import semantics: an activity imported again updates the register, never duplicates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from cityops.programmes import Milestone, Money, Project, merge_reimported, parse_iati


def test_reimport_of_same_file_changes_nothing(
    imported: list[Project], activities_xml: bytes
) -> None:
    result = merge_reimported(imported, parse_iati(activities_xml))
    assert result.projects == tuple(imported)
    assert result.added == () and result.updated == ()
    assert len(result.unchanged) == 3


def test_reimport_updates_by_identifier_and_adds_new(
    imported: list[Project], activities_xml: bytes
) -> None:
    changed = activities_xml.replace(b'<activity-status code="1"/>', b'<activity-status code="2"/>')
    changed = changed.replace(b"XX-TEST-FUNDER-B-7", b"XX-TEST-FUNDER-B-8")
    register = list(imported)
    result = merge_reimported(register, parse_iati(changed))
    assert len(result.projects) == 4  # B-8 is new; nothing duplicated
    assert [p.iati_identifier for p in result.projects].count("XX-TEST-FUNDER-A-002") == 1
    assert result.updated == ("XX-TEST-FUNDER-A-002",)
    assert result.added == ("XX-TEST-FUNDER-B-8",)
    assert result.projects[2].status == 2
    assert register == imported  # the input is not modified


def test_local_fields_survive_a_reimport_that_lacks_them(imported: list[Project]) -> None:
    local = replace(
        imported[2],
        cities=("Hill Town",),
        milestones=(Milestone("Pilot starts", date(2023, 3, 1)),),
        envelope=Money("90000", "EUR"),
    )
    fresh = replace(imported[2], title="Water conservation pilot (phase 1)")
    result = merge_reimported([local], [fresh])
    [merged] = result.projects
    assert merged.title == "Water conservation pilot (phase 1)"
    assert merged.cities == ("Hill Town",)
    assert merged.milestones == local.milestones
    assert merged.envelope == local.envelope
    assert result.updated == (fresh.key,)


def test_projects_without_identifier_are_added() -> None:
    local = Project(None, "Unregistered pilot")
    result = merge_reimported([local], [Project(None, "Unregistered pilot")])
    assert len(result.projects) == 2
