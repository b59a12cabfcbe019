"""What the register and project pages show, as plain data (no HTTP, no HTML).

Totals are converted with :class:`~cityops.programmes.reference_rates.ReferenceRates` (ECB
plus the city's table); a currency nothing covers becomes a message naming it instead of
an error page. Every rate used is listed with its date and source so a figure can be
checked. Bars of the charts are percentages of the largest value in their table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.principal import Principal, Role
from cityops.errors import InvalidInput
from cityops.programmes.analysis import COLUMNS, current_budgets, totals
from cityops.programmes.codec import to_json
from cityops.programmes.codes import ACTIVITY_STATUS, sector_name
from cityops.programmes.model import Money, Project
from cityops.programmes.money import Rate, convert_one
from cityops.programmes.reference_rates import ReferenceRates
from cityops.programmes.store import Stored, rates_table, select_projects
from cityops.programmes.views import summary
from cityops.store import schema as s

DIMENSIONS = ("funder", "sector", "city", "year")
_KIND = {2: "committed", 3: "disbursed", 4: "expended"}


@dataclass(frozen=True)
class Selection:
    """The page's filters: a city (name), a period of years, a currency."""

    city: str | None = None
    years: tuple[int, int] | None = None
    currency: str = "USD"


def parse_years(first: str | None, last: str | None) -> tuple[int, int] | None:
    """A (first, last) period of years from two optional form fields; InvalidInput names one."""
    if not first and not last:
        return None
    values = []
    for name, raw in (("from", first), ("to", last)):
        text = (raw or "").strip()
        if text and not (text.isdigit() and 1900 <= int(text) <= 2200):
            raise InvalidInput(f"{name} must be a year between 1900 and 2200", field=name)
        values.append(int(text) if text else None)
    start, end = values[0] or 1900, values[1] or 2200
    if start > end:
        raise InvalidInput("from must not be after to", field="from")
    return start, end


def rate_text(rate: Rate) -> str:
    """'1 USD = 0.829669 EUR on 2021-03-01 (ECB)'."""
    when = rate.date.isoformat()
    return f"1 {rate.currency} = {rate.rate:.6g} {rate.base} on {when} ({rate.source})"


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    top = max((max(r["committed"], r["disbursed"]) for r in rows), default=Decimal(0))
    for r in rows:
        for col in ("committed", "disbursed"):
            r[f"{col}_pct"] = round(float(r[col] / top * 100), 1) if top else 0.0
    return rows


def _label(dimension: str, key: str) -> str:
    return sector_name(key) if dimension == "sector" and key.isdigit() else key


def register_page(conn: Connection, who: Principal, sel: Selection) -> dict[str, Any]:
    """Projects of the selection, totals by each dimension, the rates used."""
    items = select_projects(conn, who, city=sel.city, years=sel.years)
    everyone = select_projects(conn, who)
    rates = ReferenceRates(rates_table(conn))
    projects = [i.project for i in items]
    tables: dict[str, list[dict[str, Any]]] = {}
    used: set[Rate] = set()
    problem = None
    try:
        for dim in DIMENSIONS:
            report = totals(projects, dim, sel.currency, rates)  # type: ignore[arg-type]
            used.update(report.rates_used)
            rows = [
                {"key": r.key, "label": _label(dim, r.key), **{c: getattr(r, c) for c in COLUMNS}}
                for r in report.rows
            ]
            if dim == "year" and sel.years:  # money of the chosen years only
                first, last = sel.years
                rows = [r for r in rows if r["key"].isdigit() and first <= int(r["key"]) <= last]
            tables[dim] = _bars(rows)
    except InvalidInput as exc:
        tables, problem = {}, exc.message
    return {
        "projects": [_listed(i) for i in items],
        "tables": tables,
        "problem": problem,
        "rates": [rate_text(r) for r in sorted(used)],
        "cities": sorted({c for i in everyone for c in i.project.cities}),
    }


def _listed(item: Stored) -> dict[str, Any]:
    doc = summary(item)
    doc["sectors"] = [sector_name(code) for code in doc["sectors"]]
    return doc


def _converted(money: Money, rates: ReferenceRates, currency: str) -> dict[str, Any]:
    """An amount, its value in ``currency`` and the rates used (or the reason it has none)."""
    try:
        value, used = convert_one(money, rates, currency)
    except InvalidInput as exc:
        return {"money": money, "value": None, "rates": [], "problem": exc.message}
    return {"money": money, "value": value.value, "rates": [rate_text(r) for r in used]}


def _by_year(project: Project, rates: ReferenceRates, currency: str) -> list[dict[str, Any]]:
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    flows = [
        ("indicative" if b.status == "1" else "budgeted", b.period_start.year, b.amount)
        for b in current_budgets(project)
    ] + [(_KIND[t.type], t.date.year, t.amount) for t in project.transactions if t.type in _KIND]
    for column, year, money in flows:
        try:
            sums[year][column] += convert_one(money, rates, currency)[0].value
        except InvalidInput:
            continue
    return [{"year": y, **sums[y]} for y in sorted(sums)]


def linkable_things(conn: Connection, who: Principal, item: Stored) -> list[dict[str, Any]]:
    """The Things a city admin may link to the project: its own city's, not yet linked."""
    if who.role is not Role.CITY_ADMIN or who.org_id is None:
        return []
    th = s.things
    rows = conn.execute(
        select(th.c.id, th.c.name).where(th.c.org_id == who.org_id).order_by(th.c.name)
    )
    return [{"id": int(r.id), "name": r.name} for r in rows if int(r.id) not in item.things]


def project_page(item: Stored, conn: Connection, currency: str) -> dict[str, Any]:
    """Everything the project page shows but delivery (which needs the period)."""
    p = item.project
    rates = ReferenceRates(rates_table(conn))
    return {
        "id": item.id,
        "p": p,
        "status": ACTIVITY_STATUS.get(p.status or 0, "not stated"),
        "participants": [(x.role, x) for x in p.participants],
        "sectors": [(sector_name(s.code), s.percentage) for s in p.sectors],
        "years": _by_year(p, rates, currency),
        "transactions": [
            {
                "kind": _KIND.get(t.type, f"type {t.type}"),
                "date": t.date,
                **_converted(t.amount, rates, currency),
            }
            for t in sorted(p.transactions, key=lambda t: t.date)
        ],
        "envelope": _converted(p.envelope, rates, currency) if p.envelope else None,
        "json": to_json(p),
        "today": date.today(),
    }
