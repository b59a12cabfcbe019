"""The register in the database (SQLite and PostgreSQL): import, re-import, export, rates,
views and access."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cityops.auth.principal import ANONYMOUS, SYSTEM, Principal, Role
from cityops.errors import Forbidden, NotFound, Unauthorized
from cityops.programmes import export_iati, load_rates, parse_iati, views
from cityops.programmes import store as register
from cityops.programmes.iati_schema import iati_schema
from cityops.safexml import parse_untrusted
from cityops.store import schema as s
from cityops.store.base import Store
from tests.helpers import make_org


def _import(store: Store, data: bytes, who: Principal = SYSTEM) -> register.ImportSummary:
    projects = parse_iati(data)
    return store.write_sync(lambda tx: register.save_imported(tx, projects, who))


def _count(store: Store, table: object) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_import_keeps_activities_budgets_and_currencies(
    store: Store, activities_xml: bytes
) -> None:
    done = _import(store, activities_xml)
    assert done.added == ["XX-TEST-FUNDER-A-001", "XX-TEST-FUNDER-B-7", "XX-TEST-FUNDER-A-002"]
    with store.read() as conn:
        items = register.select_projects(conn, ANONYMOUS)
        first = register.get_project(conn, ANONYMOUS, done.ids[0]).project
    assert len(items) == 3
    assert {b.amount.value for b in first.budgets} == {Decimal(400000), Decimal(600000)}
    currencies = {t.amount.currency for i in items for t in i.project.transactions}
    assert {"USD", "KRW"} <= currencies
    assert first.cities == ("River City",)


def test_reimport_with_changed_budget_updates(store: Store, activities_xml: bytes) -> None:
    first = _import(store, activities_xml)
    changed = activities_xml.replace(b">400000</value>", b">450000</value>")
    again = _import(store, changed)
    assert again.updated == ["XX-TEST-FUNDER-A-001"]
    assert again.added == [] and again.ids == first.ids
    assert _count(store, s.projects) == 3
    with store.read() as conn:
        project = register.get_project(conn, ANONYMOUS, first.ids[0]).project
    assert Decimal(450000) in {b.amount.value for b in project.budgets}
    assert _import(store, changed).unchanged == again.updated + again.unchanged


def test_export_validates_and_reimports_to_same_content(
    store: Store, activities_xml: bytes
) -> None:
    _import(store, activities_xml)
    with store.read() as conn:
        before = [i.project for i in register.select_projects(conn, ANONYMOUS)]
    xml = export_iati(before)
    assert iati_schema().validate(parse_untrusted(xml))
    again = _import(store, xml)
    assert sorted(again.unchanged) == sorted(p.iati_identifier for p in before)
    with store.read() as conn:
        after = [i.project for i in register.select_projects(conn, ANONYMOUS)]
    assert after == before


def test_filters_by_city_funder_sector_and_year(store: Store, activities_xml: bytes) -> None:
    _import(store, activities_xml)
    with store.read() as conn:

        def keys(**f: object) -> set[str]:
            return {i.project.key for i in register.select_projects(conn, ANONYMOUS, **f)}

        assert keys(city="river city") == {"XX-TEST-FUNDER-A-001", "XX-TEST-FUNDER-B-7"}
        assert keys(funder="XX-TEST-FUNDER-B") == {"XX-TEST-FUNDER-B-7"}
        assert keys(sector="74020") >= {"XX-TEST-FUNDER-A-001"}
        assert keys(year=1999) == set()


def test_totals_in_usd_list_the_rates_used(
    store: Store, activities_xml: bytes, rates_csv: str
) -> None:
    _import(store, activities_xml)
    store.write_sync(lambda tx: register.store_rates(tx, load_rates(rates_csv), SYSTEM))
    with store.read() as conn:
        report = views.totals_view(conn, ANONYMOUS, "funder", "USD", {})
    assert report["currency"] == "USD" and report["rates_base"] == "EUR"  # ECB rates via the euro
    used = {(r["currency"], r["date"]) for r in report["rates_used"]}
    assert ("KRW", "2022-01-01") in used
    rows = {r["key"]: r for r in report["rows"]}
    # 2,600,000,000 KRW committed on 2022-03-10 at 0.0008 USD.
    assert Decimal(rows["Example Funder B"]["committed"]) == Decimal(2080000)


def test_rates_reload_replaces_a_date(store: Store) -> None:
    store.write_sync(
        lambda tx: register.store_rates(
            tx, load_rates("date,currency,rate\n2022-01-01,KRW,0.0008\n"), SYSTEM
        )
    )
    store.write_sync(
        lambda tx: register.store_rates(
            tx, load_rates("date,currency,rate\n2022-01-01,KRW,0.00081\n"), SYSTEM
        )
    )
    with store.read() as conn:
        table = register.rates_table(conn)
    assert table is not None and [r.rate for r in table.rates["KRW"]] == [Decimal("0.00081")]


def test_coordination_view_lists_overlapping_funders(store: Store, activities_xml: bytes) -> None:
    done = _import(store, activities_xml)
    with store.read() as conn:
        report = views.coordination_view(conn, ANONYMOUS, {"city": "River City"})
    overlap = report["overlaps"][0]
    assert (overlap["city"], overlap["sector"]) == ("River City", "74020")
    assert {overlap["first_id"], overlap["second_id"]} == set(done.ids[:2])
    assert overlap["first_funders"] != overlap["second_funders"]


def test_city_admin_edits_only_its_city(store: Store, activities_xml: bytes) -> None:
    river = make_org(store, "river-city")
    other = make_org(store, "hill-town")
    done = _import(store, activities_xml)
    mine = Principal(Role.CITY_ADMIN, "ra", org_id=river)
    theirs = Principal(Role.CITY_ADMIN, "ha", org_id=other)
    store.write_sync(lambda tx: register.delete_project(tx, done.ids[0], mine))
    with pytest.raises(Forbidden):
        store.write_sync(lambda tx: register.delete_project(tx, done.ids[1], theirs))
    with pytest.raises(Unauthorized):
        store.write_sync(lambda tx: register.delete_project(tx, done.ids[1], ANONYMOUS))
    with store.read() as conn, pytest.raises(NotFound):
        register.get_project(conn, ANONYMOUS, done.ids[0])


def test_iati_import_writes_an_audit_row(store: Store, activities_xml: bytes) -> None:
    """Item 9 of issue 16: every import is audited, a re-import that changes nothing too."""
    _import(store, activities_xml)
    _import(store, activities_xml)
    a = s.audit_log
    with store.read() as conn:
        rows = conn.execute(select(a.c.detail).where(a.c.action == "import")).scalars().all()
    assert rows == [
        {"added": 3, "updated": 0, "unchanged": 0},
        {"added": 0, "updated": 0, "unchanged": 3},
    ]
