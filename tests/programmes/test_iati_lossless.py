"""IATI without loss: every element the register reads comes back out, element by element."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from cityops.errors import InvalidInput
from cityops.programmes import Project, Recipient, Sector, export_iati, parse_iati, totals
from cityops.programmes.codes import CITYOPS_NS
from cityops.programmes.reference_rates import ReferenceRates

FULL = Path(__file__).parent / "data" / "full.xml"


def _elements(root: etree._Element) -> list[tuple[str, dict[str, str], str]]:
    """Every element in document order: its path, attributes and text."""
    tree = root.getroottree()
    return [
        (tree.getpath(el), dict(el.attrib), (el.text or "").strip())
        for el in root.iter()
        if isinstance(el.tag, str)
    ]


def test_full_file_round_trips_element_by_element() -> None:
    source = FULL.read_bytes()
    projects = parse_iati(source)
    generated = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    out = export_iati(projects, generated=generated)
    want = _elements(etree.fromstring(source))
    got = _elements(etree.fromstring(out))
    for w, g in zip(want, got, strict=False):
        assert g == w
    assert len(got) == len(want)


def test_import_keeps_what_was_lost_before() -> None:
    (project,) = parse_iati(FULL.read_bytes())
    assert [(r.kind, r.code, r.percentage) for r in project.recipients] == [
        ("country", "VN", Decimal(80)),
        ("region", "789", Decimal(20)),
    ]
    assert [(b.type, b.status) for b in project.budgets] == [("1", "1"), ("2", "2")]
    assert project.default_currency == "USD"
    assert project.last_updated == datetime(2024, 4, 30, 8, 15, tzinfo=UTC)
    assert project.hierarchy == 2
    assert {(t.field, t.lang) for t in project.translations} == {
        ("title", "vi"),
        ("title", "ko"),
        ("description", "vi"),
    }


def test_indicative_and_committed_budgets_are_not_summed() -> None:
    (project,) = parse_iati(FULL.read_bytes())
    (row,) = totals([project], "year", "USD", ReferenceRates()).rows[:1]
    # the revised committed budget (400k) replaces the original indicative one (300k)
    assert row.budgeted == Decimal(400000)
    assert row.indicative == Decimal(0)


def test_extension_namespace_is_kept() -> None:
    out = export_iati(parse_iati(FULL.read_bytes()))
    assert etree.fromstring(out).find(f".//{{{CITYOPS_NS}}}city").text == "Tam Ky"


def _exportable(**change: object) -> list[Project]:
    (project,) = parse_iati(FULL.read_bytes())
    return [replace(project, **change)]


def test_export_applies_the_ruleset_mandatory_rules() -> None:
    export_iati(_exportable())  # the full file passes
    sectors = (Sector("74020", percentage=Decimal(60)), Sector("43030", percentage=Decimal(30)))
    cases = {
        "recipients": {"recipients": ()},
        "recipients ": {"recipients": (Recipient("VN", percentage=Decimal(50)), Recipient("LA"))},
        "sectors": {"sectors": sectors},
        "iati_identifier": {"iati_identifier": "YY-OTHER-1"},
    }
    for field, change in cases.items():
        with pytest.raises(InvalidInput) as info:
            export_iati(_exportable(**change))
        assert info.value.field == f"projects[0].{field.strip()}"
