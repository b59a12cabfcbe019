"""A third party adds a rule type and an alert channel through entry points alone
(``cityops_example_plugin.py``, installed by the ``example_plugin`` fixture)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from cityops.alerting.channels import channel_types
from cityops.errors import InvalidInput
from cityops.rules import Series, build_rule, load_rules_toml, names
from cityops.store.base import Store
from tests.alerting.cap_support import AUTO, make_world, observe, wait_for
from tests.helpers import bearer


def test_without_the_plugin_its_names_are_unknown(site: Path) -> None:
    assert "above_limit" not in names()
    with pytest.raises(InvalidInput) as err:
        build_rule("above_limit", {"inputs": {"value": 1}, "limit": 3})
    assert err.value.field == "type" and "river_level" in str(err.value)
    assert "memory" not in channel_types


def test_the_plugin_rule_type_builds_loads_and_evaluates(example_plugin: Path) -> None:
    assert "above_limit" in names() and "river_level" in names()
    rule = build_rule("above_limit", {"inputs": {"value": 7}, "limit": 3.0})
    out = rule.levels({"value": Series(np.array([0.0, 60.0]), np.array([2.0, 4.0]))})
    assert out.levels.tolist() == [0, 1] and out.names == ("normal", "above")
    (spec,) = load_rules_toml(
        '[[rule]]\nname = "x"\ntype = "above_limit"\nsubject = "s"\n'
        "inputs = { value = 7 }\nlimit = 3.0\n"
    )
    assert spec.type == "above_limit"
    with pytest.raises(InvalidInput) as err:  # the plugin's own config is validated
        build_rule("above_limit", {"inputs": {"value": 7}})
    assert err.value.field == "limit"


async def test_the_plugin_channel_checks_targets_and_sends(example_plugin: Path) -> None:
    kind = channel_types.get("memory")
    assert kind.check_target("Duty") == "duty"
    with pytest.raises(InvalidInput):
        kind.check_target("not a name!")


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


async def test_an_alert_is_delivered_through_the_plugin_channel_for_the_plugin_rule(
    example_plugin: Path, client: httpx.AsyncClient, app: Any, store: Store, world: Any
) -> None:
    admin = bearer(world["tok"]["city_admin"])
    r = await client.post(
        "/api/alert-subscriptions", json={"channel": "memory", "target": "Duty"}, headers=admin
    )
    assert r.status_code == 201, r.text
    rule = {
        "name": "over 12 m",
        "type": "above_limit",
        "subject": "Hanoi gauge",
        "inputs": {"value": world["ds"]},
        "limit": 12.0,
        "unit": "m",
        "severities": ["Severe"],
        "alert": {**AUTO, "hazard": "river_flood"},  # a template CityOps has
    }
    r = await client.post("/api/rules", json=rule, headers=admin)
    assert r.status_code == 201, r.text
    await observe(app, store, world, 12.4, 12.5)  # automatic issue needs two readings
    sent = sys.modules["cityops_example_plugin"].SENT
    await wait_for(lambda: sent)
    target, message = sent[0]
    assert target == "duty" and message.org == "hanoi" and b"<alert" in message.xml
