"""CSV and XLSX export of the register: one row per project, money totalled per currency.

No conversion happens here: each currency present gets its own columns (``budgeted_USD``,
``indicative_USD``, ``committed_USD``, ``disbursed_USD``, ``expended_USD``,
``announced_USD``). Budgets count as in the totals: a revised budget replaces its original,
indicative budgets have their own column. Text cells that a spreadsheet would read as a
formula are prefixed with an apostrophe; in XLSX, amounts are numbers.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from cityops.programmes.analysis import current_budgets
from cityops.programmes.codes import COMMITMENT, DISBURSEMENT, EXPENDITURE
from cityops.programmes.model import Participant, Project

MONEY_COLUMNS = ("budgeted", "indicative", "committed", "disbursed", "expended", "announced")
TEXT_COLUMNS = (
    "iati_identifier",
    "title",
    "status",
    "funders",
    "implementers",
    "partners",
    "cities",
    "sectors",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
)
_COLUMN_BY_TYPE = {COMMITMENT: "committed", DISBURSEMENT: "disbursed", EXPENDITURE: "expended"}


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def project_totals(project: Project) -> dict[tuple[str, str], Decimal]:
    """Sum a project's money by (column, currency), each amount in its own currency."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for budget in current_budgets(project):
        column = "indicative" if budget.status == "1" else "budgeted"
        sums[column, budget.amount.currency] += budget.amount.value
    for tx in project.transactions:
        kind = _COLUMN_BY_TYPE.get(tx.type)
        if kind is not None:
            sums[kind, tx.amount.currency] += tx.amount.value
    if project.envelope is not None:
        sums["announced", project.envelope.currency] += project.envelope.value
    return dict(sums)


def _text_cells(project: Project) -> list[str]:
    def names(participants: Sequence[Participant]) -> str:
        return "; ".join(p.name or p.key for p in participants)

    dates = [getattr(project, n) for n in TEXT_COLUMNS[8:]]
    cells = [
        project.iati_identifier or "",
        project.title,
        "" if project.status is None else str(project.status),
        names(project.funders),
        names(project.implementers),
        names(project.partners),
        "; ".join(project.cities),
        "; ".join(s.code for s in project.sectors),
        *("" if d is None else d.isoformat() for d in dates),
    ]
    return [_safe(c) for c in cells]


def table(projects: Sequence[Project]) -> tuple[list[str], list[tuple[list[str], list[Decimal]]]]:
    """The header, and per project its text cells and its money cells."""
    totals = [project_totals(p) for p in projects]
    currencies = sorted({currency for t in totals for _column, currency in t})
    money_header = [f"{column}_{cur}" for cur in currencies for column in MONEY_COLUMNS]
    rows = [
        (
            _text_cells(project),
            [sums.get((c, cur), Decimal(0)) for cur in currencies for c in MONEY_COLUMNS],
        )
        for project, sums in zip(projects, totals, strict=True)
    ]
    return [*TEXT_COLUMNS, *money_header], rows


def export_csv(projects: Sequence[Project]) -> str:
    """The register as CSV text (header first), one row per project."""
    header, rows = table(projects)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for text, money in rows:
        writer.writerow([*text, *(format(m, "f") for m in money)])
    return out.getvalue()


def export_xlsx(projects: Sequence[Project]) -> bytes:
    """The same table as a spreadsheet (openpyxl): one sheet, header row frozen."""
    from openpyxl import Workbook  # imported here: only this download needs it

    header, rows = table(projects)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Register"
    sheet.append(header)
    for text, money in rows:
        sheet.append([*text, *(float(m) for m in money)])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
