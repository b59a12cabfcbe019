"""The demo register: the issue's programmes, linked to the demo stations of their city."""

from __future__ import annotations

from cityops.auth.principal import ANONYMOUS
from cityops.demo.world import ensure_world
from cityops.programmes import store as register
from cityops.programmes.seed import seed_programmes
from cityops.store.base import Store


def test_seed_is_idempotent_and_links_tam_ky(store: Store) -> None:
    first = seed_programmes(store)
    assert (first.added, first.linked) == (7, 0)  # no demo stations yet
    ensure_world(store)
    second = seed_programmes(store)
    assert second.added == 0 and second.linked > 0
    assert seed_programmes(store).linked == 0
    with store.read() as conn:
        [tam_ky] = register.select_projects(conn, ANONYMOUS, city="Tam Ky")
        things = register.get_project(conn, ANONYMOUS, tam_ky.id).things
        envelope = tam_ky.project.envelope
    assert 0 < len(things) < second.linked  # the other demo programmes link their cities too
    assert envelope is not None and (envelope.value, envelope.currency) == (11_000_000, "USD")
