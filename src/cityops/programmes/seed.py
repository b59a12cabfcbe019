"""The demo register: the programmes named in the issue, linked to the demo stations.

``seed_programmes(store)`` may run on every start: a programme already in the register
(same title, no IATI identifier) is not added twice, and links are only added. A project
is linked to the Things of the organisation named like one of its cities (for the demo:
the Tam Ky data platform to the Tam Ky weather and air monitors), when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.programmes.demo import demo_projects
from cityops.programmes.store import insert_project, link, norm
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx


@dataclass(frozen=True)
class Seeded:
    """How many demo projects were added and how many Things newly linked."""

    added: int
    linked: int


def _city_things(tx: Tx, city: str) -> list[int]:
    o, th = s.organisations, s.things
    orgs = [
        int(r.id)
        for r in tx.conn.execute(select(o.c.id, o.c.name, o.c.slug))
        if norm(city) in (norm(r.name), norm(r.slug))
    ]
    if not orgs:
        return []
    rows = tx.conn.execute(select(th.c.id).where(th.c.org_id.in_(orgs)).order_by(th.c.id))
    return [int(r[0]) for r in rows]


def _seed(tx: Tx) -> Seeded:
    p = s.projects
    have = {
        r.title: int(r.id)
        for r in tx.conn.execute(select(p.c.id, p.c.title).where(p.c.iati_identifier.is_(None)))
    }
    added = linked = 0
    for project in demo_projects():
        project_id = have.get(project.title)
        if project_id is None:
            project_id = insert_project(tx, project, SYSTEM)
            added += 1
        for city in project.cities:
            for thing_id in _city_things(tx, city):
                linked += link(tx, project_id, "Thing", thing_id, SYSTEM)
    return Seeded(added, linked)


def seed_programmes(store: Store) -> Seeded:
    """Load the demo programmes into ``store`` and link them to demo stations present."""
    return store.write_sync(_seed)
