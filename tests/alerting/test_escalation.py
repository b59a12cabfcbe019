"""An incident not acknowledged in time is escalated to the city admin: a timeline
entry, an event, and a message on the escalation channel (issue 17, item 7)."""

from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread
from typing import Any

import httpx
import pytest

from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, make_world, observe
from tests.alerting.support import incidents, timeline


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


class _Hook(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        _Hook.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


async def test_unacknowledged_incident_is_escalated_once(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    Thread(target=server.serve_forever, daemon=True).start()
    worker = app.state.ctx.services["alerts"]
    hook = f"webhook:http://127.0.0.1:{server.server_port}/ops"
    worker.settings = worker.settings.model_copy(
        update={
            "escalate_after": 60.0,
            "escalation_targets": [hook],
            "outgoing_allow": "127.0.0.1",  # the local webhook receiver
        }
    )
    try:
        await add_rule(client, world)
        await observe(app, store, world, 12.4)  # opened (observation time: 2025)
        _Hook.received.clear()
        _, sent = await worker.periodic()
        assert sent == 1 and b"incident-escalation" in _Hook.received[0]
        [inc] = incidents(store)
        assert inc.escalated_at is not None and inc.state == "open"
        kinds = [(e.kind, e.to_value) for e in timeline(store, inc.id)]
        assert ("escalation", "city_admin") in kinds
        _, again = await worker.periodic()  # once only
        assert again == 0
    finally:
        server.shutdown()
    await asyncio.sleep(0)


async def test_an_acknowledged_incident_is_not_escalated(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    from tests.helpers import bearer

    worker = app.state.ctx.services["alerts"]
    worker.settings = worker.settings.model_copy(update={"escalate_after": 60.0})
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    [inc] = incidents(store)
    r = await client.post(
        f"/api/incidents/{inc.id}/acknowledge", headers=bearer(world["tok"]["operator"]), json={}
    )
    assert r.status_code == 200, r.text
    await worker.periodic()
    [inc] = incidents(store)
    assert inc.escalated_at is None
    assert "escalation" not in [e.kind for e in timeline(store, inc.id)]


async def test_escalation_by_email_carries_no_cap_attachment(db_url: str) -> None:
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    from cityops.alerting.escalation import send_escalations
    from cityops.settings import Settings
    from tests.alerting.test_cap_channels import Inbox, _free_port

    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(
            database_url=db_url,
            secret_key="test-secret",
            smtp_host="127.0.0.1",
            smtp_port=port,
            escalation_targets=["email:admin@hanoi.example.vn"],
        )
        summary = {
            "type": "incident-escalation",
            "org": "hanoi",
            "severity": "Severe",
            "headline": "Unacknowledged incident: gauge at danger",
            "infos": [{"headline": "Unacknowledged incident: gauge at danger"}],
        }
        assert await send_escalations(settings, [summary]) == 1
    finally:
        controller.stop()
    mail = message_from_bytes(inbox.messages[0].content)
    assert mail["Subject"] == "[Severe] Unacknowledged incident: gauge at danger"
    assert {p.get_content_type() for p in mail.walk()} == {"text/plain"}
