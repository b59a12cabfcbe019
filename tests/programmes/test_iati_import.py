"""IATI 2.03 import: activities, currencies, extensions and errors with line numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cityops.errors import InvalidInput
from cityops.programmes import Project, XMLRejected, parse_iati


def by_id(projects: list[Project], identifier: str) -> Project:
    return next(p for p in projects if p.iati_identifier == identifier)


def test_imports_every_activity_in_file_order(imported: list[Project]) -> None:
    assert [p.iati_identifier for p in imported] == [
        "XX-TEST-FUNDER-A-001",
        "XX-TEST-FUNDER-B-7",
        "XX-TEST-FUNDER-A-002",
    ]


def test_activity_fields(imported: list[Project]) -> None:
    p = by_id(imported, "XX-TEST-FUNDER-A-001")
    assert p.title == "Flood early-warning sensors for River City"  # default-language narrative
    assert p.description == "River gauges and a warning service."
    assert p.status == 2
    assert (p.planned_start, p.actual_start, p.planned_end, p.actual_end) == (
        date(2021, 1, 1),
        date(2021, 2, 1),
        date(2023, 12, 31),
        None,
    )
    assert [f.name for f in p.funders] == ["Example Funder A"]
    assert [i.name for i in p.implementers] == ["River City People's Committee"]
    assert p.implementers[0].type == "11" and p.implementers[0].ref is None
    assert p.reporting_org is not None and p.reporting_org.ref == "XX-TEST-FUNDER-A"
    assert p.sector_codes == ("74020", "43030")
    assert p.sectors[0].percentage == Decimal(60)
    assert p.cities == ("River City",)
    assert p.locations[0].name == "River City gauge 1"
    assert (p.locations[0].lat, p.locations[0].lon) == (15.5, 108.5)
    result = p.results[0]
    assert (
        result.indicator,
        result.baseline,
        result.baseline_year,
        result.target,
        result.actual,
    ) == ("Number of river gauges reporting", "0", 2020, "12", "9")


def test_budgets_and_transactions_keep_their_currency(imported: list[Project]) -> None:
    a = by_id(imported, "XX-TEST-FUNDER-A-001")
    assert [(b.period_start.year, b.amount.value, b.amount.currency) for b in a.budgets] == [
        (2021, Decimal(400000), "USD"),
        (2022, Decimal(600000), "USD"),
    ]
    assert [(t.type, t.amount.value, t.amount.currency) for t in a.transactions] == [
        (2, Decimal(1000000), "USD"),
        (3, Decimal("250000.50"), "USD"),
    ]
    assert a.transactions[1].provider is not None
    assert a.transactions[1].provider.ref == "XX-TEST-FUNDER-A"
    b = by_id(imported, "XX-TEST-FUNDER-B-7")
    # default-currency KRW applies unless the value names its own currency
    assert b.budgets[0].amount.currency == "KRW"
    assert [(t.amount.currency, t.amount.value_date) for t in b.transactions] == [
        ("KRW", date(2022, 3, 10)),
        ("USD", date(2022, 9, 1)),
    ]


def test_publisher_extension_namespace_is_tolerated(imported: list[Project]) -> None:
    # activity 3 has acme:* elements (one between title and description) and attributes
    p = by_id(imported, "XX-TEST-FUNDER-A-002")
    assert p.description == "Pilot in Hill Town."
    assert p.budgets[0].amount.currency == "EUR"


MINIMAL = """<iati-activities version="2.03" xmlns:x="http://example.org/x">
  <iati-activity default-currency="USD">
    <iati-identifier>XX-1</iati-identifier>
    <reporting-org ref="XX" type="10"><narrative>X</narrative></reporting-org>
    <title><narrative>T</narrative></title>
    {between}
    <description><narrative>D</narrative></description>
    <participating-org role="1"><narrative>F</narrative></participating-org>
    <activity-status code="2"/>
    <activity-date type="1" iso-date="2022-01-01"/>
    {body}
  </iati-activity>
</iati-activities>"""


def minimal(between: str = "", body: str = "") -> bytes:
    return MINIMAL.format(between=between, body=body).encode()


def test_extension_element_in_other_namespace_accepted() -> None:
    projects = parse_iati(minimal(between='<x:score x:scale="5">4</x:score>'))
    assert projects[0].title == "T"


def test_unknown_element_without_namespace_rejected_with_line() -> None:
    with pytest.raises(XMLRejected) as err:
        parse_iati(minimal(between="<score>4</score>"))
    assert err.value.line == 6
    assert "not valid IATI 2.03" in err.value.message
    assert "score" in err.value.message


def test_value_without_any_currency_is_refused_with_line() -> None:
    doc = minimal(
        body="""<budget><period-start iso-date="2022-01-01"/>
      <period-end iso-date="2022-12-31"/><value value-date="2022-01-01">5</value></budget>"""
    )
    doc = doc.replace(b' default-currency="USD"', b"")
    with pytest.raises(InvalidInput) as err:
        parse_iati(doc)
    assert err.value.field == "budget.value.currency"
    assert "line 12" in err.value.message


def test_model_error_names_field_and_line() -> None:
    doc = minimal(body='<sector vocabulary="1" code="430"/>')
    with pytest.raises(XMLRejected) as err:
        parse_iati(doc)
    assert err.value.field == "sector.code"
    assert err.value.line == 11
    assert "5-digit" in err.value.message


def test_budget_ending_before_it_starts_is_refused() -> None:
    doc = minimal(
        body="""<budget><period-start iso-date="2022-12-31"/>
      <period-end iso-date="2022-01-01"/><value value-date="2022-01-01">5</value></budget>"""
    )
    with pytest.raises(XMLRejected) as err:
        parse_iati(doc)
    assert err.value.field == "budget.period_end"


def test_wrong_root_element_refused() -> None:
    with pytest.raises(XMLRejected) as err:
        parse_iati(b"<iati-organisations version='2.03'/>")
    assert "expected <iati-activities>" in err.value.message
