"""Run ``cityops`` in-process as the console script does (``cli.main``): exit status,
standard output and standard error."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from cityops.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    """``cityops ARGS`` through the console-script entry point."""
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["cityops", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    got = capsys.readouterr()
    return Run(code, got.out, got.err)
