"""The demo register: the programmes named in the issue, linked to the demo stations.

``seed_programmes(store)`` may run on every start: a programme already in the register
(same IATI identifier) is not added twice (an older demo entry with the same title and no
identifier is replaced by the current one), and links are only added. A project
is linked to the Things of the organisation named like one of its cities (for the demo:
the Tam Ky data platform to the Tam Ky weather and air monitors), when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.programmes.demo import demo_projects
from cityops.programmes.store import insert_project, link, norm, replace_project
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


def _existing(tx: Tx) -> tuple[dict[str, int], dict[str, int]]:
    """Stored projects by IATI identifier, and identifier-less ones (older demos) by title."""
    p = s.projects
    by_id: dict[str, int] = {}
    by_title: dict[str, int] = {}
    for r in tx.conn.execute(select(p.c.id, p.c.title, p.c.iati_identifier)):
        if r.iati_identifier:
            by_id[r.iati_identifier] = int(r.id)
        else:
            by_title[r.title] = int(r.id)
    return by_id, by_title


def _seed(tx: Tx) -> Seeded:
    by_id, by_title = _existing(tx)
    added = linked = 0
    for project in demo_projects():
        project_id = by_id.get(project.iati_identifier or "")
        if project_id is None and project.title in by_title:
            # an older demo entry without identifier: bring it up to the current demo
            project_id = by_title[project.title]
            replace_project(tx, project_id, project, SYSTEM)
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
