"""No secrets in output: the service root, banners and logs show URLs without passwords."""

from __future__ import annotations

import httpx

from cityops.app import create_app
from cityops.settings import masked_url


def test_masked_url_hides_only_the_password():
    url = "postgresql+psycopg://cityops:s3cret%40pw@db.example:5433/ops?sslmode=require"
    shown = masked_url(url)
    assert "s3cret" not in shown and shown.startswith("postgresql+psycopg://cityops:***@")
    assert "db.example:5433/ops?sslmode=require" in shown
    assert masked_url("sqlite:///cityops.db") == "sqlite:///cityops.db"


async def test_service_root_shows_no_broker_password(settings, store):
    app = create_app(
        settings.model_copy(update={"mqtt_url": "mqtt://cityops:broker-pw-77@mqtt.example:1883"}),
        store,
        upgrade=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        root = (await c.get("/v1.1")).text
    assert "broker-pw-77" not in root and "mqtt://mqtt.example:1883" in root
