"""The MRC importer on both exports: counts, first/last times, idempotence, rejection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cityops.errors import InvalidInput
from cityops.imports.rows import ImportRejected
from cityops.imports.service import import_mrc
from cityops.store import schema as s

from .conftest import PAKSE, SEKONG, need_mekong


def _stored(store, ds: int) -> tuple[int, datetime | None, datetime | None]:
    o = s.observations
    with store.read() as conn:
        return tuple(
            conn.execute(
                select(
                    func.count(),
                    func.min(o.c.phenomenon_time_start),
                    func.max(o.c.phenomenon_time_start),
                ).where(o.c.datastream_id == ds)
            ).one()
        )


def test_pakse_by_station_code_and_idempotent(world_store) -> None:
    need_mekong()
    store, world = world_store
    ds = world.find("station", "Pakse").streams["level"]
    out = import_mrc(store, PAKSE)  # the file's own station code finds the datastream
    assert out.datastream == ds
    assert (out.rows, out.stored, out.already) == (31263, 31263, 0)
    # Z taken as true UTC: the first value is local midnight of 1960-01-01 at UTC+07:00
    assert out.first == datetime(1959, 12, 31, 17, 0, tzinfo=UTC)
    assert out.last == datetime(2025, 10, 13, 0, 0, tzinfo=UTC)
    assert _stored(store, ds) == (31263, out.first, out.last)
    again = import_mrc(store, PAKSE)
    assert (again.stored, again.already) == (0, 31263)
    assert _stored(store, ds)[0] == 31263


def test_sekong_into_a_given_datastream(world_store) -> None:
    need_mekong()
    store, world = world_store
    ds = world.find("station", "Stung Treng").streams["level"]
    out = import_mrc(store, SEKONG, datastream=ds)
    assert (out.rows, out.stored) == (36656, 36656)
    assert out.first == datetime(2024, 4, 6, 21, 30, tzinfo=UTC)
    assert out.last == datetime(2025, 9, 21, 6, 15, tzinfo=UTC)
    assert _stored(store, ds) == (36656, out.first, out.last)
    assert import_mrc(store, SEKONG, datastream=ds).stored == 0
    a = s.audit_log
    with store.read() as conn:
        audited = [r.detail for r in conn.execute(select(a).where(a.c.action == "import"))]
    assert [(d["format"], d["stored"]) for d in audited] == [("mrc", 36656), ("mrc", 0)]


def test_header_time_zone_choice_shifts_by_seven_hours(world_store, tmp_path: Path) -> None:
    need_mekong()
    store, world = world_store
    small = tmp_path / "pakse-head.csv"
    small.write_text("".join(PAKSE.read_text().splitlines(keepends=True)[:4]))
    ds = world.find("station", "Pakse").streams["level"]
    out = import_mrc(store, small, datastream=ds, tz="header")
    assert out.first == datetime(1959, 12, 31, 10, 0, tzinfo=UTC)  # 17:00 at UTC+07:00


def test_corrupted_copy_rejected_with_line_numbers_nothing_stored(
    world_store, tmp_path: Path
) -> None:
    need_mekong()
    store, world = world_store
    lines = PAKSE.read_text().splitlines(keepends=True)
    lines[9] = lines[9].replace(",1.", ",x1.", 1)  # line 10: value not a number
    fields = lines[20000].split(",")
    fields[4] = "2004-13-45T17:00Z"
    lines[20000] = ",".join(fields)  # line 20001: no such date
    lines[30000] = "LA,013901,Water Level,Manual\n"  # line 30001: too few fields
    bad = tmp_path / "pakse-corrupted.csv"
    bad.write_text("".join(lines))
    with pytest.raises(ImportRejected) as err:
        import_mrc(store, bad)
    assert [p.line for p in err.value.problems] == [10, 20001, 30001]
    assert "line 10: value 'x1." in err.value.message
    assert "line 20001: timestamp" in err.value.message
    assert "line 30001: 4 fields" in err.value.message
    ds = world.find("station", "Pakse").streams["level"]
    assert _stored(store, ds)[0] == 0


def test_station_mismatch_and_not_an_mrc_file(world_store, tmp_path: Path) -> None:
    need_mekong()
    store, _ = world_store
    with pytest.raises(InvalidInput, match="not 014501"):
        import_mrc(store, PAKSE, datastream=1, station="014501")
    other = tmp_path / "other.csv"
    other.write_text("time,value\n2024-01-01T00:00Z,1\n")
    with pytest.raises(InvalidInput, match="not an MRC export"):
        import_mrc(store, other, datastream=1)
