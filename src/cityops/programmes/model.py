"""Domain model of the cooperation-programme register (pure: no database, no HTTP).

Values are frozen dataclasses that validate and normalise themselves on construction:
lists become tuples, numbers become :class:`~decimal.Decimal`, ISO strings become dates.
A bad value raises :class:`~cityops.errors.InvalidInput` whose ``field`` names it.
Amounts always stay in their own currency; see :mod:`cityops.programmes.money` to convert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cityops.errors import InvalidInput
from cityops.programmes import _check as check
from cityops.programmes.codes import (
    ACTIVITY_STATUS,
    BUDGET_STATUS,
    BUDGET_TYPES,
    DAC_5_DIGIT,
    INDICATOR_MEASURES,
    ORGANISATION_TYPES,
    RESULT_TYPES,
    ROLE_BY_CODE,
    TRANSACTION_TYPES,
)

ROLES = tuple(ROLE_BY_CODE.values())


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency; ``value_date`` is the date its exchange rate is taken on."""

    value: Decimal
    currency: str
    value_date: date | None = None

    def __post_init__(self) -> None:
        _set(self, "value", check.decimal_value(self.value, "value"))
        _set(self, "currency", check.currency_code(self.currency, "currency"))
        _set(self, "value_date", check.optional_date(self.value_date, "value_date"))


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation as IATI names it: a name, an optional IATI org ref and type code."""

    name: str
    ref: str | None = None
    type: str | None = None

    def __post_init__(self) -> None:
        _set(self, "name", check.text(self.name, "name"))
        _set(self, "ref", check.optional_text(self.ref, "ref"))
        if not self.name and not self.ref:
            raise InvalidInput("an organisation needs a name or an IATI ref", field="name")
        if self.type is not None:
            _set(self, "type", check.code_in(self.type, ORGANISATION_TYPES, "type"))

    @property
    def key(self) -> str:
        """Identity used to compare organisations: the IATI ref, else the name."""
        return self.ref or self.name


@dataclass(frozen=True, slots=True)
class Participant:
    """An organisation taking part in a project: funding, implementing, accountable, extending."""

    name: str
    role: str
    ref: str | None = None
    type: str | None = None

    def __post_init__(self) -> None:
        org = Organisation(self.name, self.ref, self.type)
        _set(self, "name", org.name)
        _set(self, "ref", org.ref)
        _set(self, "type", org.type)
        role = ROLE_BY_CODE.get(str(self.role).strip(), str(self.role).strip().lower())
        _set(self, "role", check.code_in(role, ROLES, "role"))

    @property
    def key(self) -> str:
        """Identity used to compare participants: the IATI ref, else the name."""
        return self.ref or self.name


@dataclass(frozen=True, slots=True)
class Sector:
    """A purpose code; vocabulary 1 is the OECD-DAC 5-digit list (e.g. 43030)."""

    code: str
    vocabulary: str = DAC_5_DIGIT
    percentage: Decimal | None = None

    def __post_init__(self) -> None:
        _set(self, "code", check.text(str(self.code), "code", required=True))
        _set(self, "vocabulary", check.text(str(self.vocabulary), "vocabulary", required=True))
        if self.vocabulary == DAC_5_DIGIT and not (len(self.code) == 5 and self.code.isdigit()):
            raise InvalidInput(
                f"sector code {self.code!r} is not a 5-digit OECD-DAC purpose code", field="code"
            )
        pct = check.optional_decimal(self.percentage, "percentage")
        if pct is not None and not Decimal(0) <= pct <= Decimal(100):
            raise InvalidInput("percentage must be between 0 and 100", field="percentage")
        _set(self, "percentage", pct)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A recipient country (ISO 3166-1 alpha-2) or region (vocabulary + code), with its share."""

    code: str
    kind: str = "country"
    percentage: Decimal | None = None
    vocabulary: str | None = None

    def __post_init__(self) -> None:
        _set(self, "kind", check.code_in(self.kind, ("country", "region"), "kind"))
        code = check.text(str(self.code), "code", required=True)
        if self.kind == "country":
            if not (len(code) == 2 and code.isalpha()):
                raise InvalidInput(f"country code {code!r} is not ISO 3166-1 alpha-2", field="code")
            code = code.upper()
        _set(self, "code", code)
        _set(self, "vocabulary", check.optional_text(self.vocabulary, "vocabulary"))
        pct = check.optional_decimal(self.percentage, "percentage")
        if pct is not None and not Decimal(0) <= pct <= Decimal(100):
            raise InvalidInput("percentage must be between 0 and 100", field="percentage")
        _set(self, "percentage", pct)


@dataclass(frozen=True, slots=True)
class Text:
    """A translation of a project's title or description into another language (xml:lang)."""

    field: str
    lang: str
    text: str

    def __post_init__(self) -> None:
        _set(self, "field", check.code_in(self.field, ("title", "description"), "field"))
        lang = check.text(self.lang, "lang", required=True).lower()
        if not 2 <= len(lang) <= 8 or not lang.replace("-", "").isalnum():
            raise InvalidInput(f"language {lang!r} is not a language code", field="lang")
        _set(self, "lang", lang)
        _set(self, "text", check.text(self.text, "text", required=True))


def _optional_datetime(value: Any, field: str) -> datetime | None:
    """A timezone-aware datetime (naive ones are taken as UTC); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{field} {value!r} is not an ISO 8601 time", field=field) from None
    if not isinstance(value, datetime):
        raise InvalidInput(f"{field} must be a date and time", field=field)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Budget:
    """A budget for one period. The value date defaults to the period start.

    ``type`` is IATI BudgetType (1 original, 2 revised), ``status`` BudgetStatus (1
    indicative, 2 committed); None where the publisher gave none (IATI reads that as
    original and indicative). Totals keep indicative and committed budgets apart.
    """

    period_start: date
    period_end: date
    amount: Money
    type: str | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        if self.type is not None:
            _set(self, "type", check.code_in(str(self.type), BUDGET_TYPES, "type"))
        if self.status is not None:
            _set(self, "status", check.code_in(str(self.status), BUDGET_STATUS, "status"))
        _set(self, "period_start", check.date_value(self.period_start, "period_start"))
        _set(self, "period_end", check.date_value(self.period_end, "period_end"))
        check.ordered(self.period_start, self.period_end, "period_end")
        if not isinstance(self.amount, Money):
            raise InvalidInput("amount must be a Money", field="amount")
        if self.amount.value_date is None:
            _set(self, "amount", Money(self.amount.value, self.amount.currency, self.period_start))


@dataclass(frozen=True, slots=True)
class Transaction:
    """A financial transaction (IATI TransactionType: 2 commitment, 3 disbursement, 4 expenditure).

    The value date defaults to the transaction date.
    """

    type: int
    date: date
    amount: Money
    provider: Organisation | None = None
    receiver: Organisation | None = None
    description: str = ""

    def __post_init__(self) -> None:
        _set(self, "type", check.code_in(self.type, TRANSACTION_TYPES, "type"))
        _set(self, "date", check.date_value(self.date, "date"))
        if not isinstance(self.amount, Money):
            raise InvalidInput("amount must be a Money", field="amount")
        if self.amount.value_date is None:
            _set(self, "amount", Money(self.amount.value, self.amount.currency, self.date))
        for name in ("provider", "receiver"):
            if getattr(self, name) is not None and not isinstance(
                getattr(self, name), Organisation
            ):
                raise InvalidInput(f"{name} must be an Organisation", field=name)
        _set(self, "description", check.text(self.description, "description"))


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated step of a project (CityOps only: IATI has no milestones)."""

    title: str
    due: date | None = None
    achieved: date | None = None

    def __post_init__(self) -> None:
        _set(self, "title", check.text(self.title, "title", required=True))
        _set(self, "due", check.optional_date(self.due, "due"))
        _set(self, "achieved", check.optional_date(self.achieved, "achieved"))


@dataclass(frozen=True, slots=True)
class Result:
    """One result indicator: baseline (with its year), target and actual for one period."""

    title: str
    indicator: str
    baseline: str | None = None
    baseline_year: int | None = None
    target: str | None = None
    actual: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    type: str = "1"
    measure: str = "1"

    def __post_init__(self) -> None:
        _set(self, "title", check.text(self.title, "title", required=True))
        _set(self, "indicator", check.text(self.indicator, "indicator", required=True))
        for name in ("baseline", "target", "actual"):
            _set(self, name, check.optional_text(getattr(self, name), name))
        if self.baseline_year is not None:
            year = check.decimal_value(self.baseline_year, "baseline_year")
            if year != year.to_integral_value() or year < 1:
                raise InvalidInput("baseline_year must be a positive year", field="baseline_year")
            _set(self, "baseline_year", int(year))
        if self.baseline is not None and self.baseline_year is None:
            raise InvalidInput("a baseline needs its year", field="baseline_year")
        _set(self, "period_start", check.optional_date(self.period_start, "period_start"))
        _set(self, "period_end", check.optional_date(self.period_end, "period_end"))
        check.ordered(self.period_start, self.period_end, "period_end")
        has_period = self.period_start is not None and self.period_end is not None
        if (self.target is not None or self.actual is not None) and not has_period:
            raise InvalidInput(
                "a target or actual needs a period start and end", field="period_start"
            )
        _set(self, "type", check.code_in(self.type, RESULT_TYPES, "type"))
        _set(self, "measure", check.code_in(self.measure, INDICATOR_MEASURES, "measure"))


@dataclass(frozen=True, slots=True)
class Location:
    """A named place, optionally with WGS 84 coordinates in decimal degrees."""

    name: str
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        _set(self, "name", check.text(self.name, "name"))
        if (self.lat is None) != (self.lon is None):
            raise InvalidInput("give both lat and lon, or neither", field="lat")
        if self.lat is not None and self.lon is not None:
            lat = float(check.decimal_value(self.lat, "lat"))
            lon = float(check.decimal_value(self.lon, "lon"))
            if not -90.0 <= lat <= 90.0:
                raise InvalidInput(f"lat {lat} is outside -90..90", field="lat")
            if not -180.0 <= lon <= 180.0:
                raise InvalidInput(f"lon {lon} is outside -180..180", field="lon")
            _set(self, "lat", lat)
            _set(self, "lon", lon)
        if not self.name and self.lat is None:
            raise InvalidInput("a location needs a name or coordinates", field="name")


@dataclass(frozen=True, slots=True)
class Project:
    """A cooperation programme or project in the register.

    ``participants`` holds every organisation with its role; :attr:`funders`,
    :attr:`implementers` and :attr:`partners` are views on it. ``envelope`` is the headline
    funding announced for the whole activity when no budget periods are known.
    """

    iati_identifier: str | None
    title: str
    description: str = ""
    participants: tuple[Participant, ...] = ()
    reporting_org: Organisation | None = None
    cities: tuple[str, ...] = ()
    sectors: tuple[Sector, ...] = ()
    status: int | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    budgets: tuple[Budget, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    results: tuple[Result, ...] = ()
    locations: tuple[Location, ...] = ()
    envelope: Money | None = field(default=None)
    recipients: tuple[Recipient, ...] = ()
    default_currency: str | None = None
    last_updated: datetime | None = None
    hierarchy: int | None = None
    translations: tuple[Text, ...] = ()

    def __post_init__(self) -> None:
        if self.default_currency is not None:
            _set(self, "default_currency", check.currency_code(self.default_currency, "currency"))
        _set(self, "last_updated", _optional_datetime(self.last_updated, "last_updated"))
        if self.hierarchy is not None:
            level = check.decimal_value(self.hierarchy, "hierarchy")
            if level != level.to_integral_value() or level < 1:
                raise InvalidInput("hierarchy must be a positive whole number", field="hierarchy")
            _set(self, "hierarchy", int(level))
        _set(self, "iati_identifier", check.optional_text(self.iati_identifier, "iati_identifier"))
        _set(self, "title", check.text(self.title, "title", required=True))
        _set(self, "description", check.text(self.description, "description"))
        if self.status is not None:
            _set(self, "status", check.code_in(self.status, ACTIVITY_STATUS, "status"))
        self._check_dates()
        self._check_collections()
        if self.reporting_org is not None and not isinstance(self.reporting_org, Organisation):
            raise InvalidInput("reporting_org must be an Organisation", field="reporting_org")
        if self.envelope is not None and not isinstance(self.envelope, Money):
            raise InvalidInput("envelope must be a Money", field="envelope")

    def _check_dates(self) -> None:
        for name in ("planned_start", "planned_end", "actual_start", "actual_end"):
            _set(self, name, check.optional_date(getattr(self, name), name))
        check.ordered(self.planned_start, self.planned_end, "planned_end")
        check.ordered(self.actual_start, self.actual_end, "actual_end")

    def _check_collections(self) -> None:
        _set(self, "participants", check.items(self.participants, Participant, "participants"))
        cities = check.items(self.cities, str, "cities")
        _set(self, "cities", tuple(check.text(c, "cities", required=True) for c in cities))
        _set(self, "sectors", check.items(self.sectors, Sector, "sectors"))
        _set(self, "budgets", check.items(self.budgets, Budget, "budgets"))
        _set(self, "transactions", check.items(self.transactions, Transaction, "transactions"))
        _set(self, "milestones", check.items(self.milestones, Milestone, "milestones"))
        _set(self, "results", check.items(self.results, Result, "results"))
        _set(self, "locations", check.items(self.locations, Location, "locations"))
        _set(self, "recipients", check.items(self.recipients, Recipient, "recipients"))
        _set(self, "translations", check.items(self.translations, Text, "translations"))

    @property
    def key(self) -> str:
        """Identity in the register: the IATI identifier, else the title."""
        return self.iati_identifier or self.title

    @property
    def funders(self) -> tuple[Participant, ...]:
        """Participants in the funding role."""
        return tuple(p for p in self.participants if p.role == "funding")

    @property
    def implementers(self) -> tuple[Participant, ...]:
        """Participants in the implementing role."""
        return tuple(p for p in self.participants if p.role == "implementing")

    @property
    def partners(self) -> tuple[Participant, ...]:
        """Participants in the accountable or extending role."""
        return tuple(p for p in self.participants if p.role in ("accountable", "extending"))

    @property
    def start(self) -> date | None:
        """Actual start if known, else planned start."""
        return self.actual_start or self.planned_start

    @property
    def end(self) -> date | None:
        """Actual end if known, else planned end."""
        return self.actual_end or self.planned_end

    @property
    def sector_codes(self) -> tuple[str, ...]:
        """The OECD-DAC 5-digit purpose codes of the project."""
        return tuple(s.code for s in self.sectors if s.vocabulary == DAC_5_DIGIT)
