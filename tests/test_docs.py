"""Docs that cannot drift: every setting, CLI command and HTTP route is documented in
README.md or docs/*.md, and each package's docstring names each of its modules.

Settings are found as ``CITYOPS_<NAME>``, commands as ``cityops <command path>``, routes as
``<METHOD> <path>`` (``{path:path}`` written ``{path}``); docs/reference.md holds the full
lists, the other pages explain.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from cityops.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "cityops"


def _docs() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def _mentioned(text: str, phrase: str) -> bool:
    return re.search(re.escape(phrase) + r"(?![\w-])", text) is not None


def test_every_setting_is_documented() -> None:
    docs = _docs()
    missing = [n for n in Settings.model_fields if not _mentioned(docs, f"CITYOPS_{n.upper()}")]
    assert not missing, f"settings not in README.md or docs/*.md: {missing}"


def _commands(cmd: Any, path: list[str]) -> Iterator[str]:
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from _commands(sub, [*path, name])
    else:
        yield " ".join(path)


def test_no_setting_documented_that_does_not_exist() -> None:
    """The other direction: a removed or renamed setting leaves no trace in the docs."""
    # Besides the settings: the config file's variable and the CLI's password variables.
    cli_only = {"CITYOPS_CONFIG", "CITYOPS_PASSWORD", "CITYOPS_OLD_PASSWORD"}
    known = {f"CITYOPS_{n.upper()}" for n in Settings.model_fields} | cli_only
    named = set(re.findall(r"CITYOPS_[A-Z][A-Z0-9_]*", _docs()))
    assert not named - known, f"documented but not settings: {sorted(named - known)}"


def test_every_cli_command_is_documented() -> None:
    from cityops.cli import app

    docs = _docs()
    commands = list(_commands(typer.main.get_command(app), []))
    assert len(commands) > 10
    missing = [c for c in commands if not _mentioned(docs, f"cityops {c}")]
    assert not missing, f"commands not in README.md or docs/*.md: {missing}"


def test_reference_lists_only_real_commands_and_routes(tmp_path: Path) -> None:
    """docs/reference.md's tables name no command or route the code does not have."""
    from cityops.app import create_app
    from cityops.cli import app as cli

    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    commands = set(_commands(typer.main.get_command(cli), []))
    listed = set(re.findall(r"^\| `cityops ([^`]+)` \|", reference, re.M))
    assert listed and not listed - commands, sorted(listed - commands)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}"), upgrade=False)
    routes = {
        f"{m} {_route_path(r.path)}"
        for r in _routes(app.routes)
        for m in getattr(r, "methods", None) or ()
    }
    listed = set(re.findall(r"^\| `([A-Z]+ /[^`]*)` \|", reference, re.M))
    assert listed and not listed - routes, sorted(listed - routes)


def _route_path(path: str) -> str:
    """A route's path as the docs write it: ``{path:path}`` is ``{path}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI's included routers
        if inner is not None:
            yield from _routes(inner.routes)
        elif hasattr(route, "routes") and not hasattr(route, "methods"):
            yield from _routes(route.routes)
        else:
            yield route


def test_every_route_is_documented(tmp_path: Path) -> None:
    from cityops.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}"), upgrade=False)
    docs = _docs()
    documented, missing = 0, []
    for route in _routes(app.routes):
        if route.path in ("/openapi.json", "/docs/oauth2-redirect", "/redoc"):
            continue  # FastAPI's own, named once under /docs
        path = _route_path(route.path)
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"}):
            documented += 1
            if not _mentioned(docs, f"{method} {path}"):
                missing.append(f"{method} {path}")
    assert documented > 50
    assert not missing, f"routes not in README.md or docs/*.md: {missing}"


def _packages() -> list[Path]:
    return sorted(
        p for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py")) and p.name[0] != "_"
    )


def _modules(package: Path) -> list[str]:
    files = [p.stem for p in package.glob("*.py") if p.stem != "__init__"]
    subs = [p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    return sorted(files + subs)


@pytest.mark.parametrize("package", _packages(), ids=lambda p: p.name)
def test_package_docstring_names_each_module(package: Path) -> None:
    init = package / "__init__.py"
    assert init.exists(), f"{package.name} has no __init__.py (and so no docstring)"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    missing = [m for m in _modules(package) if not re.search(rf"(?<!\w){m}(?!\w)", doc)]
    assert not missing, f"cityops.{package.name} docstring does not name: {missing}"
