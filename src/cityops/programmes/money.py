"""Currency conversion with an exchange-rate table the operator loads (no network look-ups).

The table is a CSV file with the columns ``date,currency,rate``: ``rate`` is the value of
one unit of ``currency`` in the table's base currency on that date (e.g. with base USD,
``2021-06-30,KRW,0.000885`` says one won was worth 0.000885 dollars). An amount is
converted with the rate of the latest date on or before its value date, and every
conversion reports the rates it used so that a figure can be checked.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from cityops.errors import InvalidInput
from cityops.programmes import _check as check
from cityops.programmes.model import Money

_RATE_COLUMNS = ("rate", "rate_to_base", "rate-to-base")


@dataclass(frozen=True, slots=True, order=True)
class Rate:
    """One row of the table: 1 ``currency`` = ``rate`` units of ``base`` on ``date``.

    ``source`` says where the rate comes from (the ECB, or the city's loaded table)."""

    currency: str
    date: date
    rate: Decimal
    base: str
    source: str = "city table"


@dataclass(frozen=True)
class RatesTable:
    """Exchange rates to one base currency, by currency, sorted by date."""

    base: str
    rates: Mapping[str, tuple[Rate, ...]]

    @property
    def currencies(self) -> frozenset[str]:
        """Currencies the table can convert, the base included."""
        return frozenset(self.rates) | {self.base}

    def rate_for(self, currency: str, when: date | None) -> Rate | None:
        """The rate of the latest date on or before ``when`` (the latest of all if None).

        Returns None for the base currency (its rate is 1 by definition). Raises
        InvalidInput naming the currency when the table has no usable rate.
        """
        if currency == self.base:
            return None
        series = self.rates.get(currency)
        if not series:
            raise InvalidInput(f"no exchange rate for currency {currency}", field="currency")
        if when is None:
            return series[-1]
        index = bisect.bisect_right([r.date for r in series], when)
        if index == 0:
            raise InvalidInput(
                f"no exchange rate for {currency} on or before {when.isoformat()}",
                field="currency",
            )
        return series[index - 1]


class Rates(Protocol):
    """What conversion needs of a rates source: a table, or the ECB plus a table."""

    @property
    def base(self) -> str: ...

    @property
    def currencies(self) -> frozenset[str]: ...

    def rate_for(self, currency: str, when: date | None) -> Rate | None: ...


def _parse_row(row: dict[str, str], line: int, base: str) -> Rate:
    column = next((c for c in _RATE_COLUMNS if c in row), "rate")
    where = f"rates line {line}"
    try:
        when = check.date_value(row.get("date") or "", "date")
        currency = check.currency_code(row.get("currency") or "", "currency")
        rate = check.decimal_value(row.get(column) or "", "rate")
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}", field=exc.field) from None
    if rate <= 0:
        raise InvalidInput(f"{where}: rate must be positive", field="rate")
    if currency == base and rate != 1:
        raise InvalidInput(f"{where}: the base currency {base} must have rate 1", field="rate")
    return Rate(currency, when, rate, base)


def load_rates(source: str | bytes | Iterable[str], *, base: str = "USD") -> RatesTable:
    """Load a ``date,currency,rate`` CSV table (header required) into a RatesTable.

    Raises InvalidInput naming the line and field of a bad row, or a date given twice for
    one currency.
    """
    base = check.currency_code(base, "base")
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig")
    lines = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.DictReader(lines, skipinitialspace=True)
    try:
        return _read_rates(reader, base)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise InvalidInput(f"rates line {reader.line_num + 1}: {exc}", field="rates") from None


def _read_rates(reader: csv.DictReader[str], base: str) -> RatesTable:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "date" not in header or "currency" not in header or not set(_RATE_COLUMNS) & set(header):
        raise InvalidInput("the rates table needs the columns date, currency, rate", field="rates")
    reader.fieldnames = header
    by_currency: dict[str, dict[date, Rate]] = {}
    for line, row in enumerate(reader, start=2):
        rate = _parse_row({k: (v or "").strip() for k, v in row.items() if k}, line, base)
        if rate.currency == base:
            continue
        series = by_currency.setdefault(rate.currency, {})
        if rate.date in series and series[rate.date].rate != rate.rate:
            raise InvalidInput(
                f"rates line {line}: two rates for {rate.currency} on {rate.date}", field="date"
            )
        series[rate.date] = rate
    return RatesTable(base, {c: tuple(sorted(s.values())) for c, s in by_currency.items()})


@dataclass(frozen=True)
class Conversion:
    """Converted amounts (in input order), their total, and the rates that were used."""

    currency: str
    total: Decimal
    amounts: tuple[Money, ...]
    rates_used: tuple[Rate, ...]


def convert_one(money: Money, rates: Rates | None, target: str) -> tuple[Money, list[Rate]]:
    """Convert one amount to ``target`` through the table's base; return it and its rates."""
    if money.currency == target:
        return money, []
    if rates is None:
        raise InvalidInput(
            f"no exchange-rate table to convert {money.currency} to {target}", field="currency"
        )
    for code in (money.currency, target):
        if code not in rates.currencies:
            raise InvalidInput(f"no exchange rate for currency {code}", field="currency")
    from_rate = rates.rate_for(money.currency, money.value_date)
    to_rate = rates.rate_for(target, money.value_date)
    value = money.value * (from_rate.rate if from_rate else Decimal(1))
    value = value / (to_rate.rate if to_rate else Decimal(1))
    used = [r for r in (from_rate, to_rate) if r is not None]
    return Money(value, target, money.value_date), used


def convert(
    amounts: Iterable[Money], rates_table: Rates | None, target_currency: str
) -> Conversion:
    """Convert amounts to ``target_currency`` and total them, reporting the rates used.

    Each amount uses the rates of the latest date on or before its value date (the latest
    rates if it has none). Amounts already in the target currency need no rate. Raises
    InvalidInput naming an unknown currency. Results are not rounded.
    """
    target = check.currency_code(target_currency, "target_currency")
    converted: list[Money] = []
    used: set[Rate] = set()
    for money in amounts:
        if not isinstance(money, Money):
            raise InvalidInput("amounts must be Money values", field="amounts")
        result, rates = convert_one(money, rates_table, target)
        converted.append(result)
        used.update(rates)
    total = sum((m.value for m in converted), Decimal(0))
    return Conversion(target, total, tuple(converted), tuple(sorted(used)))
