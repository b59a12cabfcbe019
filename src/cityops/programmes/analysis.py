"""Totals and timelines over the programme register (pure functions).

Totals are given in one chosen currency, each amount converted at its own value date
(:mod:`.money`), and the report lists the rates used. To keep every breakdown adding up to
the same grand total, an amount is shared out rather than counted twice: evenly over a
project's cities, over its DAC sectors by their percentages (evenly when none are given),
and over its funders unless a transaction names its provider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from cityops.errors import InvalidInput
from cityops.programmes import _check as check
from cityops.programmes.codes import COMMITMENT, DISBURSEMENT, EXPENDITURE
from cityops.programmes.model import Budget, Money, Organisation, Project
from cityops.programmes.money import Rate, Rates, convert_one

Dimension = Literal["city", "funder", "sector", "year"]
NO_CITY, NO_SECTOR, NO_FUNDER, NO_YEAR = "(no city)", "(no sector)", "(no funder)", "(no year)"
_KIND_BY_TYPE = {COMMITMENT: "committed", DISBURSEMENT: "disbursed", EXPENDITURE: "expended"}
COLUMNS = ("budgeted", "indicative", "committed", "disbursed", "expended", "announced")


@dataclass(frozen=True)
class TotalsRow:
    """Money per column for one key (a city, funder, sector code or year)."""

    key: str
    budgeted: Decimal = Decimal(0)
    indicative: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    expended: Decimal = Decimal(0)
    announced: Decimal = Decimal(0)


@dataclass(frozen=True)
class TotalsReport:
    """Totals by one dimension in one currency, with the exchange rates used."""

    dimension: str
    currency: str
    rows: tuple[TotalsRow, ...]
    rates_used: tuple[Rate, ...]


@dataclass(frozen=True)
class _Flow:
    column: str
    money: Money
    when: date | None
    provider: Organisation | None = None


def current_budgets(project: Project) -> list[Budget]:
    """The budgets that count: a revised budget (type 2) replaces the original ones of its
    period, so that an original and its revision are never summed."""
    revised = {(b.period_start, b.period_end) for b in project.budgets if b.type == "2"}
    return [
        b for b in project.budgets if b.type == "2" or (b.period_start, b.period_end) not in revised
    ]


def _flows(project: Project) -> Iterator[_Flow]:
    for budget in current_budgets(project):
        column = "indicative" if budget.status == "1" else "budgeted"
        yield _Flow(column, budget.amount, budget.period_start)
    for tx in project.transactions:
        kind = _KIND_BY_TYPE.get(tx.type)
        if kind is not None:
            yield _Flow(kind, tx.amount, tx.date, tx.provider)
    if project.envelope is not None:
        yield _Flow("announced", project.envelope, project.envelope.value_date or project.start)


def _even(keys: Iterable[str], empty: str) -> list[tuple[str, Decimal]]:
    unique = list(dict.fromkeys(keys))
    if not unique:
        return [(empty, Decimal(1))]
    share = Decimal(1) / len(unique)
    return [(key, share) for key in unique]


def _sector_shares(project: Project) -> list[tuple[str, Decimal]]:
    sectors = [s for s in project.sectors if s.code in project.sector_codes]
    weights = [s.percentage for s in sectors]
    if not sectors or any(w is None for w in weights) or sum(w or 0 for w in weights) == 0:
        return _even((s.code for s in sectors), NO_SECTOR)
    total = sum(w or Decimal(0) for w in weights)
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for sector in sectors:
        shares[sector.code] += (sector.percentage or Decimal(0)) / total
    return list(shares.items())


def shares(project: Project, flow: _Flow, by: Dimension) -> list[tuple[str, Decimal]]:
    """How one amount of a project is shared out over the keys of a dimension."""
    if by == "year":
        return [(str(flow.when.year) if flow.when else NO_YEAR, Decimal(1))]
    if by == "city":
        return _even(project.cities, NO_CITY)
    if by == "sector":
        return _sector_shares(project)
    if flow.provider is not None:
        return [(flow.provider.name or flow.provider.key, Decimal(1))]
    return _even((p.name or p.key for p in project.funders), NO_FUNDER)


_PLACES = Decimal("1e-9")


def _tidy(value: Decimal) -> Decimal:
    """Round away the 1e-20 residue of converting through the euro and back (keeps cents)."""
    return value.quantize(_PLACES).normalize() if value else Decimal(0)


def totals(
    projects: Iterable[Project],
    by: Dimension,
    currency: str,
    rates: Rates | None = None,
) -> TotalsReport:
    """Budgeted (committed or unstated status) and indicative budgets, committed (type 2),
    disbursed (3), expended (4) and announced money by key.

    ``by`` is "city", "funder", "sector" (OECD-DAC code) or "year" (of the transaction date,
    the budget period start, or the envelope's value date). Amounts are converted to
    ``currency`` with ``rates``; raises InvalidInput naming a currency it cannot convert.
    """
    if by not in get_args(Dimension):
        raise InvalidInput(f"cannot total by {by!r}", field="by")
    target = check.currency_code(currency, "currency")
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    used: set[Rate] = set()
    for project in projects:
        if by != "year":  # a project without money still shows its city, funder, sector
            for key, _ in shares(project, _Flow("announced", Money(Decimal(0), target), None), by):
                sums[key]["announced"] += 0
        for flow in _flows(project):
            converted, rates_used = convert_one(flow.money, rates, target)
            used.update(rates_used)
            for key, share in shares(project, flow, by):
                sums[key][flow.column] += converted.value * share
    rows = tuple(
        TotalsRow(key, **{c: _tidy(v) for c, v in sums[key].items()}) for key in sorted(sums)
    )
    return TotalsReport(by, target, rows, tuple(sorted(used)))


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event of a project: a start or end, a transaction, a milestone."""

    date: date
    project: str
    title: str
    kind: str
    amount: Money | None = None
    detail: str = ""


@dataclass(frozen=True)
class Span:
    """A project's time span (actual dates where known, else planned); None if unknown."""

    project: str
    title: str
    start: date | None
    end: date | None
    status: int | None
    funders: tuple[str, ...]
    cities: tuple[str, ...]


def _events(project: Project) -> Iterator[TimelineEvent]:
    key, title = project.key, project.title
    for name in ("planned_start", "actual_start", "planned_end", "actual_end"):
        when = getattr(project, name)
        if when is not None:
            yield TimelineEvent(when, key, title, name.replace("_", " "))
    for tx in project.transactions:
        kind = _KIND_BY_TYPE.get(tx.type, f"transaction type {tx.type}")
        yield TimelineEvent(tx.date, key, title, kind, tx.amount, tx.description)
    for ms in project.milestones:
        if ms.due is not None:
            yield TimelineEvent(ms.due, key, title, "milestone due", detail=ms.title)
        if ms.achieved is not None:
            yield TimelineEvent(ms.achieved, key, title, "milestone achieved", detail=ms.title)


def timeline(projects: Iterable[Project]) -> tuple[TimelineEvent, ...]:
    """Every dated event of the projects, in date order."""
    events = [event for project in projects for event in _events(project)]
    return tuple(sorted(events, key=lambda e: (e.date, e.project, e.kind)))


def spans(projects: Iterable[Project]) -> tuple[Span, ...]:
    """Each project's span (for a Gantt view), ordered by start; undated projects last."""
    result = [
        Span(
            p.key,
            p.title,
            p.start,
            p.end,
            p.status,
            tuple(f.name or f.key for f in p.funders),
            p.cities,
        )
        for p in projects
    ]
    return tuple(sorted(result, key=lambda s: (s.start is None, s.start or date.min, s.project)))
