"""An example third-party CityOps plugin: one rule type and one alert channel.

A real plugin is its own distribution. It ships this module and declares, in its
``pyproject.toml``::

    [project]
    name = "cityops-example-plugin"

    [project.entry-points."cityops.rules"]
    above_limit = "cityops_example_plugin:AboveLimitRule"

    [project.entry-points."cityops.channels"]
    memory = "cityops_example_plugin:MemoryChannel"

After ``pip install``, ``cityops rules load`` accepts ``type = "above_limit"`` and a
subscription may use ``"channel": "memory"``; nothing in CityOps changes. The tests install it
without pip: ``conftest.install_example_plugin`` writes the ``*.dist-info`` that pip would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import Field

from cityops.alerting.channels import Channel, DeliveryError, Message
from cityops.rules import LevelSeries, Rule, RuleConfig, Series

SENT: list[tuple[str, Message]] = []  # what MemoryChannel delivered, for the tests


class AboveLimitConfig(RuleConfig):
    ROLES = ("value",)
    limit: float = Field(description="the level is 'above' when the value exceeds this")
    unit: str = Field(default="1", description="UCUM unit of the limit")


class AboveLimitRule(Rule):
    """Two levels: normal, and above the configured limit."""

    type_name = "above_limit"
    Config = AboveLimitConfig
    config: AboveLimitConfig

    def level_names(self) -> tuple[str, ...]:
        return ("normal", "above")

    def input_units(self) -> dict[str, str]:
        return {"value": self.config.unit}

    def levels(self, inputs: Mapping[str, Series], *, now: float | None = None) -> LevelSeries:
        s = inputs["value"]
        level = (s.values > self.config.limit).astype(np.int64)
        return LevelSeries(s.times, level, s.values, self.level_names())


class MemoryChannel(Channel):
    """Keeps each delivery in ``SENT``; targets are names of at most 20 letters."""

    name = "memory"

    @classmethod
    def check_target(cls, target: str) -> str:
        from cityops.errors import InvalidInput

        if not (target.isalpha() and len(target) <= 20):
            raise InvalidInput("target: a name of at most 20 letters", field="target")
        return target.lower()

    async def send(self, target: str, secret: str | None, message: Message) -> None:
        if target == "down":
            raise DeliveryError("the memory receiver is down")
        SENT.append((target, message))


def describe() -> dict[str, Any]:
    """What this plugin adds (not an entry point: a plain helper)."""
    return {"rules": ["above_limit"], "channels": ["memory"]}
