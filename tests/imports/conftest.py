"""A SQLite store holding the demo world (its stations are the import targets)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityops.demo.world import World, ensure_world
from cityops.store.base import Store

MEKONG = Path("/work/shared/data/mekong")
PAKSE = MEKONG / "pakse_water_level_MRC_013901.csv"
SEKONG = MEKONG / "sekong_bridge_water_level_MRC_014500.csv"


@pytest.fixture
def world_store(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Store, World]]:
    target = tmp_path / "world.db"
    shutil.copyfile(sqlite_template, target)
    store = Store(f"sqlite:///{target}", read_pool_size=2)
    world = ensure_world(store)
    yield store, world
    store.close()


def need_mekong() -> None:
    if not PAKSE.is_file() or not SEKONG.is_file():
        pytest.skip("MRC exports not available in /work/shared/data/mekong")
