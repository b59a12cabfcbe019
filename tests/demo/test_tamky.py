"""Tam Ky, the seed's platform city, in the demo world: its gauges with Viet Nam's national
alarm levels, VN_AQI beside the EPA AQI, its wards as warning areas, and its logins."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from cityops.auth.users import check_password
from cityops.demo.run import login_lines
from cityops.demo.setup import USERS, city_rules, ensure_areas, ensure_users, river_rules
from cityops.demo.simulator import Signals, SimConfig
from cityops.demo.world import ensure_world
from cityops.hazards.aqi import nowcast
from cityops.hazards.vn_aqi import sub_index
from cityops.rules import Series, parse_rule
from cityops.store import schema as s
from cityops.store.base import Store

NATIONAL = ["Báo động I", "Báo động II", "Báo động III"]
EXPECTED = {
    "Tam Kỳ": [1.7, 2.2, 2.7],
    "Câu Lâu": [2.0, 3.0, 4.0],
    "Hội An": [1.0, 1.5, 2.0],
    "Ái Nghĩa": [6.5, 8.0, 9.0],
}


def test_tam_ky_world_gauges_air_areas_and_logins(store: Store) -> None:
    world = ensure_world(store)
    tam_ky = [t for t in world.things if t.org == "tam-ky"]
    gauges = {t.place: t for t in tam_ky if t.kind == "station"}
    assert set(gauges) == set(EXPECTED)
    assert {t.kind for t in tam_ky} == {"station", "weather", "air"}
    air = next(t for t in tam_ky if t.kind == "air")
    assert {"pm25", "aqi", "vn_aqi"} <= set(air.streams)

    # river rules with the national level names and the published metres
    rivers = {r["subject"]: r for r in river_rules(world)}
    for name, metres in EXPECTED.items():
        assert list(rivers[name]["levels"].items()) == list(zip(NATIONAL, metres, strict=True))
        spec = parse_rule(rivers[name])
        assert spec.rule.severity(3) == "Extreme"
    assert rivers["Tam Kỳ"]["alert"]["area"] == "Phường Tam Kỳ"

    # VN_AQI rule beside the EPA one, on the same PM2.5 stream
    air_rules = {r["name"]: r for r in city_rules(world) if r["subject"] == "Tam Ky"}
    assert air_rules["vn-aqi-tam-ky"]["type"] == "vn_aqi"
    assert air_rules["vn-aqi-tam-ky"]["inputs"] == air_rules["aqi-tam-ky"]["inputs"]

    # the four 2025 wards as warning areas of Tam Ky
    assert sorted(ensure_areas(store)) == sorted(
        ["Phường Tam Kỳ", "Phường Bàn Thạch", "Phường Quảng Phú", "Phường Hương Trà"]
    )
    with store.read() as conn:
        a, o = s.alert_areas, s.organisations
        rows = conn.execute(
            select(a.c.name).join(o, o.c.id == a.c.org_id).where(o.c.slug == "tam-ky")
        ).all()
    assert len(rows) == 4

    # logins: the platform admin and admin, operator, analyst of every demo city
    ensure_users(store)
    names = {u.username for u in USERS}
    for org in ("tam-ky", "mekong", "bangkok", "vientiane"):
        assert {f"{org}-admin", f"{org}-operator", f"{org}-analyst"} <= names
    who = store.write_sync(
        lambda tx: check_password(tx.conn, "tam-ky-operator", "demo-operator-tamky-2024")
    )
    assert not isinstance(who, str) and who.role.value == "operator" and who.org_id is not None
    lines = login_lines("http://127.0.0.1:8000", list(USERS))
    assert "http://127.0.0.1:8000/login" in lines[0]
    assert any(line.split()[0] == "tam-ky" and "tam-ky-analyst" in line for line in lines)


def test_simulated_typhoon_reaches_each_national_level(store: Store) -> None:
    world = ensure_world(store)
    cfg = SimConfig("http://x", now=1_750_000_000.0)
    signals = Signals(world, cfg)
    gauges = {t.place: t for t in world.things if t.org == "tam-ky" and t.kind == "station"}
    reached = {}
    for name, thing in gauges.items():
        times = np.arange(cfg.start, cfg.now, 900.0)
        peak = max(signals.readings(thing, float(t), 900.0)[0][1] for t in times)
        reached[name] = sum(peak >= lv for lv in EXPECTED[name])
        before = signals.readings(thing, cfg.start, 900.0)[0][1]
        assert before < EXPECTED[name][0]  # normal before the typhoon
    assert reached == {"Ái Nghĩa": 1, "Tam Kỳ": 2, "Câu Lâu": 2, "Hội An": 3}


def test_vn_aqi_of_simulated_pm25_follows_the_decision_table(store: Store) -> None:
    world = ensure_world(store)
    air = next(t for t in world.things if t.org == "tam-ky" and t.kind == "air")
    cfg = SimConfig("http://x", now=1_750_000_000.0)
    signals = Signals(world, cfg)
    times = np.arange(cfg.now - 12 * 3600, cfg.now, 3600.0) + 60
    pm = np.array([signals.readings(air, float(t), 3600.0)[0][1] for t in times])
    spec = parse_rule(next(r for r in city_rules(world) if r["name"] == "vn-aqi-tam-ky"))
    out = spec.rule.levels({"pm25": Series(times, pm)})
    # one reading per hour: the newest hour's index is the decision's formula applied to
    # the NowCast of the 12 hourly values (newest first)
    assert out.values[-1] == sub_index("pm25", nowcast(pm[::-1]))[0]
    assert np.isnan(out.values[0])  # one hour only: 2 of the 3 newest hours are needed
    assert 0 < out.values[-1] < 500


def test_every_demo_password_passes_the_policy() -> None:
    """Demo users are inserted with a light hash, not through add_user: their passwords
    must still satisfy the policy a person would have to meet."""
    from cityops.auth.passwords import check_policy

    for u in USERS:
        check_policy(u.password, u.username)
    assert len({u.username for u in USERS}) == len(USERS)
