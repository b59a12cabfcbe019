"""aiomqtt's private ``_client`` is used in one adapter module, checked against one version."""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import aiomqtt
import paho.mqtt.client as paho
import pytest

from cityops.mqtt import aiomqtt_adapter

SRC = Path(__file__).resolve().parents[2] / "src" / "cityops"
ADAPTER = SRC / "mqtt" / "aiomqtt_adapter.py"


def test_the_installed_aiomqtt_is_the_checked_minor() -> None:
    """Moving to another aiomqtt: re-check its ``_client`` (and the methods used on it),
    then update TESTED_MINOR and the pin in pyproject.toml."""
    installed = ".".join(metadata.version("aiomqtt").split(".")[:2])
    assert installed == aiomqtt_adapter.TESTED_MINOR


async def test_the_wrapped_client_is_paho_with_the_methods_used() -> None:
    client = aiomqtt.Client("127.0.0.1", 1)  # not connected: construction only
    wrapped = aiomqtt_adapter.paho_client(client)
    assert isinstance(wrapped, paho.Client)
    for method in ("manual_ack_set", "ack", "publish"):
        assert callable(getattr(wrapped, method))


async def test_publish_failure_raises_aiomqtt_error() -> None:
    client = aiomqtt.Client("127.0.0.1", 1)
    with pytest.raises(aiomqtt.MqttCodeError):  # not connected: paho refuses to queue QoS 0
        aiomqtt_adapter.queue_publish(client, "t", b"x", 0, None)


def test_no_other_module_touches_the_private_client() -> None:
    users = sorted(
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in SRC.rglob("*.py")
        if path != ADAPTER
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "_client"
    )
    assert users == []
