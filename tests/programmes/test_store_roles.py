"""Programme officers edit their organisation's projects; city admins link their own
stations only; every edit leaves an audit row."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select, update

from cityops.auth.principal import SYSTEM, Principal, Role
from cityops.demo.world import ensure_world
from cityops.errors import Forbidden
from cityops.programmes import store as register
from cityops.programmes.seed import seed_programmes
from cityops.store import schema as s
from cityops.store.base import Store
from tests.helpers import make_org


def _ids(store: Store) -> dict[str, int]:
    with store.read() as conn:
        rows = conn.execute(select(s.projects.c.iati_identifier, s.projects.c.id)).all()
    return {str(r[0]).rsplit("-", 1)[-1]: int(r[1]) for r in rows}


def test_programme_officer_edits_only_its_organisations_projects(store: Store) -> None:
    seed_programmes(store)
    koica = make_org(store, "koica", kind="partner")
    store.write_sync(
        lambda tx: tx.conn.execute(
            update(s.organisations)
            .where(s.organisations.c.id == koica)
            .values(name="Korea International Cooperation Agency (KOICA)")
        )
    )
    officer = Principal(Role.PROGRAMME_OFFICER, "ko", org_id=koica)
    ids = _ids(store)
    with store.read() as conn:
        tam_ky = register.get_project(conn, officer, ids["TAMKY"]).project
        usascp = register.get_project(conn, officer, ids["USASCP"]).project
    store.write_sync(
        lambda tx: register.replace_project(
            tx, ids["TAMKY"], replace(tam_ky, description="Updated by KOICA."), officer
        )
    )
    with pytest.raises(Forbidden):
        store.write_sync(
            lambda tx: register.replace_project(
                tx, ids["USASCP"], replace(usascp, description="x"), officer
            )
        )
    with store.read() as conn:
        a = s.audit_log
        rows = conn.execute(
            select(a.c.action, a.c.actor).where(a.c.entity == "Project", a.c.action == "update")
        ).all()
    assert [(r.action, r.actor) for r in rows] == [("update", "ko")]


def test_city_admin_links_only_its_own_stations(store: Store) -> None:
    ensure_world(store)
    seed_programmes(store)
    ids = _ids(store)
    with store.read() as conn:
        o, th = s.organisations, s.things
        org = dict(conn.execute(select(o.c.slug, o.c.id)).all())
        own = conn.execute(select(th.c.id).where(th.c.org_id == org["tam-ky"])).scalars().all()
        other = conn.execute(select(th.c.id).where(th.c.org_id != org["tam-ky"])).scalars().all()
    admin = Principal(Role.CITY_ADMIN, "tk", org_id=org["tam-ky"])
    store.write_sync(lambda tx: register.unlink(tx, ids["TAMKY"], "Thing", own[0], SYSTEM))
    assert store.write_sync(lambda tx: register.link(tx, ids["TAMKY"], "Thing", own[0], admin))
    with pytest.raises(Forbidden):
        store.write_sync(lambda tx: register.link(tx, ids["TAMKY"], "Thing", other[0], admin))
