"""An imported IATI location becomes a city of the register; unclear ones are listed."""

from __future__ import annotations

from pathlib import Path

from cityops.auth.principal import ANONYMOUS, SYSTEM
from cityops.programmes import parse_iati
from cityops.programmes import store as register
from cityops.store.base import Store
from tests.helpers import make_org

FULL = (Path(__file__).parent / "data" / "full.xml").read_bytes()


def test_location_links_the_city_and_conflicts_are_listed(store: Store) -> None:
    make_org(store, "tam-ky", kind="city", lat=15.5736, lon=108.474)
    make_org(store, "vientiane", kind="city", lat=17.9757, lon=102.6331)
    source = FULL.replace(b"<cityops:city>Tam Ky</cityops:city>", b"")
    clash = source.replace(b"XX-TEST-FULL-001", b"XX-TEST-FULL-002").replace(
        b"Tam Ky river gauge", b"Vientiane office"
    )
    projects = parse_iati(source) + parse_iati(clash)
    done = store.write_sync(lambda tx: register.save_imported(tx, projects, SYSTEM))
    with store.read() as conn:
        [linked] = register.select_projects(conn, ANONYMOUS, city="Tam-Ky")
    assert linked.project.iati_identifier == "XX-TEST-FULL-001"
    assert [(r.project, set(r.candidates)) for r in done.review] == [
        ("XX-TEST-FULL-002", {"Tam-Ky", "Vientiane"})
    ]
