"""Every word right, through the real path (ingest -> engine -> draft): texts chosen by the
level that was crossed and quoting its threshold, values in the rule's unit, the AQI
category's own text and a severity that rises with it, headlines within the CAP limit,
place names in each language."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from cityops.store import schema as s
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, alerts, make_world, observe
from tests.alerting.support import T0, ingest_at, make_datastream
from tests.helpers import bearer


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


def _texts(draft: dict[str, Any], lang: str) -> dict[str, str]:
    [info] = [i for i in draft["infos"] if i["language"].startswith(lang)]
    return info


async def _draft(client: httpx.AsyncClient, world: dict[str, Any]) -> dict[str, Any]:
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    return draft


async def test_river_texts_quote_the_crossed_level(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    """Pakse: warning 11 m, danger 12 m (Lao DMH)."""
    await add_rule(client, world)  # levels warning 11.0, danger 12.0
    await observe(app, store, world, 11.3)
    en = _texts(await _draft(client, world), "en")
    assert "above the warning level of 11 m" in en["description"], en["description"]
    assert "approaching" not in en["description"] and "11.3" in en["description"]
    vi = _texts(await _draft(client, world), "vi")
    assert "vượt mức cảnh báo 11 m" in vi["description"], vi["description"]
    await observe(app, store, world, 12.4)
    draft = await _draft(client, world)
    en = _texts(draft, "en")
    assert "above the danger level of 12 m" in en["description"], en["description"]
    assert "warning level" not in en["description"]
    assert "vượt mức nguy hiểm 12 m" in _texts(draft, "vi")["description"]
    assert draft["severity"] == "Severe"


async def test_national_level_names(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    """Viet Nam's alarm levels (Tân Châu BĐ1-3: 3.5 / 4.0 / 4.5 m)."""
    await add_rule(client, world, levels={"BD1": 3.5, "BD2": 4.0, "BD3": 4.5})
    await observe(app, store, world, 4.2)
    draft = await _draft(client, world)
    assert "mức báo động II 4 m" in _texts(draft, "vi")["description"]
    assert "alarm level II of 4 m" in _texts(draft, "en")["description"]


async def _heat_rule(
    client: httpx.AsyncClient, store: Store, world: dict[str, Any], ds_unit: str, **extra: Any
) -> tuple[int, int]:
    temp = make_datastream(store, org="hanoi", unit=ds_unit, name="air temperature")
    rh = make_datastream(store, org="hanoi", unit="%", name="humidity")
    r = await client.post(
        "/api/rules",
        json={
            "name": f"heat-{len(extra)}",
            "type": "heat_index",
            "subject": "Hanoi weather station",
            "inputs": {"temperature": temp, "humidity": rh},
            **extra,
        },
        headers=bearer(world["tok"]["city_admin"]),
    )
    assert r.status_code == 201, r.text
    return temp, rh


async def _heat(app: Any, store: Store, temp: int, rh: int, t_value: float) -> None:
    services = app.state.ctx.services
    t = T0 + timedelta(hours=1)
    ingest_at(store, rh, [(t, 60.0)])
    assert services["engine"].flush()
    ingest_at(store, temp, [(t + timedelta(minutes=1), t_value)])
    assert services["engine"].flush()
    await services["alerts"].drain()


async def test_celsius_heat_rule_without_levels_alerts_in_celsius(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    temp, rh = await _heat_rule(client, store, world, "Cel", unit="Cel")
    await _heat(app, store, temp, rh, 35.0)  # heat index ~45 °C (113 °F): NWS danger
    en = _texts(await _draft(client, world), "en")
    assert "°C" in en["description"] and "°F" not in en["description"]
    assert "danger band (from 39.4 °C)" in en["description"], en["description"]


async def test_fahrenheit_heat_rule_writes_fahrenheit(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    temp, rh = await _heat_rule(client, store, world, "[degF]")
    await _heat(app, store, temp, rh, 95.0)  # heat index ~113 °F
    draft = await _draft(client, world)
    for info in draft["infos"]:
        assert "°F" in info["description"] and "°C" not in info["description"], info
    assert "from 103 °F" in _texts(draft, "en")["description"]


async def test_long_station_name_draft_can_be_edited_and_issued(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    long_name = "Trạm thủy văn " + "Sông Hồng đoạn qua quận Hoàn Kiếm và Long Biên " * 4
    with store.write_engine.begin() as conn:
        conn.execute(update(s.things).values(name=long_name.strip()))
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    draft = await _draft(client, world)
    for info in draft["infos"]:
        assert len(info["headline"]) < 140, info["headline"]
        assert info["headline"].startswith(("River flood danger", "Nguy hiểm lũ"))
    op = bearer(world["tok"]["operator"])
    r = await client.patch(
        f"/api/alerts/{draft['id']}/infos/en", headers=op, json={"instruction": "Leave now."}
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/alerts/{draft['id']}/issue", headers=op)
    assert r.status_code == 200, r.text


async def test_station_name_in_each_language(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    with store.write_engine.begin() as conn:
        conn.execute(
            update(s.things).values(
                name="Hanoi gauge", properties={"name:vi": "Trạm Hà Nội", "name:lo": "ຮ່າໂນ້ຍ"}
            )
        )
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    draft = await _draft(client, world)
    assert "Trạm Hà Nội" in _texts(draft, "vi")["description"]
    assert "Hanoi gauge" in _texts(draft, "en")["description"]
    assert "Trạm Hà Nội" not in _texts(draft, "en")["description"]


async def test_city_and_area_names_in_each_language(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    from cityops.alerting.alert_areas import import_areas
    from cityops.auth.principal import SYSTEM

    with store.write_engine.begin() as conn:
        conn.execute(
            update(s.organisations)
            .where(s.organisations.c.slug == "hanoi")
            .values(names={"vi": "Thành phố Hà Nội"})
        )
    ring = [[105.8, 21.0], [105.9, 21.0], [105.9, 21.1], [105.8, 21.1], [105.8, 21.0]]
    area = {
        "type": "Feature",
        "properties": {
            "name": "riverside",
            "description": "Riverside wards",
            "name:vi": "Ven sông",
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    doc = json.dumps({"type": "FeatureCollection", "features": [area]})
    store.write_sync(lambda tx: import_areas(tx, "hanoi", doc, SYSTEM))
    await add_rule(client, world, alert={"area": "riverside"})
    await observe(app, store, world, 12.4)
    draft = await _draft(client, world)
    vi, en = _texts(draft, "vi"), _texts(draft, "en")
    assert "Thành phố Hà Nội" in vi["description"] and "Hanoi" in en["description"]
    assert (vi["sender_name"], en["sender_name"]) == ("Thành phố Hà Nội", "Hanoi")
    assert [a["area_desc"] for a in vi["areas"]] == ["Ven sông"]
    assert [a["area_desc"] for a in en["areas"]] == ["Riverside wards"]
    assert vi["areas"][0]["polygons"] == en["areas"][0]["polygons"]


async def test_river_rule_in_centimetres_is_written_in_metres(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world, unit="cm", levels={"warning": 1100.0, "danger": 1200.0})
    await observe(app, store, world, 11.3)  # the gauge reports metres
    en = _texts(await _draft(client, world), "en")
    assert "at 11.3 m, above the warning level of 11 m" in en["description"], en["description"]


async def test_rain_preset_states_its_own_window(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    """PAGASA's warning is on hourly rain: the text must not say 24 hours."""
    rain = make_datastream(store, org="hanoi", unit="mm", name="rain")
    r = await client.post(
        "/api/rules",
        json={
            "name": "rain",
            "type": "rainfall",
            "subject": "Hanoi rain gauge",
            "inputs": {"rain": rain},
            "preset": "pagasa_hourly",
        },
        headers=bearer(world["tok"]["city_admin"]),
    )
    assert r.status_code == 201, r.text
    services = app.state.ctx.services
    ingest_at(store, rain, [(T0 + timedelta(hours=1), 20.0)])  # orange: 15-30 mm/h
    assert services["engine"].flush()
    await services["alerts"].drain()
    en = _texts(await _draft(client, world), "en")
    assert "20 mm in 1 h at" in en["description"], en["description"]
