"""Scenario mode: the Pakse 2011 flood season replayed, sped up, through the public API.

The real record (MRC station 013901, read at run time from ``--mrc-data`` or
``CITYOPS_MRC_DATA``; never packaged) is sent reading by reading with the Pakse gauge's
device token. Its times are shifted so that the season ends at the moment the replay
started (the dashboard then shows it as recent); values are unchanged. Pakse's published
levels (warning 11.0 m, danger 12.0 m) are in its rule, whose alerts are drafted for a
person: the demo operator issues the draft through the API, as a duty operator would
(nothing reaches the public without that action). Each warning's exposure (Champasak's
districts under its area) is reported with it. The scenario reports each step
through ``on_event``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from cityops.demo.simulator import create_body
from cityops.errors import InvalidInput
from cityops.imports.mrc import read_mrc

PAKSE_FILE = "pakse_water_level_MRC_013901.csv"
SCENARIOS = {"pakse-2011": (2011, 7, 1, 10, 15)}  # year, from month/day, to month/day
Report = Callable[[str], None]


def mrc_file(data: str | Path | None, name: str = PAKSE_FILE) -> Path:
    """The MRC file ``name`` in ``data`` (a folder or the file), else $CITYOPS_MRC_DATA."""
    where = data or os.environ.get("CITYOPS_MRC_DATA")
    if not where:
        raise InvalidInput(
            "scenario: give --mrc-data (folder of the MRC exports) or set CITYOPS_MRC_DATA",
            field="mrc_data",
        )
    path = Path(where)
    path = path / name if path.is_dir() else path
    if not path.is_file():
        raise InvalidInput(f"scenario: {path} not found", field="mrc_data")
    return path


def season(path: Path, scenario: str) -> tuple[np.ndarray, np.ndarray]:
    """(epoch seconds, metres) of the scenario's season from the MRC export."""
    year, m0, d0, m1, d1 = SCENARIOS[scenario]
    times, values = read_mrc(path).rows.finish(str(path))
    start = datetime(year, m0, d0, tzinfo=UTC).timestamp() * 1e6
    end = datetime(year, m1, d1, tzinfo=UTC).timestamp() * 1e6
    keep = (times >= start) & (times < end)
    return times[keep] / 1e6, values[keep]


@dataclass
class Replay:
    """Everything the replay needs: where to send, as whom, and how fast."""

    base_url: str
    datastream: int
    device_token: str
    operator_token: str
    rule: str = "river-pakse"
    duration: float = 180.0  # real seconds for the whole season


async def replay(
    r: Replay,
    times: np.ndarray,
    values: np.ndarray,
    on_event: Report,
    stop: asyncio.Event | None = None,
) -> dict[str, Any]:
    """Send the season, then wait for the incident and the issued alert; a summary."""
    stop = stop or asyncio.Event()
    shift = time.time() - float(times[-1])
    pause = r.duration / max(1, times.size)
    seen: dict[str, Any] = {"sent": 0, "incident": None, "alert": None}
    async with httpx.AsyncClient(base_url=r.base_url, timeout=30.0) as client:
        device = {"Authorization": f"Bearer {r.device_token}"}
        for t, v in zip(times.tolist(), values.tolist(), strict=True):
            if stop.is_set():
                break
            resp = await client.post(
                "/v1.1/CreateObservations",
                json=create_body([(r.datastream, v)], t + shift),
                headers=device,
            )
            resp.raise_for_status()
            seen["sent"] += 1
            if seen["sent"] % 10 == 0:
                on_event(
                    f"Pakse {datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M} (as of 2011): {v:.2f} m"
                )
            await _check(client, r, seen, on_event)
            await asyncio.sleep(pause)
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline and not (seen["alert"] or stop.is_set()):
            await _check(client, r, seen, on_event)
            await asyncio.sleep(0.5)
    return seen


async def _check(
    client: httpx.AsyncClient, r: Replay, seen: dict[str, Any], on_event: Report
) -> None:
    """Note the rule's incident and its alert; issue a draft alert as the operator."""
    auth = {"Authorization": f"Bearer {r.operator_token}"}
    if seen["incident"] is None:
        got = await client.get("/api/incidents", params={"rule": r.rule}, headers=auth)
        if got.status_code == 200 and got.json().get("value"):
            inc = got.json()["value"][-1]
            seen["incident"] = inc["id"]
            on_event(f"incident {inc['id']} opened: {inc['subject']} {inc['level_name']}")
        return
    if seen["alert"] is not None:
        return
    got = await client.get("/api/alerts", params={"incident": seen["incident"]}, headers=auth)
    if got.status_code != 200:
        return
    alerts = got.json().get("value", [])
    issued = [a for a in alerts if a.get("status") == "issued"]
    if issued:
        seen["alert"] = issued[0]["id"]
        on_event(f"CAP alert {issued[0]['id']} issued: {issued[0].get('identifier')}")
        await _exposure(client, issued[0]["id"], auth, seen, on_event)
        return
    drafts = [a for a in alerts if a.get("status") == "draft"]
    if drafts:
        on_event(f"CAP alert {drafts[0]['id']} drafted; issuing it as the demo operator")
        await _exposure(client, drafts[0]["id"], auth, seen, on_event)
        done = await client.post(f"/api/alerts/{drafts[0]['id']}/issue", headers=auth, json={})
        if done.status_code >= 400:
            on_event(f"issuing failed: HTTP {done.status_code} {done.text[:200]}")


async def _exposure(
    client: httpx.AsyncClient,
    alert_id: int,
    auth: dict[str, str],
    seen: dict[str, Any],
    on_event: Report,
) -> None:
    """Say who is in the warning's area (once per alert): the exposure of the alert."""
    reported = seen.setdefault("exposure", {})
    if alert_id in reported:
        return
    got = await client.get(f"/api/alerts/{alert_id}", headers=auth)
    exp = got.json().get("exposure") if got.status_code == 200 else None
    reported[alert_id] = exp and exp.get("sentence")
    on_event(
        f"CAP alert {alert_id} exposure: {exp['sentence']}"
        if exp
        else f"CAP alert {alert_id} exposure: no ward or facility layer under its area"
    )
