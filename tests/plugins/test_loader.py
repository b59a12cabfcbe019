"""The entry-point loader (``cityops.plugins``): built-ins without installed metadata,
stale metadata, clashes, broken plugins, and the storage and worker groups."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

import pytest

from cityops.app import create_app, workers
from cityops.plugins import BUILTINS, load_reference
from cityops.rules import get, names
from cityops.rules.river import RiverLevelRule
from cityops.settings import Settings
from cityops.store.base import Store
from cityops.store.dialect import backend_for, backends
from cityops.store.sqlite import SQLiteDialect
from tests.plugins.conftest import install_distribution

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_declares_exactly_the_builtin_table() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert declared == BUILTINS
    assert [list(v) for v in declared.values()] == [list(v) for v in BUILTINS.values()]  # order


@pytest.mark.parametrize(
    "reference", [ref for group in BUILTINS.values() for ref in group.values()]
)
def test_every_builtin_reference_loads(reference: str) -> None:
    assert load_reference(reference) is not None


def test_builtins_come_from_the_table_even_with_stale_own_metadata(site: Path) -> None:
    # An old editable install of CityOps whose metadata names a type that no longer exists.
    install_distribution(site, "cityops", "[cityops.rules]\nriver_level = gone.module:Old\n")
    assert get("river_level") is RiverLevelRule
    assert set(BUILTINS["cityops.rules"]) <= set(names())


def test_a_clash_with_a_builtin_keeps_the_builtin(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (site / "clash_plugin.py").write_text(
        "from cityops.rules.rainfall import RainfallRule as Impostor\n"
    )
    install_distribution(site, "clash", "[cityops.rules]\nriver_level = clash_plugin:Impostor\n")
    with caplog.at_level(logging.ERROR, "cityops.plugins"):
        assert get("river_level") is RiverLevelRule
    assert "'river_level' of clash ignored: the name is taken" in caplog.text


def test_a_broken_or_wrong_plugin_is_skipped_and_the_rest_load(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (site / "broken_plugin.py").write_text("raise ImportError('needs libfoo')\n")
    (site / "wrong_plugin.py").write_text("NotARule = 42\n")
    install_distribution(
        site,
        "bad",
        "[cityops.rules]\nbroken = broken_plugin:Rule\nwrong = wrong_plugin:NotARule\n",
    )
    with caplog.at_level(logging.ERROR, "cityops.plugins"):
        known = names()
    assert "broken" not in known and "wrong" not in known and "river_level" in known
    assert "could not be loaded" in caplog.text and "is not a rule type" in caplog.text


def test_a_storage_backend_plugin_serves_its_url_scheme(site: Path) -> None:
    (site / "memdb_plugin.py").write_text(
        "from cityops.store.sqlite import SQLiteDialect\n\n"
        "class MemDialect(SQLiteDialect):\n    name = 'memdb'\n"
    )
    install_distribution(site, "memdb", "[cityops.storage]\nmemdb = memdb_plugin:MemDialect\n")
    assert backend_for("memdb://x").name == "memdb"
    assert isinstance(backend_for("sqlite:///x.db"), SQLiteDialect)
    with pytest.raises(ValueError, match="no storage backend for 'oracle'"):
        backend_for("oracle://x")
    assert "memdb" in backends


async def test_a_worker_plugin_starts_after_the_builtins(
    site: Path, settings: Settings, store: Store
) -> None:
    (site / "ticker_plugin.py").write_text(
        "EVENTS = []\n\n"
        "def ticker(ctx):\n"
        "    async def start():\n"
        "        EVENTS.append(('start', sorted(ctx.services)))\n"
        "    async def stop():\n"
        "        EVENTS.append(('stop', sorted(ctx.services)))\n"
        "    return start, stop\n"
    )
    install_distribution(site, "ticker", "[cityops.workers]\nticker = ticker_plugin:ticker\n")
    assert [name for name, _ in workers.items()][-1] == "ticker"
    app = create_app(settings, store, upgrade=False)
    async with app.router.lifespan_context(app):
        pass
    import ticker_plugin  # type: ignore[import-not-found]

    events: list[tuple[str, Any]] = ticker_plugin.EVENTS
    assert [e[0] for e in events] == ["start", "stop"]
    assert {"engine", "alerts"} <= set(events[0][1])  # built-ins were already started


def test_settings_accept_the_url_of_a_plugin_backend_only_when_installed(site: Path) -> None:
    with pytest.raises(ValueError, match="postgresql: or sqlite:"):
        Settings(database_url="memdb://x")
    (site / "memdb_plugin.py").write_text(
        "from cityops.store.sqlite import SQLiteDialect\n\n"
        "class MemDialect(SQLiteDialect):\n    name = 'memdb'\n"
    )
    install_distribution(site, "memdb", "[cityops.storage]\nmemdb = memdb_plugin:MemDialect\n")
    backends.refresh()
    assert Settings(database_url="memdb://x").database_url == "memdb://x"
