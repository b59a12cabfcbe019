"""Totals by city, funder, sector and year in one currency, and the timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cityops.errors import InvalidInput
from cityops.programmes import Project, load_rates, spans, timeline, totals
from cityops.programmes.analysis import COLUMNS, TotalsReport


def rows(report: TotalsReport) -> dict[str, dict[str, Decimal]]:
    return {r.key: {c: getattr(r, c) for c in COLUMNS} for r in report.rows}


def test_totals_by_year_in_usd(imported: list[Project], rates_csv: str) -> None:
    report = totals(imported, "year", "USD", load_rates(rates_csv))
    got = rows(report)
    assert got["2021"]["budgeted"] == Decimal(400000)
    assert got["2021"]["committed"] == Decimal(1000000)
    assert got["2021"]["disbursed"] == Decimal("250000.50")
    # 1.3e9 KRW at 0.0008 (2022-01-01 rate); the USD 600k budget is indicative (kept apart)
    assert got["2022"]["budgeted"] == Decimal(1040000)
    assert got["2022"]["indicative"] == Decimal(600000)
    assert got["2022"]["committed"] == Decimal(2080000)
    assert got["2022"]["disbursed"] == Decimal(150000)
    assert got["2023"]["budgeted"] == Decimal(84000)  # 80k EUR at 1.05
    assert {(r.currency, r.date) for r in report.rates_used} == {
        ("KRW", date(2022, 1, 1)),
        ("EUR", date(2023, 1, 1)),
    }


def test_totals_by_sector_share_by_percentage(imported: list[Project], rates_csv: str) -> None:
    got = rows(totals(imported, "sector", "USD", load_rates(rates_csv)))
    # 74020 gets 60% of A-001 and half of B-7 (no percentages: shared evenly)
    assert got["74020"]["committed"] == Decimal(600000) + Decimal(1040000)
    assert got["74020"]["disbursed"] == Decimal("150000.30") + Decimal(75000)
    assert got["14015"]["budgeted"] == Decimal(84000)


def test_totals_by_city_and_funder(imported: list[Project], rates_csv: str) -> None:
    table = load_rates(rates_csv)
    by_city = rows(totals(imported, "city", "USD", table))
    assert set(by_city) == {"River City", "(no city)"}
    assert by_city["(no city)"]["budgeted"] == Decimal(84000)
    by_funder = rows(totals(imported, "funder", "USD", table))
    assert by_funder["Example Funder A"]["disbursed"] == Decimal("250000.50")
    assert by_funder["Example Funder B"]["committed"] == Decimal(2080000)


def test_every_breakdown_adds_up_to_the_same_total(imported: list[Project], rates_csv: str) -> None:
    table = load_rates(rates_csv)
    grand = None
    for by in ("city", "funder", "sector", "year"):
        report = totals(imported, by, "KRW", table)  # type: ignore[arg-type]
        sums = tuple(sum((getattr(r, c) for r in report.rows), Decimal(0)) for c in COLUMNS)
        rounded = tuple(round(s, 6) for s in sums)
        grand = grand or rounded
        assert rounded == grand


def test_totals_refuse_unknown_dimension_and_unconvertible_currency(
    imported: list[Project],
) -> None:
    with pytest.raises(InvalidInput) as err:
        totals(imported, "country", "USD")  # type: ignore[arg-type]
    assert err.value.field == "by"
    with pytest.raises(InvalidInput) as err:
        totals(imported, "year", "USD")  # KRW and EUR, no table
    assert "KRW" in err.value.message


def test_timeline_is_in_date_order(imported: list[Project]) -> None:
    events = timeline(imported)
    assert [e.date for e in events] == sorted(e.date for e in events)
    first = events[0]
    assert (first.date, first.kind, first.project) == (
        date(2021, 1, 1),
        "planned start",
        "XX-TEST-FUNDER-A-001",
    )
    kinds = {e.kind for e in events}
    assert {"committed", "disbursed", "planned end", "actual start"} <= kinds


def test_spans_order_by_start(imported: list[Project]) -> None:
    result = spans(imported)
    assert [s.project for s in result] == [
        "XX-TEST-FUNDER-A-001",
        "XX-TEST-FUNDER-B-7",
        "XX-TEST-FUNDER-A-002",
    ]
    assert result[0].start == date(2021, 2, 1)  # actual start wins over planned
    assert result[2].end is None
