"""The cluster fixture itself: a stream with three replicas survives one node's kill -9."""

from __future__ import annotations

import asyncio

import nats

from tests.cluster.natscluster import NatsCluster


def test_replicated_stream_survives_a_killed_node(nats_cluster: NatsCluster) -> None:
    async def scenario() -> tuple[int, int]:
        nc = await nats.connect(servers=nats_cluster.urls.split(","))
        js = nc.jetstream()
        await js.add_stream(name="T", subjects=["t.>"], num_replicas=3)
        for i in range(50):
            await js.publish("t.x", str(i).encode())
        nats_cluster.kill(0)
        for _ in range(100):
            try:
                await js.publish("t.x", b"after")
                break
            except Exception:  # leader election in progress
                await asyncio.sleep(0.1)
        info = await js.stream_info("T")
        await nc.close()
        return info.config.num_replicas or 0, info.state.messages

    replicas, messages = asyncio.run(scenario())
    assert replicas == 3
    assert messages == 51
