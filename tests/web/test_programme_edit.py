"""A programme officer edits its organisation's project on the project page; audited."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from cityops.auth.principal import SYSTEM
from cityops.demo.world import ensure_world
from cityops.programmes import store as register
from cityops.programmes.seed import seed_programmes
from cityops.store import schema as s
from cityops.store.base import Store
from tests.helpers import make_org, make_user_token
from tests.web.conftest import login


async def test_officer_edits_on_the_project_page(client: httpx.AsyncClient, store: Store) -> None:
    seed_programmes(store)
    koica = make_org(store, "koica", kind="partner")
    store.write_sync(
        lambda tx: tx.conn.execute(
            update(s.organisations)
            .where(s.organisations.c.id == koica)
            .values(name="Korea International Cooperation Agency (KOICA)")
        )
    )
    make_user_token(store, "ko", "prog_officer", koica)
    csrf = await login(client, "ko")
    projects = (await client.get("/api/programmes/projects")).json()["value"]
    ids = {p["iati_identifier"].rsplit("-", 1)[-1]: p["id"] for p in projects}
    page = await client.get(f"/ops/programmes/{ids['TAMKY']}")
    assert f'action="/ops/programmes/{ids["TAMKY"]}/edit"' in page.text
    other = await client.get(f"/ops/programmes/{ids['USASCP']}")
    assert "/edit" not in other.text  # not its organisation's project: no form
    form = {
        "csrf_token": csrf,
        "title": "Tam Ky smart-city data platform",
        "description": "Handed over to the city in 2022.",
        "cities": "Tam Ky, Da Nang",
    }
    r = await client.post(f"/ops/programmes/{ids['TAMKY']}/edit", data=form)
    assert r.status_code == 303
    doc = (await client.get(f"/api/programmes/projects/{ids['TAMKY']}")).json()["project"]
    assert doc["description"] == "Handed over to the city in 2022."
    assert doc["cities"] == ["Tam Ky", "Da Nang"]
    r = await client.post(f"/ops/programmes/{ids['USASCP']}/edit", data=form)
    assert r.status_code == 403
    with store.read() as conn:
        a = s.audit_log
        who = conn.execute(
            select(a.c.actor).where(a.c.entity == "Project", a.c.action == "update")
        ).scalars()
        assert list(who) == ["ko"]


async def test_city_admin_links_its_own_station_on_the_page(
    client: httpx.AsyncClient, store: Store
) -> None:
    ensure_world(store)
    seed_programmes(store)
    with store.read() as conn:
        o, th, p = s.organisations, s.things, s.projects
        org = dict(conn.execute(select(o.c.slug, o.c.id)).all())
        own = conn.execute(select(th.c.id).where(th.c.org_id == org["tam-ky"])).scalars().all()
        other = conn.execute(select(th.c.id).where(th.c.org_id != org["tam-ky"])).scalars().all()
        project = conn.execute(
            select(p.c.id).where(p.c.iati_identifier.like("%TAMKY"))
        ).scalar_one()
    store.write_sync(lambda tx: register.unlink(tx, project, "Thing", own[0], SYSTEM))
    make_user_token(store, "tk", "city_admin", org["tam-ky"])
    csrf = await login(client, "tk")
    page = await client.get(f"/ops/programmes/{project}")
    assert f'action="/ops/programmes/{project}/link"' in page.text
    assert f'<option value="{own[0]}"' in page.text
    assert f'<option value="{other[0]}"' not in page.text
    r = await client.post(
        f"/ops/programmes/{project}/link", data={"csrf_token": csrf, "thing": str(own[0])}
    )
    assert r.status_code == 303
    assert own[0] in (await client.get(f"/api/programmes/projects/{project}")).json()["things"]
    r = await client.post(
        f"/ops/programmes/{project}/link", data={"csrf_token": csrf, "thing": str(other[0])}
    )
    assert r.status_code == 403
