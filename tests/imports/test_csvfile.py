"""Logger CSV edge cases: time zones, decimal commas, blank lines, duplicates, bad rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cityops.errors import InvalidInput
from cityops.imports.csvfile import CsvOptions
from cityops.imports.rows import ImportRejected
from cityops.imports.service import import_csv
from cityops.store import schema as s


def _rows(store, ds: int) -> list[tuple[datetime, float]]:
    o = s.observations
    with store.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(o.c.phenomenon_time_start, o.c.result_number)
                .where(o.c.datastream_id == ds)
                .order_by(o.c.phenomenon_time_start)
            )
        ]


def _ds(world) -> int:
    return world.find("weather", "Bangkok").streams["temperature"]


def test_time_zones_naive_iana_and_explicit_offsets(world_store, tmp_path: Path) -> None:
    store, world = world_store
    f = tmp_path / "logger.csv"
    f.write_text(
        "time,temp\n2024-01-15 08:00,25.0\n2024-01-15T09:00:00+00:00,26.0\n2024-07-01 08:00,30.0\n"
    )
    import_csv(store, f, _ds(world), CsvOptions("time", "temp", tz="Asia/Bangkok"))
    assert _rows(store, _ds(world)) == [
        (datetime(2024, 1, 15, 1, 0, tzinfo=UTC), 25.0),  # naive: Bangkok, UTC+07:00
        (datetime(2024, 1, 15, 9, 0, tzinfo=UTC), 26.0),  # an explicit offset is kept
        (datetime(2024, 7, 1, 1, 0, tzinfo=UTC), 30.0),
    ]


def test_dst_zone_and_fixed_offset(world_store, tmp_path: Path) -> None:
    store, world = world_store
    f = tmp_path / "dst.csv"
    f.write_text("t,v\n2024-01-10T12:00,1\n2024-07-10T12:00,2\n")
    import_csv(store, f, _ds(world), CsvOptions("t", "v", tz="Europe/Berlin"))
    got = [t.hour for t, _ in _rows(store, _ds(world))]
    assert got == [11, 10]  # CET winter, CEST summer
    g = tmp_path / "offset.csv"
    g.write_text("t,v\n2024-02-10T12:00,3\n")
    import_csv(store, g, _ds(world), CsvOptions("t", "v", tz="+06:30"))
    assert _rows(store, _ds(world))[1] == (datetime(2024, 2, 10, 5, 30, tzinfo=UTC), 3.0)


def test_decimal_comma_semicolon_blank_lines_and_columns_by_number(
    world_store, tmp_path: Path
) -> None:
    store, world = world_store
    f = tmp_path / "comma.csv"
    f.write_text(
        "\n\nDatum;Zeit;Wert\n2024-03-01T00:00Z;x;12,5\n\n2024-03-01T01:00Z;x;1.234,75\n\n"
    )
    out = import_csv(store, f, _ds(world), CsvOptions("1", "3", decimal_comma=True, delimiter=";"))
    assert out.stored == 2
    assert [v for _, v in _rows(store, _ds(world))] == [12.5, 1234.75]


def test_exact_duplicates_skipped_and_reimport_stores_nothing(world_store, tmp_path: Path) -> None:
    store, world = world_store
    f = tmp_path / "dup.csv"
    f.write_text("t,v\n2024-03-01T00:00Z,1\n2024-03-01T00:00Z,1\n2024-03-01T00:10Z,2\n")
    out = import_csv(store, f, _ds(world), CsvOptions("t", "v"))
    assert (out.rows, out.stored) == (2, 2)
    again = import_csv(store, f, _ds(world), CsvOptions("t", "v"))
    assert (again.stored, again.already) == (0, 2)
    assert len(_rows(store, _ds(world))) == 2


def test_conflicting_duplicates_and_bad_rows_rejected_whole(world_store, tmp_path: Path) -> None:
    store, world = world_store
    f = tmp_path / "bad.csv"
    f.write_text(
        "t,v\n2024-03-01T00:00Z,1\n2024-03-01T00:00Z,1.5\nnot a time,3\n"
        "2024-03-01T00:20Z,\n2024-03-01T00:30Z,inf\n2024-03-01T00:40Z,4\n"
    )
    with pytest.raises(ImportRejected) as err:
        import_csv(store, f, _ds(world), CsvOptions("t", "v"))
    reasons = {p.line: p.reason for p in err.value.problems}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "repeats line 2" in reasons[3]
    assert reasons[5] == "no value"
    assert "not a finite number" in reasons[6]
    assert _rows(store, _ds(world)) == []


def test_unknown_column_and_zone(world_store, tmp_path: Path) -> None:
    store, world = world_store
    f = tmp_path / "x.csv"
    f.write_text("t,v\n2024-03-01T00:00Z,1\n")
    with pytest.raises(InvalidInput, match="no column 'value'"):
        import_csv(store, f, _ds(world), CsvOptions("t", "value"))
    with pytest.raises(InvalidInput, match="tz"):
        import_csv(store, f, _ds(world), CsvOptions("t", "v", tz="Mars/Olympus"))


def test_epoch_seconds(world_store, tmp_path: Path) -> None:
    store, world = world_store
    f = tmp_path / "epoch.csv"
    f.write_text("t,v\n1700000000,5\n")
    import_csv(store, f, _ds(world), CsvOptions("t", "v", time_format="epoch"))
    assert _rows(store, _ds(world)) == [(datetime.fromtimestamp(1700000000, UTC), 5.0)]


def _import_audit(store) -> list[dict]:
    a = s.audit_log
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(a).where(a.c.action == "import"))]


def test_every_import_writes_an_audit_row(world_store, tmp_path: Path) -> None:
    """Item 9 of issue 16: a CSV import is recorded (file, format, counts, datastream)."""
    store, world = world_store
    f = tmp_path / "audit.csv"
    f.write_text("t,v\n2024-03-01T00:00Z,1\n2024-03-01T00:10Z,2\n")
    import_csv(store, f, _ds(world), CsvOptions("t", "v"))
    import_csv(store, f, _ds(world), CsvOptions("t", "v"))  # a re-import is audited too
    rows = _import_audit(store)
    assert [(r["entity"], r["entity_id"], r["actor"]) for r in rows] == [
        ("Observation", str(_ds(world)), "system")
    ] * 2
    assert rows[0]["detail"] == {"file": "audit.csv", "format": "csv", "rows": 2, "stored": 2}
    assert rows[1]["detail"]["stored"] == 0
