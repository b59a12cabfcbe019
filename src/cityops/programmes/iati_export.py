"""Write projects as an IATI 2.03 ``iati-activities`` file, in schema order.

Every amount carries its own ``@currency`` and ``@value-date``; the activity's
``@default-currency``, ``@last-updated-datetime`` and ``@hierarchy`` are written when known.
What IATI has no element for (cities, milestones, the funding envelope) is written
as CityOps extension elements in their own namespace at the end of each activity, as the
standard allows, so that an export re-imports to the same projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TypeAlias

from lxml import etree

from cityops.errors import InvalidInput
from cityops.programmes.codes import ACTIVITY_DATE_TYPES, CITYOPS_NS, CODE_BY_ROLE, SRS_WGS84
from cityops.programmes.iati_schema import XML_NS, validate_iati
from cityops.programmes.model import (
    Budget,
    Location,
    Money,
    Organisation,
    Project,
    Result,
    Transaction,
)

_E: TypeAlias = etree._Element


def _num(value: Decimal) -> str:
    """xsd:decimal text: never scientific notation."""
    return format(value, "f")


def _sub(parent: _E, tag: str, **attrs: str | None) -> _E:
    el = etree.SubElement(parent, tag)
    for name, value in attrs.items():
        if value is not None:
            el.set(name.rstrip("_").replace("_", "-"), value)
    return el


def _narrative(parent: _E, tag: str, text: str, **attrs: str | None) -> _E:
    el = _sub(parent, tag, **attrs)
    if text:
        etree.SubElement(el, "narrative").text = text
    return el


def _text(parent: _E, tag: str, text: str) -> _E:
    """An element whose narrative is required by the schema (even when empty)."""
    el = _sub(parent, tag)
    etree.SubElement(el, "narrative").text = text
    return el


def _value(parent: _E, money: Money, fallback_date: date) -> None:
    el = _sub(
        parent,
        "value",
        currency=money.currency,
        value_date=(money.value_date or fallback_date).isoformat(),
    )
    el.text = _num(money.value)


def _iso(parent: _E, tag: str, when: date) -> None:
    _sub(parent, tag, iso_date=when.isoformat())


def _org(parent: _E, tag: str, org: Organisation | None) -> None:
    if org is not None:
        _narrative(parent, tag, org.name, ref=org.ref, type=org.type)


def _require(project: Project, index: int, reporting: Organisation | None) -> Organisation:
    """Check what the IATI schema makes mandatory; name the missing field."""
    where = f"projects[{index}]"
    if not project.iati_identifier:
        raise InvalidInput(f"{where} has no IATI identifier", field=f"{where}.iati_identifier")
    org = project.reporting_org or reporting
    if org is None or not org.ref or not org.type:
        raise InvalidInput(
            f"{where} needs a reporting organisation with ref and type",
            field=f"{where}.reporting_org",
        )
    if not project.participants:
        raise InvalidInput(f"{where} has no participants", field=f"{where}.participants")
    if project.status is None:
        raise InvalidInput(f"{where} has no activity status", field=f"{where}.status")
    if not any(getattr(project, name) for name in ACTIVITY_DATE_TYPES):
        raise InvalidInput(f"{where} has no activity date", field=f"{where}.planned_start")
    _ruleset(project, where, org)
    return org


def _shares_of_100(values: Sequence[Decimal | None], what: str, field: str) -> None:
    """IATI ruleset: with more than one, every percentage is given and they sum to 100."""
    if len(values) > 1 and (None in values or sum(v or 0 for v in values) != 100):
        raise InvalidInput(f"{what} percentages must be given and sum to 100", field=field)


def _ruleset(project: Project, where: str, org: Organisation) -> None:
    """The IATI ruleset's mandatory rules the schema does not check."""
    if org.ref and not (project.iati_identifier or "").startswith(org.ref):
        raise InvalidInput(
            f"{where}: the IATI identifier must begin with the reporting organisation's "
            f"ref {org.ref!r}",
            field=f"{where}.iati_identifier",
        )
    if not project.recipients:
        raise InvalidInput(
            f"{where} needs a recipient country or region", field=f"{where}.recipients"
        )
    _shares_of_100([r.percentage for r in project.recipients], "recipient", f"{where}.recipients")
    for vocabulary in {s.vocabulary for s in project.sectors}:
        shares = [s.percentage for s in project.sectors if s.vocabulary == vocabulary]
        _shares_of_100(shares, f"sector (vocabulary {vocabulary})", f"{where}.sectors")


def _location(act: _E, loc: Location) -> None:
    el = _sub(act, "location")
    if loc.name:
        _text(el, "name", loc.name)
    if loc.lat is not None and loc.lon is not None:
        point = _sub(el, "point", srsName=SRS_WGS84)
        etree.SubElement(point, "pos").text = f"{loc.lat!r} {loc.lon!r}"


def _budget(act: _E, budget: Budget) -> None:
    el = _sub(act, "budget", type=budget.type, status=budget.status)
    _iso(el, "period-start", budget.period_start)
    _iso(el, "period-end", budget.period_end)
    _value(el, budget.amount, budget.period_start)


def _transaction(act: _E, tx: Transaction) -> None:
    el = _sub(act, "transaction")
    _sub(el, "transaction-type", code=str(tx.type))
    _iso(el, "transaction-date", tx.date)
    _value(el, tx.amount, tx.date)
    if tx.description:
        _text(el, "description", tx.description)
    _org(el, "provider-org", tx.provider)
    _org(el, "receiver-org", tx.receiver)


def _result(act: _E, res: Result) -> None:
    el = _sub(act, "result", type=res.type)
    _text(el, "title", res.title)
    ind = _sub(el, "indicator", measure=res.measure)
    _text(ind, "title", res.indicator)
    if res.baseline_year is not None:
        _sub(ind, "baseline", year=str(res.baseline_year), value=res.baseline)
    if res.period_start is not None and res.period_end is not None:
        period = _sub(ind, "period")
        _iso(period, "period-start", res.period_start)
        _iso(period, "period-end", res.period_end)
        if res.target is not None:
            _sub(period, "target", value=res.target)
        if res.actual is not None:
            _sub(period, "actual", value=res.actual)


def _extensions(act: _E, project: Project) -> None:
    for city in project.cities:
        etree.SubElement(act, f"{{{CITYOPS_NS}}}city").text = city
    for ms in project.milestones:
        el = etree.SubElement(act, f"{{{CITYOPS_NS}}}milestone", title=ms.title)
        if ms.due:
            el.set("due", ms.due.isoformat())
        if ms.achieved:
            el.set("achieved", ms.achieved.isoformat())
    if project.envelope is not None:
        env = etree.SubElement(act, f"{{{CITYOPS_NS}}}envelope", currency=project.envelope.currency)
        if project.envelope.value_date:
            env.set("value-date", project.envelope.value_date.isoformat())
        env.text = _num(project.envelope.value)


def _translated(act: _E, tag: str, project: Project) -> None:
    """The element's default-language narrative, then one per translation (xml:lang)."""
    el = _text(act, tag, getattr(project, tag))
    for t in project.translations:
        if t.field == tag:
            etree.SubElement(el, "narrative", {f"{{{XML_NS}}}lang": t.lang}).text = t.text


def _header(act: _E, project: Project, org: Organisation) -> None:
    _sub(act, "iati-identifier").text = project.iati_identifier
    reporting = _sub(act, "reporting-org", ref=org.ref, type=org.type)
    etree.SubElement(reporting, "narrative").text = org.name
    _translated(act, "title", project)
    _translated(act, "description", project)
    for p in project.participants:
        _narrative(
            act, "participating-org", p.name, ref=p.ref, type=p.type, role=CODE_BY_ROLE[p.role]
        )
    _sub(act, "activity-status", code=str(project.status))
    for name, code in ACTIVITY_DATE_TYPES.items():
        when = getattr(project, name)
        if when is not None:
            _sub(act, "activity-date", type=code, iso_date=when.isoformat())
    for r in project.recipients:
        pct = None if r.percentage is None else _num(r.percentage)
        _sub(act, f"recipient-{r.kind}", code=r.code, vocabulary=r.vocabulary, percentage=pct)


def project_to_activity(parent: _E, project: Project, org: Organisation) -> _E:
    """Append one ``iati-activity`` for ``project`` to ``parent`` (elements in schema order)."""
    act = _sub(parent, "iati-activity")
    _header(act, project, org)
    for loc in project.locations:
        _location(act, loc)
    for sector in project.sectors:
        pct = None if sector.percentage is None else _num(sector.percentage)
        _sub(act, "sector", vocabulary=sector.vocabulary, code=sector.code, percentage=pct)
    for budget in project.budgets:
        _budget(act, budget)
    for tx in project.transactions:
        _transaction(act, tx)
    for res in project.results:
        _result(act, res)
    _extensions(act, project)
    return act


def export_iati(
    projects: Sequence[Project],
    *,
    reporting_org: Organisation | None = None,
    generated: datetime | None = None,
    lang: str = "en",
) -> bytes:
    """Serialise projects as a schema-valid IATI 2.03 file (UTF-8 bytes).

    ``reporting_org`` is used for projects that have none of their own. Raises InvalidInput
    naming the field when a project lacks what IATI requires (identifier, reporting
    organisation with ref and type, a participant, a status, an activity date).
    """
    if not projects:
        raise InvalidInput("an IATI file needs at least one project", field="projects")
    root = etree.Element("iati-activities", nsmap={"cityops": CITYOPS_NS})
    root.set("version", "2.03")
    if generated is not None:
        root.set("generated-datetime", generated.isoformat())
    for index, project in enumerate(projects):
        org = _require(project, index, reporting_org)
        act = project_to_activity(root, project, org)
        act.set(f"{{{XML_NS}}}lang", lang)
        for name, value in (
            ("default-currency", project.default_currency),
            ("last-updated-datetime", project.last_updated and project.last_updated.isoformat()),
            ("hierarchy", None if project.hierarchy is None else str(project.hierarchy)),
        ):
            if value:
                act.set(name, value)
    validate_iati(root)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
