"""Property: no sequence of operations by one organisation changes another's rows.

Hypothesis draws sequences of writes (PATCH of every link, deletes, deep inserts naming
existing entities, visibility changes, observations) made by city A's admin or by a
device of A, aimed at any entity of either city. Whatever is allowed and whatever is
refused, every row that belongs to city B (its entities, their observations, historical
locations and link rows) must be exactly as before. Runs on SQLite (a copy of one built
world per example keeps it fast); the matrix in tests/api runs both databases.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import or_, select

from cityops.auth.principal import Principal, Role
from cityops.datamodel.entities import BY_NAME
from cityops.errors import CityOpsError
from cityops.sta.create import create_entity
from cityops.sta.delete import delete_entity
from cityops.sta.update import update_entity
from cityops.store import schema as s
from cityops.store.base import Store
from tests.api.test_write_matrix import _station
from tests.helpers import make_org

KEYS = {
    "thing": "Thing",
    "loc": "Location",
    "hl": "HistoricalLocation",
    "ds": "Datastream",
    "sensor": "Sensor",
    "prop": "ObservedProperty",
    "obs": "Observation",
    "foi": "FeatureOfInterest",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict[str, Any]:
    """One world (A: two stations; B: a public and a restricted one), kept as a file."""
    path = tmp_path_factory.mktemp("tenancy") / "world.db"
    shutil.copyfile(sqlite_template, path)
    store = Store(f"sqlite:///{path}", read_pool_size=1)
    a, b = make_org(store, "city-a"), make_org(store, "city-b")

    def job(tx: Any) -> dict[str, Any]:
        return {
            "A1": _station(tx, "city-a", 1, "public"),
            "A2": _station(tx, "city-a", 2, "restricted"),
            "B1": _station(tx, "city-b", 1, "public"),
            "B2": _station(tx, "city-b", 2, "restricted"),
        }

    ids = store.write_sync(job)
    store.close()
    return {"path": path, "ids": ids, "a": a, "b": b}


def _ops(ids: dict[str, Any]) -> list[tuple[str, str, int, Any]]:
    """Candidate operations: (kind, entity, id, body) over every entity of both cities."""
    every = {key: [ids[st_][key] for st_ in ids] for key in KEYS}
    ops: list[tuple[str, str, int, Any]] = []
    for key, name in KEYS.items():
        et = BY_NAME[name]
        for ident in every[key]:
            ops.append(("delete", name, ident, None))
            for nav in et.navs:
                target = next(k for k, v in KEYS.items() if v == nav.target)
                for other in every[target]:
                    link = {"@iot.id": other}
                    ops.append(("patch", name, ident, {nav.name: [link] if nav.many else link}))
        if et.access:
            for ident in every[key]:
                ops.append(("patch", name, ident, {"@cityops.visibility": "public"}))
    for thing in every["thing"]:
        ops.append(("create", "Location", 0, _location_at(thing)))
    for ds in every["ds"]:
        ops.append(("create", "Observation", 0, {"result": 9, "Datastream": {"@iot.id": ds}}))
    return ops


def _location_at(thing: int) -> dict[str, Any]:
    return {
        "name": "n",
        "description": "d",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [1, 2]},
        "Things": [{"@iot.id": thing}],
    }


def _rows_of(store: Store, org: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to organisation ``org``."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.read() as conn:
        owned = {}
        for t in (s.things, s.locations, s.datastreams, s.sensors, s.observed_properties):
            owned[t.name] = [tuple(r) for r in conn.execute(select(t).where(t.c.org_id == org))]
        foi = s.features_of_interest
        owned[foi.name] = [tuple(r) for r in conn.execute(select(foi).where(foi.c.org_id == org))]
        ds_ids = select(s.datastreams.c.id).where(s.datastreams.c.org_id == org)
        th_ids = select(s.things.c.id).where(s.things.c.org_id == org)
        loc_ids = select(s.locations.c.id).where(s.locations.c.org_id == org)
        o, hl, tl, hll = (
            s.observations,
            s.historical_locations,
            s.thing_locations,
            s.historical_location_locations,
        )
        owned["observations"] = list(
            map(tuple, conn.execute(select(o).where(o.c.datastream_id.in_(ds_ids))))
        )
        owned["hl"] = list(map(tuple, conn.execute(select(hl).where(hl.c.thing_id.in_(th_ids)))))
        owned["tl"] = list(
            map(
                tuple,
                conn.execute(
                    select(tl).where(or_(tl.c.thing_id.in_(th_ids), tl.c.location_id.in_(loc_ids)))
                ),
            )
        )
        hl_ids = select(hl.c.id).where(hl.c.thing_id.in_(th_ids))
        owned["hll"] = list(
            map(
                tuple,
                conn.execute(
                    select(hll).where(
                        or_(
                            hll.c.historical_location_id.in_(hl_ids),
                            hll.c.location_id.in_(loc_ids),
                        )
                    )
                ),
            )
        )
    for name, rows in owned.items():
        out[name] = sorted(rows, key=repr)
    return out


def _run(store: Store, who: Principal, op: tuple[str, str, int, Any]) -> bool:
    kind, name, ident, body = op
    et = BY_NAME[name]

    def job(tx: Any) -> None:
        if kind == "delete":
            delete_entity(tx, et, ident, who)
        elif kind == "patch":
            update_entity(tx, et, ident, body, who)
        else:
            create_entity(tx, et, body, who)

    try:
        store.write_sync(job)
    except CityOpsError:
        return False
    return True


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_sequence_by_one_city_changes_anothers_rows(
    built: dict[str, Any], tmp_path: Path, data: st.DataObject
) -> None:
    ids = built["ids"]
    ops = _ops(ids)
    city_admin = Principal(Role.CITY_ADMIN, "ca", org_id=built["a"])
    device = Principal(
        Role.DEVICE, "dev", org_id=built["a"], thing_ids=frozenset({ids["A1"]["thing"]})
    )
    sequence = data.draw(
        st.lists(st.tuples(st.sampled_from([city_admin, device]), st.sampled_from(ops)), max_size=8)
    )
    copy = tmp_path / f"run-{data.draw(st.integers(0, 10**9))}.db"
    shutil.copyfile(built["path"], copy)
    store = Store(f"sqlite:///{copy}", read_pool_size=1)
    try:
        before = _rows_of(store, built["b"])
        for who, op in sequence:
            _run(store, who, op)
        assert _rows_of(store, built["b"]) == before, sequence
    finally:
        store.close()
        copy.unlink()


def test_allowed_operations_do_happen(built: dict[str, Any], tmp_path: Path) -> None:
    """The property is not vacuous: A's admin changes its own rows through the same ops."""
    copy = tmp_path / "own.db"
    shutil.copyfile(built["path"], copy)
    store = Store(f"sqlite:///{copy}", read_pool_size=1)
    ids = built["ids"]
    who = Principal(Role.CITY_ADMIN, "ca", org_id=built["a"])
    try:
        before = _rows_of(store, built["a"])
        assert _run(
            store,
            who,
            ("patch", "Datastream", ids["A1"]["ds"], {"Thing": {"@iot.id": ids["A2"]["thing"]}}),
        )
        assert _run(
            store,
            who,
            ("patch", "Datastream", ids["A1"]["ds"], {"Sensor": {"@iot.id": ids["B1"]["sensor"]}}),
        )
        assert _run(store, who, ("delete", "Thing", ids["A2"]["thing"], None))
        assert not _run(
            store,
            who,
            ("delete", "Thing", ids["B1"]["thing"], None),
        )
        assert _rows_of(store, built["a"]) != before
    finally:
        store.close()
