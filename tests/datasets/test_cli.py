"""``cityops datasets import`` and ``list`` in-process, as the console script runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityops.store.base import Store
from tests.cli.support import run_cli
from tests.datasets.files import geojson, ward_features
from tests.helpers import make_org


def test_import_then_list(
    store: Store,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_org(store, "tamky")
    path = tmp_path / "Tam Ky wards.geojson"
    path.write_bytes(geojson(ward_features()))
    run = run_cli(
        capsys,
        monkeypatch,
        "datasets",
        "import",
        str(path),
        "--org",
        "tamky",
        "--title",
        "Wards",
        "--licence",
        "CC-BY-4.0",
        "--visibility",
        "restricted",
        "-d",
        db_url,
    )
    assert run.code == 0, run.err
    assert "tam-ky-wards: 2 feature(s), restricted" in run.out
    run = run_cli(capsys, monkeypatch, "datasets", "list", "-d", db_url)
    assert run.out.split("\t")[:3] == ["tam-ky-wards", "2", "restricted"]


def test_a_broken_file_is_one_line_naming_the_feature(
    store: Store,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_org(store, "tamky")
    feats = ward_features()
    feats[0]["geometry"] = None
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson(feats))
    run = run_cli(
        capsys,
        monkeypatch,
        "datasets",
        "import",
        str(path),
        "--org",
        "tamky",
        "--title",
        "Wards",
        "-d",
        db_url,
    )
    assert run.code != 0 and "feature 1 (id 'w1'): no geometry" in run.err
    assert len(run.err_lines) == 1
