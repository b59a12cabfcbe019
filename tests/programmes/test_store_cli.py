"""``cityops programmes``: import twice, load rates, export XML and CSV (SQLite file)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cityops.cli import app
from cityops.programmes.iati_schema import iati_schema
from cityops.programmes.seed import seed_programmes
from cityops.safexml import parse_untrusted
from cityops.store.base import Store

DATA = Path(__file__).parent / "data"


def test_cli_round_trip(tmp_path: Path) -> None:
    db = ["-d", f"sqlite:///{tmp_path / 'cli.db'}"]
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade", *db]).exit_code == 0
    xml = str(DATA / "activities.xml")
    assert "added: XX-TEST-FUNDER-B-7" in run(app, ["programmes", "import-iati", xml, *db]).output
    again = run(app, ["programmes", "import-iati", xml, *db])
    assert again.exit_code == 0 and "added" not in again.output
    loaded = run(app, ["programmes", "rates", "load", str(DATA / "rates.csv"), *db])
    assert "5 rate(s) to USD" in loaded.output
    out = run(app, ["programmes", "export-iati", "--funder", "XX-TEST-FUNDER-A", *db])
    assert out.exit_code == 0
    root = parse_untrusted(out.stdout_bytes)
    assert iati_schema().validate(root) and len(root.findall("iati-activity")) == 2
    csv = run(app, ["programmes", "export-csv", "--sector", "14015", *db])
    assert csv.output.count("\n") == 2


def test_cli_exports_the_demo_register(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade", "-d", url]).exit_code == 0
    store = Store(url)
    try:
        seed_programmes(store)
    finally:
        store.close()
    out = run(app, ["programmes", "export-iati", "-d", url])
    assert out.exit_code == 0, out.output
    root = parse_untrusted(out.stdout_bytes)
    assert iati_schema().validate(root) and len(root.findall("iati-activity")) == 7
