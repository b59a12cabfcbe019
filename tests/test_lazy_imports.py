"""Heavy optional parts load only when used: starting the app (or the CLI) imports neither
pyarrow (Parquet export) nor signxml (XML signing of CAP)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("pyarrow", "signxml")


@pytest.mark.parametrize("module", ["cityops.app", "cityops.cli"])
def test_starting_does_not_import_the_heavy_optional_parts(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
