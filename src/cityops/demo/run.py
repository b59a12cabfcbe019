"""``cityops demo`` end to end: seed the world, serve in-process, run the simulator (and a
scenario), print the URLs and logins."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn

from cityops.auth.tokens import create_token
from cityops.demo.datasets import ensure_datasets
from cityops.demo.scenario import Replay, mrc_file, replay, season
from cityops.demo.setup import (
    DemoUser,
    device_tokens,
    ensure_areas,
    ensure_rules,
    ensure_users,
)
from cityops.demo.simulator import SimConfig, Simulator
from cityops.demo.world import World, ensure_world
from cityops.programmes.seed import seed_programmes
from cityops.settings import Settings, masked_url
from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx

Say = Callable[[str], None]


@dataclass
class Prepared:
    world: World
    users: list[DemoUser]
    tokens: dict[int, str]
    operator_token: str
    rules: int
    seconds: float
    last_time: float | None = None  # epoch seconds of the newest stored reading, if any


def prepare(settings: Settings) -> Prepared:
    """Migrate, then create or reuse the demo world, rules, users and tokens."""
    t0 = time.monotonic()
    store = Store(settings.database_url, read_pool_size=2)
    try:
        migrate.upgrade(store.write_engine)
        world = ensure_world(store)
        seed_programmes(store)  # the cooperation programmes of the issue, linked to stations
        ensure_areas(store)  # before the rules: Tam Kỳ's river warnings use a ward
        ensure_datasets(store)  # wards, districts, synthetic facilities: exposure of warnings
        rules = ensure_rules(store, world)
        users = ensure_users(store)
        tokens = device_tokens(store, world)
        operator = store.write_sync(_operator_token)
        last = _newest_reading(store)
    finally:
        store.close()
    return Prepared(world, users, tokens, operator, rules, time.monotonic() - t0, last)


def _newest_reading(store: Store) -> float | None:
    """When the newest stored reading was taken: a restarted demo continues from there
    instead of sending its history again."""
    from sqlalchemy import func, select

    with store.read() as conn:
        newest = conn.execute(select(func.max(s.datastreams.c.last_phenomenon_time))).scalar()
    return None if newest is None else float(newest.timestamp())


def _operator_token(tx: Tx) -> str:
    from sqlalchemy import select

    u = s.users
    uid = tx.conn.execute(select(u.c.id).where(u.c.username == "mekong-operator")).scalar_one()
    return create_token(tx.conn, user_id=int(uid), name="demo scenario")[1]


def banner(settings: Settings, p: Prepared, say: Say) -> None:
    """Print where to look and how to log in."""
    base = f"http://{settings.host}:{settings.port}"
    state = "created" if p.world.created else "reused"
    say(
        f"Demo world {state} in {p.seconds:.1f} s: {len(p.world.things)} things, "
        f"{p.rules} rules ({masked_url(settings.database_url)})"
    )
    say(f"  Operations centre:  {base}/ops")
    say(f"  Public warnings:    {base}/public")
    say(f"  SensorThings API:   {base}/v1.1")
    say(f"  CAP feed:           {base}/alerts.atom")
    for line in login_lines(base, p.users):
        say(line)


def login_lines(base: str, users: list[DemoUser]) -> list[str]:
    """The demo logins, one line per organisation (admin, operator, analyst), with the URL."""
    lines = [f"  Logins at {base}/login (demo passwords: change them for anything real):"]
    by_org: dict[str, list[DemoUser]] = {}
    for u in users:
        if u.org is None:
            lines.append(f"    {'platform':<22} {u.username} / {u.password} ({u.role})")
        else:
            by_org.setdefault(u.org, []).append(u)
    for org, members in by_org.items():
        lines.append(f"    {org:<22} " + ", ".join(f"{m.username} / {m.password}" for m in members))
    return lines


async def serve_and_simulate(
    settings: Settings,
    p: Prepared,
    history_days: float,
    seed: int,
    scenario: str | None,
    mrc_data: str | None,
    say: Say,
    scenario_seconds: float = 180.0,
) -> None:
    """Run the server in this process and the simulator beside it until interrupted."""
    from cityops.app import create_app

    app = create_app(settings, upgrade=False)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level="warning", lifespan="on"
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if serving.done():
        await serving
        return
    stop = asyncio.Event()
    base = f"http://{settings.host}:{settings.port}"
    tasks = [
        asyncio.create_task(_simulate(base, settings, p, history_days, seed, scenario, stop, say))
    ]
    if scenario:
        tasks.append(
            asyncio.create_task(_scenario(base, p, scenario, mrc_data, scenario_seconds, stop, say))
        )
    say(
        f"Serving on {base}/ (Ctrl-C to stop); simulator on the wall clock, "
        f"with the last {history_days:g} days sent first"
    )
    try:
        await serving
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


def _pakse(p: Prepared) -> Any:
    return p.world.find("station", "Pakse")


async def _simulate(
    base: str,
    settings: Settings,
    p: Prepared,
    history_days: float,
    seed: int,
    scenario: str | None,
    stop: asyncio.Event,
    say: Say,
) -> None:
    skip = frozenset({_pakse(p).streams["level"]}) if scenario and _pakse(p) else frozenset()
    cfg = SimConfig(
        base,
        history=history_days * 86400.0,
        resume_after=p.last_time,
        seed=seed,
        skip_streams=skip,
        mqtt_url=settings.mqtt_url,
        mqtt_prefix=settings.mqtt_create_prefix,
    )
    sim = Simulator(p.world, p.tokens, cfg)

    def on_step(st: Any) -> None:
        if st.steps == 1 or st.steps % 30 == 0:
            say(
                f"simulator: {st.steps} steps, {st.sent} observations sent, {st.errors} errors"
                + (f" (last: {st.last_error})" if st.errors else "")
            )

    try:
        await sim.run(stop, on_step=on_step)
    except Exception as exc:  # the server keeps running without the simulator
        say(f"simulator stopped: {type(exc).__name__}: {exc}")


async def _scenario(
    base: str,
    p: Prepared,
    scenario: str,
    mrc_data: str | None,
    seconds: float,
    stop: asyncio.Event,
    say: Say,
) -> None:
    pakse = _pakse(p)
    try:
        times, values = season(mrc_file(mrc_data), scenario)
        say(f"scenario {scenario}: replaying {times.size} Pakse readings in {seconds:g} s")
        r = Replay(
            base, pakse.streams["level"], p.tokens[pakse.id], p.operator_token, duration=seconds
        )
        out = await replay(r, times, values, lambda m: say(f"scenario: {m}"), stop)
        say(
            f"scenario {scenario} done: {out['sent']} readings, incident {out['incident']}, "
            f"alert {out['alert']}"
        )
    except Exception as exc:
        say(f"scenario stopped: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
