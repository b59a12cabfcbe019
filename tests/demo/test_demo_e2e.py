"""``cityops demo`` as a real process on SQLite: it serves the dashboard and SensorThings,
the simulator's observations arrive, and the Pakse 2011 scenario, run fast, opens the
incident and issues the CAP alert that the public page then lists."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

MEKONG = Path("/work/shared/data/mekong")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    if not (MEKONG / "pakse_water_level_MRC_013901.csv").is_file():
        pytest.skip("MRC exports not available")
    port = _free_port()
    log = tmp_path / "demo.log"
    env = {**os.environ, "CITYOPS_MRC_DATA": str(MEKONG)}
    cmd = [
        sys.executable,
        "-c",
        "from cityops.cli import main; main()",
        "demo",
        "--database",
        f"sqlite:///{tmp_path / 'demo.db'}",
        "--port",
        str(port),
        "--history-days",
        "1",
        "--scenario",
        "pakse-2011",
        "--scenario-seconds",
        "25",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, log, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait(check, timeout: float, what: str, log: Path):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
        except httpx.HTTPError:
            got = None
        if got:
            return got
        time.sleep(0.5)
    pytest.fail(f"{what} not seen within {timeout} s; log:\n{log.read_text()[-3000:]}")


def test_demo_serves_simulates_and_warns(demo) -> None:
    base, log, proc = demo
    c = httpx.Client(base_url=base, timeout=10)
    started = time.monotonic()
    _wait(lambda: c.get("/health").status_code == 200, 60, "the server", log)
    assert time.monotonic() - started < 60  # up within a minute on SQLite
    assert c.get("/public").status_code == 200
    assert c.get("/login").status_code == 200
    root = c.get("/v1.1").json()
    assert any(v["name"] == "Things" for v in root["value"])
    things = c.get(
        "/v1.1/Things",
        params={"$filter": "name eq 'Bangkok weather station'", "$expand": "Datastreams"},
    ).json()["value"]
    temp = next(d for d in things[0]["Datastreams"] if d["name"].startswith("Air temperature"))
    obs = _wait(
        lambda: c.get(f"/v1.1/Datastreams({temp['@iot.id']})/Observations").json()["value"],
        30,
        "simulated observations",
        log,
    )
    assert 10 < obs[0]["result"] < 45
    warnings = _wait(
        lambda: c.get("/api/public/warnings").json()["value"], 90, "a public warning", log
    )
    assert "Pakse" in str(warnings)
    text = _wait(
        lambda: log.read_text() if "CAP alert" in log.read_text() else None,
        10,
        "the alert in the log",
        log,
    )
    assert "incident" in text and "Logins" in text and "demo-chief-2024-ops" in text
    # each warning says who is in its area (Champasak's districts around Pakse)
    exposed = _wait(
        lambda: [ln for ln in log.read_text().splitlines() if "exposure:" in ln],
        10,
        "exposure",
        log,
    )
    assert "wards (no population figures)" in exposed[0], exposed
    page = c.get("/ogc/collections/tamky-wards-2025?f=html").text
    assert "2019" in page and "<dt>Licence</dt>" in page and "<dt>Source</dt>" in page
    assert f"{base}/login" in text and "tam-ky-operator" in text
    _nothing_after_now(c)
    _tam_ky(base, log)
    assert proc.poll() is None


def _tam_ky(base: str, log: Path) -> None:
    """Tam Ky's operator logs in with the printed demo login and sees the city's gauges
    with the national alarm levels, the flood above them, VN_AQI and the wards."""
    c = httpx.Client(base_url=base, timeout=10)
    token = c.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"username": "tam-ky-operator", "password": "demo-operator-tamky-2024"}
    r = c.post("/login", data={**form, "csrf_token": token, "next": "/ops"})
    assert r.status_code == 303, r.text
    doc = c.get("/api/web/stations").json()
    assert doc["org"]["slug"] == "tam-ky"
    assert sorted(a["properties"]["name"] for a in doc["areas"]["features"]) == sorted(
        ["Phường Tam Kỳ", "Phường Bàn Thạch", "Phường Quảng Phú", "Phường Hương Trà"]
    )
    by_name = {st["name"]: st for st in doc["stations"]}
    hoi_an = by_name["Thu Bồn at Hội An"]["datastreams"][0]
    assert list(hoi_an["levels"]) == ["Báo động I", "Báo động II", "Báo động III"]
    assert hoi_an["state"] == "danger" and hoi_an["level"] == "Báo động III"
    assert by_name["Tam Kỳ at Tam Kỳ"]["datastreams"][0]["levels"]["Báo động I"] == 1.7

    def vn_aqi() -> float | None:
        air = c.get("/api/web/stations").json()["stations"]
        monitor = next(st for st in air if st["name"] == "Tam Ky air quality monitor")
        ds = next(d for d in monitor["datastreams"] if d["name"].startswith("VN_AQI"))
        return ds["last_value"]

    value = _wait(vn_aqi, 60, "a VN_AQI value", log)
    assert 0 <= value < 500 and float(value).is_integer()


def _nothing_after_now(c: httpx.Client) -> None:
    """The simulator and the scenario run on the wall clock: no stored time, no incident
    and no alert is later than now (the demo once ran 60 times faster than the clock)."""
    now = datetime.now(UTC) + timedelta(seconds=5)  # the server's clock is this machine's
    newest = c.get(
        "/v1.1/Observations", params={"$orderby": "phenomenonTime desc", "$top": "1"}
    ).json()["value"][0]
    assert datetime.fromisoformat(newest["phenomenonTime"].replace("Z", "+00:00")) <= now
    oldest = c.get(
        "/v1.1/Observations", params={"$orderby": "phenomenonTime asc", "$top": "1"}
    ).json()["value"][0]
    assert datetime.fromisoformat(
        oldest["phenomenonTime"].replace("Z", "+00:00")
    ) < now - timedelta(hours=12)  # the history was sent first
    for alert in c.get("/api/public/warnings").json()["value"]:
        for key in ("sent", "effective", "onset"):
            if alert.get(key):
                assert datetime.fromisoformat(str(alert[key]).replace("Z", "+00:00")) <= now
