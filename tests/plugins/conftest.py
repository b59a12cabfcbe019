"""Install the example plugin the way pip would: its module and a ``*.dist-info`` directory
with ``METADATA`` and ``entry_points.txt`` in a directory on ``sys.path``."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityops.alerting.channels import channel_types
from cityops.app import workers
from cityops.rules import rule_types
from cityops.store.dialect import backends

GROUPS = (rule_types, channel_types, backends, workers)
PLUGIN = Path(__file__).with_name("cityops_example_plugin.py")


def install_distribution(
    site: Path, name: str, entry_points: str, modules: tuple[Path, ...] = ()
) -> None:
    """A distribution ``name`` 1.0 in ``site``: its modules and entry points."""
    dist_info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(entry_points)
    for module in modules:
        shutil.copy(module, site / module.name)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh directory on ``sys.path``; every plugin group reloads before and after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    for group in GROUPS:
        group.refresh()
    yield tmp_path
    monkeypatch.undo()
    for name, module in list(sys.modules.items()):  # forget the plugins imported from here
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]
    for group in GROUPS:
        group.refresh()


@pytest.fixture
def example_plugin(site: Path) -> Path:
    install_distribution(
        site,
        "cityops-example-plugin",
        "[cityops.rules]\nabove_limit = cityops_example_plugin:AboveLimitRule\n\n"
        "[cityops.channels]\nmemory = cityops_example_plugin:MemoryChannel\n",
        (PLUGIN,),
    )
    return site
