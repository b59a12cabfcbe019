"""The demo register holds the programmes of the issue with exactly the figures it gives."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from lxml import etree

from cityops.programmes import Project, demo_projects, export_csv, export_iati, totals

SHARED_SCHEMA = "/work/shared/reference/iati/iati-activities-schema.xsd"


def by_title(title: str) -> Project:
    return next(p for p in demo_projects() if p.title == title)


def test_demo_figures_are_those_stated() -> None:
    envelopes = {p.title: p.envelope for p in demo_projects() if p.envelope}
    assert {t: (e.value, e.currency) for t, e in envelopes.items()} == {
        "U.S.–ASEAN Smart Cities Partnership": (Decimal(10_000_000), "USD"),
        "Tam Ky smart-city data platform": (Decimal(11_000_000), "USD"),
        "Green New Deal Fund": (Decimal(5_000_000), "USD"),
        "U.S.–ASEAN Climate Futures": (Decimal(20_500_000), "USD"),
    }
    tam_ky = by_title("Tam Ky smart-city data platform")
    assert (tam_ky.planned_start, tam_ky.planned_end) == (date(2020, 1, 1), date(2022, 12, 31))
    assert [f.name for f in tam_ky.funders] == ["Korea International Cooperation Agency (KOICA)"]
    assert tam_ky.cities == ("Tam Ky",)


def test_every_demo_project_exports_to_valid_iati() -> None:
    projects = demo_projects()
    assert all(p.iati_identifier for p in projects)
    root = etree.fromstring(export_iati(projects))
    schema = etree.XMLSchema(etree.parse(str(SHARED_SCHEMA)))
    schema.assertValid(root)
    assert len(root.findall("iati-activity")) == 7


def test_yearly_money_adds_up_to_the_published_figure() -> None:
    for project in demo_projects():
        committed = sum(t.amount.value for t in project.transactions if t.type == 2)
        disbursed = sum(t.amount.value for t in project.transactions if t.type == 3)
        if project.envelope is None:  # named without a figure: nothing invented
            assert project.transactions == () and project.budgets == ()
            continue
        assert committed == project.envelope.value
        assert 0 < disbursed <= committed


def test_demo_totals_name_every_funder_with_money() -> None:
    rows = {r.key: r for r in totals(demo_projects(), "funder", "USD").rows}
    assert set(rows) == {
        "United States Government",
        "Korea International Cooperation Agency (KOICA)",
        "Government of the Republic of Korea",
        "ASEAN–Korea Cooperation Fund",
        "Green Climate Fund",
        "Global Green Growth Institute (GGGI)",
    }
    assert rows["United States Government"].committed == Decimal(30_500_000)
    assert rows["Korea International Cooperation Agency (KOICA)"].disbursed == Decimal(11_000_000)
    assert rows["Green Climate Fund"].committed == 0


def test_demo_totals_by_funder() -> None:
    report = totals(demo_projects(), "funder", "USD")
    announced = {r.key: r.announced for r in report.rows}
    assert announced["United States Government"] == Decimal(30_500_000)


def test_csv_export_one_row_per_project_with_totals_per_currency(imported: list[Project]) -> None:
    text = export_csv([*imported, *demo_projects()])
    reader = list(csv.DictReader(io.StringIO(text)))
    assert len(reader) == len(imported) + len(demo_projects())
    first = reader[0]
    assert first["iati_identifier"] == "XX-TEST-FUNDER-A-001"
    assert first["committed_USD"] == "1000000"
    assert first["disbursed_USD"] == "250000.50"
    assert first["budgeted_KRW"] == "0"
    second = reader[1]
    assert (second["budgeted_KRW"], second["committed_KRW"], second["disbursed_USD"]) == (
        "1300000000",
        "2600000000",
        "150000",
    )
    assert reader[2]["budgeted_EUR"] == "80000"
    tam_ky = next(r for r in reader if r["title"] == "Tam Ky smart-city data platform")
    assert tam_ky["announced_USD"] == "11000000"
    assert tam_ky["sectors"] == "22040; 43030"


def test_csv_cells_cannot_become_formulas() -> None:
    text = export_csv([Project(None, '=HYPERLINK("http://x.invalid")')])
    assert next(csv.DictReader(io.StringIO(text)))["title"].startswith("'=")
