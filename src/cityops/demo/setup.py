"""Rules, demo users and simulator tokens of the demo world (idempotent).

Rules are stored by name through ``alerting.catalog.upsert_specs`` (insert or replace), so
restarting the demo leaves one rule per name. River-level rules exist only for stations
with published levels (``reference.LEVELS``); the others have none until configured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import insert, select, update

from cityops.alerting.areas import import_areas
from cityops.alerting.catalog import upsert_specs
from cityops.auth.principal import SYSTEM
from cityops.auth.tokens import TOKEN_CACHE, create_token
from cityops.demo import vietnam as vn
from cityops.demo.reference import CITIES, levels_of, slug
from cityops.demo.world import MEKONG_ORG, World
from cityops.rules import parse_rule
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx

TOKEN_NAME = "demo simulator"
#: Simulated travel time of the flood wave from Pakse to Stung Treng (a demo assumption:
#: no published travel-time table exists; see hazards.md). The simulator uses the same.
PAKSE_STUNG_TRENG_LAG = 18 * 3600.0
PH = {"PH"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    org: str | None


#: The roles each demo organisation has a login for (besides the one platform admin).
CITY_ROLES = ("city_admin", "operator", "analyst")
_ROLE_SUFFIX = {"city_admin": "admin", "operator": "operator", "analyst": "analyst"}
#: Logins kept from earlier demos (their passwords are in docs and tests).
KNOWN = {
    "admin": "demo-chief-2024-ops",
    "mekong-admin": "demo-river-admin-2024",
    "mekong-operator": "demo-river-operator-2024",
    "mekong-analyst": "demo-river-analyst-2024",
    "bangkok-operator": "demo-bkk-operator-2024",
    "vientiane-operator": "demo-vte-operator-2024",
}
#: Demo accounts have public passwords, so a strong (slow) hash protects nothing: they
#: are hashed with light argon2 parameters, else ~85 accounts cost a minute at first start.
DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def demo_users() -> tuple[DemoUser, ...]:
    """The admin, then an admin, operator and analyst login per demo organisation (Tam Ky,
    the platform city, first). Passwords ``demo-<role>-<org without hyphens>-2024`` pass
    the password policy (not built on the user name); a test checks every one."""
    orgs = [slug(vn.CITY), MEKONG_ORG] + [slug(c.name) for c in CITIES if c.name != vn.CITY]
    users = [DemoUser("admin", KNOWN["admin"], "admin", None)]
    for org in orgs:
        for role in CITY_ROLES:
            name = f"{org}-{_ROLE_SUFFIX[role]}"
            password = KNOWN.get(name, f"demo-{_ROLE_SUFFIX[role]}-{org.replace('-', '')}-2024")
            users.append(DemoUser(name, password, role, org))
    return tuple(users)


USERS = demo_users()


def river_rules(world: World) -> list[dict[str, Any]]:
    """A river_level rule per station with published levels. Every rule drafts: a person
    issues (no demo city enabled automatic issue; see docs/hazard-engine.md)."""
    rules = []
    for t in world.by_kind("station"):
        levels = levels_of(t.place)
        if not levels:
            continue
        alert: dict[str, Any] = {"mode": "draft", "radius_km": 15.0}
        if t.place in vn.BY_NAME:
            alert = {"mode": "draft", "radius_km": 5.0}
            if t.place == vn.RIVER_AREA[0]:
                alert["area"] = vn.RIVER_AREA[1]
        rules.append(
            {
                "name": f"river-{slug(t.place)}",
                "type": "river_level",
                "subject": t.place,
                "organisation": t.org,
                "description": f"Published levels at {t.place}",
                "inputs": {"level": t.streams["level"]},
                "levels": levels,
                "hysteresis": 0.05,
                "alert": alert,
            }
        )
    up, down = world.find("station", "Pakse"), world.find("station", "Stung Treng")
    if up and down and levels_of("Stung Treng"):
        rules.append(
            {
                "name": "lag-pakse-stung-treng",
                "type": "river_lag",
                "subject": "Stung Treng (forecast from Pakse)",
                "organisation": down.org,
                "description": "Stung Treng forecast from the rise at Pakse; lag of the "
                "simulated wave (no published travel time)",
                "inputs": {"upstream": up.streams["level"], "downstream": down.streams["level"]},
                "levels": levels_of("Stung Treng"),
                "lag": PAKSE_STUNG_TRENG_LAG,
            }
        )
    return rules


def city_rules(world: World) -> list[dict[str, Any]]:
    """Rain, heat, air quality, drought and data-quality rules for every city."""
    country = {c.name: c.country_iso2 for c in CITIES}
    rules: list[dict[str, Any]] = []
    for w in world.by_kind("weather"):
        key, st = slug(w.place), w.streams
        preset = "pagasa_hourly" if country.get(w.place) in PH else "tmd_24h"
        rules += [
            {
                "name": f"rain-{key}",
                "type": "rainfall",
                "subject": w.place,
                "organisation": w.org,
                "inputs": {"rain": st["rain"]},
                "preset": preset,
            },
            {
                "name": f"heat-{key}",
                "type": "heat_index",
                "subject": w.place,
                "organisation": w.org,
                "output": st["heat_index"],
                "inputs": {"temperature": st["temperature"], "humidity": st["humidity"]},
            },
            {
                "name": f"drought-{key}",
                "type": "drought_spi",
                "subject": w.place,
                "organisation": w.org,
                "inputs": {"precipitation": st["rain"]},
                "scale": 3,
            },
            {
                "name": f"quality-{key}",
                "type": "data_quality",
                "subject": f"{w.place} sensors",
                "organisation": w.org,
                "inputs": {"value": st["temperature"]},
                "unit": "Cel",
                "minimum": -10.0,
                "maximum": 55.0,
                "spike_per_hour": 12.0,
            },
        ]
    for a in world.by_kind("air"):
        rules.append(
            {
                "name": f"aqi-{slug(a.place)}",
                "type": "aqi",
                "subject": a.place,
                "organisation": a.org,
                "output": a.streams["aqi"],
                "inputs": {"pm25": a.streams["pm25"]},
            }
        )
        if "vn_aqi" in a.streams:
            rules.append(
                {
                    "name": f"vn-aqi-{slug(a.place)}",
                    "type": "vn_aqi",
                    "subject": a.place,
                    "organisation": a.org,
                    "description": "Viet Nam air quality index (Decision 1459/QĐ-TCMT)",
                    "output": a.streams["vn_aqi"],
                    "inputs": {"pm25": a.streams["pm25"]},
                }
            )
    return rules


def ensure_rules(store: Store, world: World) -> int:
    """Store (or replace) every demo rule; returns how many."""
    specs = [parse_rule(doc) for doc in river_rules(world) + city_rules(world)]
    return len(store.write_sync(lambda tx: upsert_specs(tx, specs, SYSTEM)))


def ensure_users(store: Store) -> list[DemoUser]:
    """The demo users (created once; their passwords are the known demo ones)."""

    def job(tx: Tx) -> None:
        u, o = s.users, s.organisations
        have = {r[0] for r in tx.conn.execute(select(u.c.username))}
        orgs = dict(tx.conn.execute(select(o.c.slug, o.c.id)).all())
        now = datetime.now(UTC)
        rows = [
            {
                "username": d.username,
                "display_name": f"Demo {d.role.replace('_', ' ')}"
                + (f" ({d.org})" if d.org else ""),
                "password_hash": DEMO_HASHER.hash(d.password),
                "role": d.role,
                "org_id": orgs[d.org] if d.org else None,
                "created_at": now,
            }
            for d in USERS
            if d.username not in have
        ]
        if rows:
            tx.conn.execute(insert(u), rows)

    store.write_sync(job)
    return list(USERS)


def ensure_areas(store: Store) -> list[str]:
    """Tam Ky's 2025 wards as its warning areas (replaced by name on every start)."""
    data = json.dumps(vn.wards_geojson())
    return store.write_sync(lambda tx: import_areas(tx, slug(vn.CITY), data, SYSTEM))


def device_tokens(store: Store, world: World) -> dict[int, str]:
    """A fresh device token per demo Thing (the previous demo tokens are revoked)."""

    def job(tx: Tx) -> dict[int, str]:
        t = s.api_tokens
        tx.conn.execute(
            update(t)
            .where(t.c.name == TOKEN_NAME, t.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        return {
            th.id: create_token(tx.conn, thing_id=th.id, name=TOKEN_NAME)[1] for th in world.things
        }

    tokens = store.write_sync(job)
    TOKEN_CACHE.clear()
    return tokens
