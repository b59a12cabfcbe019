"""Read an IATI 2.03 ``iati-activities`` file into :class:`~cityops.programmes.model.Project`.

The file is parsed with the hardened parser of :mod:`cityops.safexml` and validated against the
official schema (with publishers' extension namespaces set aside). Amounts keep their
currency: an explicit ``@currency`` or else the activity's ``@default-currency``.
CityOps' own extension elements (cities, milestones, envelope) are read back when present.
A title or description in several languages keeps the default-language narrative as the
text and the others as :class:`Text` translations; other multilingual elements keep their
default-language narrative. A result with several indicators becomes one
:class:`Result` per indicator, with the indicator's first period.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeAlias

from lxml import etree

from cityops.errors import InvalidInput
from cityops.programmes import _check as check
from cityops.programmes.codes import (
    ACTIVITY_DATE_TYPES,
    ACTIVITY_STATUS,
    CITYOPS_NS,
    TRANSACTION_TYPES,
)
from cityops.programmes.iati_schema import XML_NS, validate_iati
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
    Text,
    Transaction,
)
from cityops.safexml import XMLRejected, parse_untrusted

_El: TypeAlias = etree._Element
_XML_LANG = f"{{{XML_NS}}}lang"
_DATE_FIELD_BY_TYPE = {code: name for name, code in ACTIVITY_DATE_TYPES.items()}


def _cx(tag: str) -> str:
    return f"{{{CITYOPS_NS}}}{tag}"


@contextmanager
def _at(el: _El, what: str) -> Iterator[None]:
    """Turn a model error raised inside into one that names the element and its line."""
    try:
        yield
    except XMLRejected:
        raise
    except InvalidInput as exc:
        field = f"{what}.{exc.field}" if exc.field else what
        raise XMLRejected(f"{field}: {exc.message}", line=el.sourceline, field=field) from None


def _narrative(el: _El | None) -> str:
    """The narrative in the activity's default language (no xml:lang), else the first."""
    if el is None:
        return ""
    narratives = el.findall("narrative")
    if not narratives:
        return ""
    default = [n for n in narratives if n.get(_XML_LANG) is None]
    return ((default or narratives)[0].text or "").strip()


def _description(act: _El) -> str:
    """The general description (type 1 or untyped), else the first one."""
    found = act.findall("description")
    general = [d for d in found if d.get("type", "1").strip() == "1"]
    return _narrative((general or found or [None])[0])


def _iso(el: _El | None, field: str) -> date | None:
    return None if el is None else check.optional_date(el.get("iso-date"), field)


def _money(el: _El, default_currency: str | None, what: str) -> Money:
    currency = el.get("currency") or default_currency
    if currency is None:
        raise XMLRejected(
            f"{what}: no @currency and the activity has no @default-currency",
            line=el.sourceline,
            field=f"{what}.currency",
        )
    with _at(el, what):
        value = check.decimal_value(el.text or "", "value")
        return Money(value, currency, check.optional_date(el.get("value-date"), "value_date"))


def _org(el: _El | None, what: str) -> Organisation | None:
    if el is None or (not _narrative(el) and not el.get("ref")):
        return None
    with _at(el, what):
        return Organisation(_narrative(el), el.get("ref"), el.get("type"))


def _participant(el: _El) -> Participant:
    with _at(el, "participating-org"):
        return Participant(_narrative(el), el.get("role", ""), el.get("ref"), el.get("type"))


def _dates(act: _El) -> dict[str, date | None]:
    found: dict[str, date | None] = {name: None for name in ACTIVITY_DATE_TYPES}
    for el in act.findall("activity-date"):
        name = _DATE_FIELD_BY_TYPE.get(el.get("type", "").strip())
        if name is not None and found[name] is None:
            with _at(el, "activity-date"):
                found[name] = _iso(el, "iso_date")
    return found


def _location(el: _El) -> Location:
    pos = (el.findtext("point/pos") or "").split()
    if pos and len(pos) != 2:
        raise XMLRejected(
            "location/point/pos must be 'lat lon'", line=el.sourceline, field="location.point"
        )
    with _at(el, "location"):
        lat = float(check.decimal_value(pos[0], "lat")) if pos else None
        lon = float(check.decimal_value(pos[1], "lon")) if pos else None
        return Location(_narrative(el.find("name")) or el.get("ref") or "", lat, lon)


def _sector(el: _El) -> Sector:
    with _at(el, "sector"):
        pct = check.optional_decimal(el.get("percentage"), "percentage")
        return Sector(el.get("code", ""), el.get("vocabulary", "1"), pct)


def _budget(el: _El, currency: str | None) -> Budget:
    money = _money(el.find("value"), currency, "budget.value")
    with _at(el, "budget"):
        start = check.date_value(el.find("period-start").get("iso-date"), "period_start")
        end = check.date_value(el.find("period-end").get("iso-date"), "period_end")
        return Budget(start, end, money, el.get("type"), el.get("status"))


def _recipients(act: _El) -> tuple[Recipient, ...]:
    found: list[Recipient] = []
    for kind in ("country", "region"):
        for el in act.findall(f"recipient-{kind}"):
            with _at(el, f"recipient-{kind}"):
                pct = check.optional_decimal(el.get("percentage"), "percentage")
                vocab = el.get("vocabulary") if kind == "region" else None
                found.append(Recipient(el.get("code", ""), kind, pct, vocab))
    return tuple(found)


def _translations(act: _El) -> tuple[Text, ...]:
    """Title and general-description narratives in languages other than the activity's."""
    default = act.get(_XML_LANG)
    found: list[Text] = []
    described = [d for d in act.findall("description") if d.get("type", "1").strip() == "1"]
    for name, el in (("title", act.find("title")), ("description", (described or [None])[0])):
        for n in [] if el is None else el.findall("narrative"):
            lang = n.get(_XML_LANG)
            if lang is not None and lang != default and (n.text or "").strip():
                with _at(n, f"{name}.narrative"):
                    found.append(Text(name, lang, n.text or ""))
    return tuple(found)


def _header_attrs(act: _El) -> dict[str, Any]:
    with _at(act, "iati-activity"):
        return {
            "default_currency": act.get("default-currency"),
            "last_updated": act.get("last-updated-datetime"),
            "hierarchy": act.get("hierarchy"),
        }


def _transaction(el: _El, currency: str | None) -> Transaction:
    money = _money(el.find("value"), currency, "transaction.value")
    provider = _org(el.find("provider-org"), "transaction.provider-org")
    receiver = _org(el.find("receiver-org"), "transaction.receiver-org")
    with _at(el, "transaction"):
        kind = el.find("transaction-type").get("code", "")
        when = check.date_value(el.find("transaction-date").get("iso-date"), "date")
        text = _narrative(el.find("description"))
        code: int = check.code_in(kind, TRANSACTION_TYPES, "type")
        return Transaction(code, when, money, provider, receiver, text)


def _indicator_result(res: _El, ind: _El) -> Result:
    baseline = ind.find("baseline")
    period = ind.find("period")
    target = period.find("target") if period is not None else None
    actual = period.find("actual") if period is not None else None
    with _at(ind, "result.indicator"):
        return Result(
            title=_narrative(res.find("title")),
            indicator=_narrative(ind.find("title")),
            baseline=baseline.get("value") if baseline is not None else None,
            baseline_year=int(baseline.get("year", "0")) if baseline is not None else None,
            target=target.get("value") if target is not None else None,
            actual=actual.get("value") if actual is not None else None,
            period_start=_iso(period.find("period-start"), "period_start")
            if period is not None
            else None,
            period_end=_iso(period.find("period-end"), "period_end")
            if period is not None
            else None,
            type=res.get("type", "1"),
            measure=ind.get("measure", "1"),
        )


def _milestone(el: _El) -> Milestone:
    with _at(el, "cityops:milestone"):
        return Milestone(
            el.get("title", ""),
            check.optional_date(el.get("due"), "due"),
            check.optional_date(el.get("achieved"), "achieved"),
        )


def _envelope(act: _El) -> Money | None:
    el = act.find(_cx("envelope"))
    return None if el is None else _money(el, None, "cityops:envelope")


def _status(act: _El) -> int | None:
    el = act.find("activity-status")
    if el is None:
        return None
    with _at(el, "activity-status"):
        code: int = check.code_in(el.get("code", ""), ACTIVITY_STATUS, "code")
        return code


def activity_to_project(act: _El) -> Project:
    """Build a Project from one (schema-valid) ``iati-activity`` element."""
    currency = act.get("default-currency")
    parts: dict[str, Any] = {
        "participants": tuple(_participant(el) for el in act.findall("participating-org")),
        "reporting_org": _org(act.find("reporting-org"), "reporting-org"),
        "sectors": tuple(_sector(el) for el in act.findall("sector")),
        "budgets": tuple(_budget(el, currency) for el in act.findall("budget")),
        "transactions": tuple(_transaction(el, currency) for el in act.findall("transaction")),
        "results": tuple(
            _indicator_result(res, ind)
            for res in act.findall("result")
            for ind in res.findall("indicator")
        ),
        "locations": tuple(_location(el) for el in act.findall("location")),
        "cities": tuple((el.text or "").strip() for el in act.findall(_cx("city"))),
        "milestones": tuple(_milestone(el) for el in act.findall(_cx("milestone"))),
        "envelope": _envelope(act),
        "recipients": _recipients(act),
        "translations": _translations(act),
        **_header_attrs(act),
        **_dates(act),
    }
    with _at(act, "iati-activity"):
        return Project(
            iati_identifier=act.findtext("iati-identifier"),
            title=_narrative(act.find("title")),
            description=_description(act),
            status=_status(act),
            **parts,
        )


def parse_iati(data: bytes) -> list[Project]:
    """Parse and validate an IATI 2.03 activities file; return its projects in file order.

    Raises :class:`~cityops.safexml.XMLRejected` (an InvalidInput) with the line
    number and reason for malformed, hostile or schema-invalid files and for values the
    model refuses.
    """
    root = parse_untrusted(data)
    validate_iati(root)
    version = root.get("version", "")
    if not version.startswith("2."):
        raise XMLRejected(
            f"IATI version {version!r} is not supported (2.0x expected)",
            line=root.sourceline,
            field="version",
        )
    return [activity_to_project(act) for act in root.findall("iati-activity")]
