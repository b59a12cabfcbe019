"""Currency conversion with an operator-loaded rates table; the rates used are reported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cityops.errors import InvalidInput
from cityops.programmes import Money, Rate, convert, load_rates


def test_converts_with_rate_nearest_before_value_date(rates_csv: str) -> None:
    table = load_rates(rates_csv, base="USD")
    result = convert(
        [
            Money("1000000", "KRW", date(2021, 6, 30)),  # uses 2021-01-01: 0.0009
            Money("1000000", "KRW", date(2022, 1, 1)),  # same day counts: 0.0008
            Money("1000000", "KRW", date(2022, 7, 1)),  # uses 2022-06-01: 0.00075
            Money("10", "USD", date(2022, 7, 1)),  # already in target: no rate
        ],
        table,
        "USD",
    )
    assert [m.value for m in result.amounts] == [
        Decimal(900),
        Decimal(800),
        Decimal(750),
        Decimal(10),
    ]
    assert all(m.currency == "USD" for m in result.amounts)
    assert result.total == Decimal(2460)
    assert result.rates_used == (
        Rate("KRW", date(2021, 1, 1), Decimal("0.0009"), "USD"),
        Rate("KRW", date(2022, 1, 1), Decimal("0.0008"), "USD"),
        Rate("KRW", date(2022, 6, 1), Decimal("0.00075"), "USD"),
    )


def test_cross_rate_goes_through_the_base_and_reports_both_rates(rates_csv: str) -> None:
    table = load_rates(rates_csv)
    result = convert([Money("1100", "EUR", date(2022, 7, 1))], table, "KRW")
    # 1100 EUR * 1.10 USD/EUR / 0.00075 USD/KRW
    assert result.total == Decimal(1100) * Decimal("1.10") / Decimal("0.00075")
    assert {(r.currency, r.date) for r in result.rates_used} == {
        ("EUR", date(2022, 1, 1)),
        ("KRW", date(2022, 6, 1)),
    }


def test_amount_without_value_date_uses_latest_rate(rates_csv: str) -> None:
    result = convert([Money("100", "EUR")], load_rates(rates_csv), "USD")
    assert result.total == Decimal(105)
    assert result.rates_used[0].date == date(2023, 1, 1)


@pytest.mark.parametrize("currency", ["THB", "VND"])
def test_unknown_currency_is_named(rates_csv: str, currency: str) -> None:
    with pytest.raises(InvalidInput) as err:
        convert([Money("1", currency, date(2022, 1, 1))], load_rates(rates_csv), "USD")
    assert currency in err.value.message
    assert err.value.field == "currency"


def test_unknown_target_currency_is_named(rates_csv: str) -> None:
    with pytest.raises(InvalidInput) as err:
        convert([Money("1", "KRW", date(2022, 1, 1))], load_rates(rates_csv), "SGD")
    assert "SGD" in err.value.message


def test_no_rate_before_value_date(rates_csv: str) -> None:
    with pytest.raises(InvalidInput) as err:
        convert([Money("1", "KRW", date(2020, 12, 31))], load_rates(rates_csv), "USD")
    assert "KRW" in err.value.message and "2020-12-31" in err.value.message


def test_same_currency_needs_no_table() -> None:
    result = convert([Money("5", "USD"), Money("7.5", "USD")], None, "USD")
    assert result.total == Decimal("12.5") and result.rates_used == ()
    with pytest.raises(InvalidInput):
        convert([Money("5", "EUR")], None, "USD")


@pytest.mark.parametrize(
    ("csv_text", "message", "field"),
    [
        ("date,currency,rate\n2022-01-01,KRW,0.0008\n2022-01-02,KRW,abc\n", "rates line 3", "rate"),
        ("date,currency,rate\n2022-13-01,KRW,0.0008\n", "rates line 2", "date"),
        ("date,currency,rate\n2022-01-01,krw,0.0008\n", "rates line 2", "currency"),
        ("date,currency,rate\n2022-01-01,KRW,-1\n", "positive", "rate"),
        ("date,currency,rate\n2022-01-01,USD,2\n", "base currency USD", "rate"),
        ("date,currency,rate\n2022-01-01,KRW,1\n2022-01-01,KRW,2\n", "two rates", "date"),
        ("day,code,value\n2022-01-01,KRW,1\n", "columns", "rates"),
        # over the csv module's field limit (found by schemathesis: was a 500)
        ("date,currency,rate\n2022-01-01,KRW," + "9" * 200_000 + "\n", "rates line 2", "rates"),
    ],
)
def test_bad_rates_table_names_line_and_field(csv_text: str, message: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        load_rates(csv_text)
    assert message in err.value.message
    assert err.value.field == field


def test_rates_table_accepts_bytes_with_bom_and_rate_to_base_header() -> None:
    table = load_rates(
        "\ufeffdate, currency, rate-to-base\n2022-01-01, EUR, 1.1\n".encode(), base="USD"
    )
    assert table.currencies == {"EUR", "USD"}
