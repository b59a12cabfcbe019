"""The live simulator: seeded synthetic streams sent through the public ingest paths.

Every demo Thing posts its readings with its own device token: over HTTP
(``POST /v1.1/CreateObservations``) or, when a broker is configured, over MQTT
(``v1.1/Datastreams(N)/Observations`` with the MQTT 5 user property
``authorization: Bearer <token>``).

Time never lies: every reading carries a time at or before the wall clock. The simulator
starts ``history`` before now, sends that past at once (one CreateObservations request per
Thing and day, over HTTP), then one step per ``step`` seconds of real time. The flood wave
is placed so that it has reached the upper stations when the demo starts and travels on
downstream while it runs; charts and incidents have a past from the first minute.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np
import orjson

from cityops.demo import models as m
from cityops.demo import vietnam as vn
from cityops.demo.reference import levels_of
from cityops.demo.setup import PAKSE_STUNG_TRENG_LAG
from cityops.demo.world import DemoThing, World

log = logging.getLogger(__name__)
HAZE_CITIES = {
    "Bangkok",
    "Chonburi",
    "Vientiane",
    "Luang Prabang",
    "Mandalay",
    "Nay Pyi Taw",
    "Hai Phong",
}
#: The Tam Ky typhoon flood crests this long before the demo starts (levels still above
#: the alarm levels when it opens); Câu Lâu and Hội An crest after Ái Nghĩa upstream.
TYPHOON_CREST_BEFORE = 4 * m.HOUR
TYPHOON_DELAY = {"Câu Lâu": 2 * m.HOUR, "Hội An": 3 * m.HOUR}
STATION_LAG = 6 * m.HOUR  # simulated travel time between neighbouring stations
Reading = tuple[int, float]  # (datastream id, value)


@dataclass
class SimConfig:
    """How the simulator runs."""

    base_url: str
    seed: int = 7
    history: float = 3 * m.DAY  # sent at start: the readings of this long before now
    history_step: float = 15 * 60.0  # seconds between readings of the history
    step: float = 60.0  # seconds between live readings (real time)
    now: float = field(default_factory=time.time)  # the wall clock when the demo starts
    resume_after: float | None = None  # newest reading already stored (a restarted demo)
    skip_streams: frozenset[int] = frozenset()  # datastreams a scenario feeds instead
    flood_after: float = 1 * m.DAY  # the flood wave starts this long after the history starts
    haze_after: float = 2 * m.DAY
    mqtt_url: str | None = None
    mqtt_prefix: str = ""

    @property
    def start(self) -> float:
        """Epoch seconds where the story (flood wave, haze) starts."""
        return self.now - self.history

    @property
    def history_from(self) -> float:
        """The first history reading: after what a previous run stored, never twice."""
        if self.resume_after is None:
            return self.start
        return max(self.start, self.resume_after + self.history_step)


def _offset(order: int) -> float:
    """Simulated arrival delay of the wave at the ``order``-th station after the first."""
    if order <= 12:
        return (order - 1) * STATION_LAG
    return 11 * STATION_LAG + PAKSE_STUNG_TRENG_LAG + (order - 13) * STATION_LAG


class Signals:
    """The synthetic value of every demo datastream at a simulated time (seeded)."""

    def __init__(self, world: World, cfg: SimConfig) -> None:
        self.world, self.cfg = world, cfg
        self.rng = np.random.default_rng(cfg.seed)
        self.rain = {
            t.id: m.RainEvents(np.random.default_rng([cfg.seed, t.id]), t.lat)
            for t in world.by_kind("weather")
        }
        self.pm_base = {t.id: float(self.rng.uniform(12.0, 35.0)) for t in world.by_kind("air")}
        mekong = [t for t in world.by_kind("station") if t.place not in vn.BY_NAME]
        self.order = {t.id: i + 1 for i, t in enumerate(sorted(mekong, key=lambda t: t.id))}

    def readings(self, thing: DemoThing, t: float, step: float) -> list[Reading]:
        """The Thing's readings at ``t``; rain is the amount over the ``step`` before."""
        if thing.kind == "station":
            return [(thing.streams["level"], round(self._level(thing, t), 3))]
        if thing.kind == "weather":
            return self._weather(thing, t, step)
        return [(thing.streams["pm25"], round(self._pm25(thing, t), 1))]

    def _level(self, thing: DemoThing, t: float) -> float:
        if thing.place in vn.BY_NAME:
            return self._typhoon_level(thing.place, t)
        levels = levels_of(thing.place)
        base = (min(levels.values()) - 3.0) if levels else 6.0
        season = 1.0 * m.monsoon(t, thing.lat)
        wave = self._wave(thing, t, bool(levels))
        return base + season + wave + float(self.rng.normal(0.0, 0.01))

    def _wave(self, thing: DemoThing, t: float, known: bool) -> float:
        order = self.order[thing.id]
        centre_shift = _offset(order)
        start = self.cfg.start + self.cfg.flood_after
        x = t - start - centre_shift
        return (3.4 if known else 4.0) * float(np.exp(-(((x - 20 * m.HOUR) / (10 * m.HOUR)) ** 2)))

    def _typhoon_level(self, name: str, t: float) -> float:
        """A Central Viet Nam typhoon flood: the gauge rises from 1 m below level I to its
        crest (``vietnam.crest``) ``TYPHOON_CREST_BEFORE`` before the demo starts and
        recedes over the following day; downstream gauges crest a few hours later."""
        bd1 = vn.BY_NAME[name].levels[0]
        base, peak = bd1 - 1.0, vn.crest(name)
        at = self.cfg.now - TYPHOON_CREST_BEFORE + TYPHOON_DELAY.get(name, 0.0)
        width = 14 * m.HOUR if t < at else 30 * m.HOUR  # fast rise, slow recession
        wave = (peak - base) * float(np.exp(-(((t - at) / width) ** 2)))
        return base + wave + float(self.rng.normal(0.0, 0.01))

    def _weather(self, thing: DemoThing, t: float, step: float) -> list[Reading]:
        wet = m.monsoon(t, thing.lat)
        temp = m.temperature(t, thing.lat, thing.lon, wet) + float(self.rng.normal(0, 0.3))
        # the day's mean: the diurnal cycle averages out over 24 h
        daily = m.temperature(t, thing.lat, thing.lon, wet) - (4.5 - 1.5 * wet) * math.cos(
            2 * math.pi * (m.solar_hour(t, thing.lon) - 14.0) / 24.0
        )
        rate = self.rain[thing.id].intensity(t)
        rh = m.humidity(temp, daily, wet, rate > 0.1)
        s = thing.streams
        return [
            (s["temperature"], round(temp, 2)),
            (s["humidity"], round(rh, 1)),
            (s["rain"], round(rate * step / m.HOUR, 2)),
        ]

    def _pm25(self, thing: DemoThing, t: float) -> float:
        haze = (
            m.haze(t, self.cfg.start + self.cfg.haze_after) if thing.place in HAZE_CITIES else 0.0
        )
        value = m.pm25(t, thing.lon, self.pm_base[thing.id], haze)
        return max(0.0, value * float(self.rng.lognormal(0.0, 0.08)))


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_body(readings: list[Reading], t: float) -> list[dict[str, Any]]:
    """A CreateObservations body: one group per datastream."""
    return history_body([(t, readings)])


def history_body(steps: list[tuple[float, list[Reading]]]) -> list[dict[str, Any]]:
    """A CreateObservations body of many times: one group per datastream, rows in time order."""
    rows: dict[int, list[list[Any]]] = {}
    for t, readings in steps:
        for ds, value in readings:
            rows.setdefault(ds, []).append([iso(t), value])
    return [
        {"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": r}
        for ds, r in rows.items()
    ]


@dataclass
class Stats:
    steps: int = 0
    sent: int = 0
    errors: int = 0
    last_error: str = ""
    sim_time: float = 0.0


class Simulator:
    """Runs steps until stopped: each step computes and posts every Thing's readings."""

    def __init__(self, world: World, tokens: dict[int, str], cfg: SimConfig) -> None:
        self.world, self.tokens, self.cfg = world, tokens, cfg
        self.signals = Signals(world, cfg)
        self.stats = Stats()

    def step_readings(self, t: float, step: float | None = None) -> dict[int, list[Reading]]:
        """Readings of every Thing at time ``t`` (scenario streams left out)."""
        out = {}
        for thing in self.world.things:
            rs = [
                r
                for r in self.signals.readings(thing, t, step or self.cfg.step)
                if r[0] not in self.cfg.skip_streams
            ]
            if rs:
                out[thing.id] = rs
        return out

    async def send_history(self, until: float) -> None:
        """Every reading from the start to ``until`` (not included), a day per request."""
        sender = HttpSender(self.cfg.base_url)
        step = self.cfg.history_step
        try:
            day = self.cfg.history_from
            while day < until:
                times = np.arange(day, min(day + m.DAY, until), step).tolist()
                per_thing: dict[int, list[tuple[float, list[Reading]]]] = {}
                for t in times:
                    for thing, readings in self.step_readings(t, step).items():
                        per_thing.setdefault(thing, []).append((t, readings))
                await self._gather(
                    sender.send_body(self.tokens[thing], history_body(steps))
                    for thing, steps in per_thing.items()
                )
                day += m.DAY
        finally:
            await sender.close()

    async def run(
        self,
        stop: asyncio.Event,
        max_steps: int | None = None,
        on_step: Callable[[Stats], None] | None = None,
    ) -> Stats:
        if self.cfg.history > 0:
            await self.send_history(self.cfg.now)
        sender = await _sender(self.cfg)
        try:
            while not stop.is_set() and (max_steps is None or self.stats.steps < max_steps):
                t = time.time()  # the wall clock: never a reading from the future
                await self._send_all(sender, t)
                self.stats.steps += 1
                self.stats.sim_time = t
                if on_step is not None:
                    on_step(self.stats)
                try:
                    await asyncio.wait_for(stop.wait(), self.cfg.step)
                except TimeoutError:
                    pass
        finally:
            await sender.close()
        return self.stats

    async def _send_all(self, sender: Any, t: float) -> None:
        batches = self.step_readings(t)
        await self._gather(
            sender.send(self.tokens[thing], readings, t) for thing, readings in batches.items()
        )

    async def _gather(self, sends: Any) -> None:
        results = await asyncio.gather(*sends, return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                self.stats.errors += 1
                self.stats.last_error = f"{type(r).__name__}: {r}"
            else:
                self.stats.sent += int(r)


class HttpSender:
    """CreateObservations over HTTP with the Thing's device token."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url, timeout=30.0, limits=httpx.Limits(max_connections=8)
        )

    async def send(self, token: str, readings: list[Reading], t: float) -> int:
        return await self.send_body(token, create_body(readings, t))

    async def send_body(self, token: str, body: list[dict[str, Any]]) -> int:
        r = await self.client.post(
            "/v1.1/CreateObservations",
            content=orjson.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        if r.status_code != 201:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        return sum(1 for x in r.json() if x != "error")

    async def close(self) -> None:
        await self.client.aclose()


class MqttSender:
    """One MQTT publish per reading (the SensorThings create topic), QoS 1."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client, self.prefix = client, prefix

    async def send(self, token: str, readings: list[Reading], t: float) -> int:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [("authorization", f"Bearer {token}")]
        for ds, value in readings:
            await self.client.publish(
                f"{self.prefix}v1.1/Datastreams({ds})/Observations",
                orjson.dumps({"phenomenonTime": iso(t), "result": value}),
                qos=1,
                properties=props,
            )
        return len(readings)

    async def close(self) -> None:
        await self.client.__aexit__(None, None, None)


async def _sender(cfg: SimConfig) -> Any:
    if not cfg.mqtt_url:
        return HttpSender(cfg.base_url)
    import aiomqtt

    from cityops.settings import parse_mqtt_url

    client = aiomqtt.Client(
        **parse_mqtt_url(cfg.mqtt_url).client_options(),
        identifier=f"cityops-demo-sim-{cfg.seed}",
        protocol=aiomqtt.ProtocolVersion.V5,
    )
    await client.__aenter__()
    return MqttSender(client, cfg.mqtt_prefix)
