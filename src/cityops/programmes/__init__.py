"""Cooperation programmes: the register of funded smart-city projects (pure core).

Domain model, IATI 2.03 import/export, CSV export, currency conversion with an
operator-loaded rates table, and coordination analysis. No database, no HTTP.
"""

from __future__ import annotations

from cityops.programmes.analysis import (
    TimelineEvent,
    TotalsReport,
    TotalsRow,
    spans,
    timeline,
    totals,
)
from cityops.programmes.coordination import (
    CoordinationReport,
    Gap,
    Overlap,
    coordination,
    gaps,
    overlaps,
)
from cityops.programmes.csv_export import export_csv
from cityops.programmes.demo import demo_projects
from cityops.programmes.iati_export import export_iati
from cityops.programmes.iati_import import parse_iati
from cityops.programmes.model import (
    Budget,
    Location,
    Milestone,
    Money,
    Organisation,
    Participant,
    Project,
    Result,
    Sector,
    Transaction,
)
from cityops.programmes.money import Conversion, Rate, RatesTable, convert, load_rates
from cityops.programmes.register import MergeResult, merge_reimported
from cityops.safexml import XMLRejected

__all__ = [
    "Budget",
    "Conversion",
    "CoordinationReport",
    "Gap",
    "Location",
    "MergeResult",
    "Milestone",
    "Money",
    "Organisation",
    "Overlap",
    "Participant",
    "Project",
    "Rate",
    "RatesTable",
    "Result",
    "Sector",
    "TimelineEvent",
    "TotalsReport",
    "TotalsRow",
    "Transaction",
    "XMLRejected",
    "convert",
    "coordination",
    "demo_projects",
    "export_csv",
    "export_iati",
    "gaps",
    "load_rates",
    "merge_reimported",
    "overlaps",
    "parse_iati",
    "spans",
    "timeline",
    "totals",
]
