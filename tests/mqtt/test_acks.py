"""Every received QoS 1 message is acknowledged exactly once after its batch committed,
whatever became of it (stored, duplicate, rejected, our own echo); none when the commit
failed, so that the broker delivers it again. An unacknowledged message keeps a slot of the
broker's inflight window until reconnection: a leak there would stall ingest."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from cityops.mqtt.ingest import Item, Rejection
from cityops.mqtt.service import MqttService

pytestmark = pytest.mark.mqtt


@dataclass
class _Paho:
    acks: list[tuple[int, int]] = field(default_factory=list)

    def ack(self, mid: int, qos: int) -> int:
        self.acks.append((mid, qos))
        return 0


@dataclass
class _Client:
    _client: _Paho = field(default_factory=_Paho)
    published: list[str] = field(default_factory=list)

    async def publish(self, topic: str, payload: bytes, **_: Any) -> None:
        self.published.append(topic)


@dataclass
class _Message:
    mid: int
    qos: int = 1


def _items() -> list[Item]:
    stored = Item("t", b"{}", {}, reply_to="reply/1", observation_id=1)
    duplicate = Item("t", b"{}", {}, observation_id=1, duplicate=True)
    rejected = Item("t", b"x", {}, rejection=Rejection(400, "bad"))
    echo = Item("t", b"{}", {"cityops-origin": "notification"}, echo=True)
    qos0 = Item("t", b"{}", {}, observation_id=2)
    return [stored, duplicate, rejected, echo, qos0]


def _done(result: Any = None, error: BaseException | None = None) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
    return future


async def test_each_path_acks_exactly_once(service: MqttService) -> None:
    client = _Client()
    batch = [_Message(1), _Message(2), _Message(3), _Message(4), _Message(5, qos=0)]
    await service._finish(client, _done(), batch, _items())  # type: ignore[arg-type]
    assert client._client.acks == [(1, 1), (2, 1), (3, 1), (4, 1)]
    assert "reply/1" in client.published  # answered before acknowledging
    assert any(t.startswith("cityops/errors/") for t in client.published)


async def test_failed_commit_acks_nothing(service: MqttService) -> None:
    client = _Client()
    batch = [_Message(1), _Message(2)]
    with pytest.raises(RuntimeError):
        await service._finish(
            client,
            _done(error=RuntimeError("disk full")),  # type: ignore[arg-type]
            batch,
            _items()[:2],
        )
    assert client._client.acks == []
