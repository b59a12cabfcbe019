"""Broker accounts for devices (``mqtt_device_auth = "broker"``): created and revoked by
administrators, provisioned in Mosquitto's dynamic-security plugin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cityops.api.body import client_address
from cityops.api.context import ctx
from cityops.api.deps import signed_in
from cityops.auth import audit, mqtt_clients
from cityops.auth.principal import Principal
from cityops.errors import Conflict, NotFound
from cityops.mqtt import dynsec
from cityops.mqtt.topics import device_root
from cityops.settings import BrokerAddress, Settings
from cityops.store.writer import Tx

router = APIRouter(tags=["administration"])


class ClientIn(BaseModel):
    thing: int


def _broker(settings: Settings) -> BrokerAddress:
    if settings.mqtt_broker is None or settings.mqtt_device_auth != "broker":
        raise Conflict("MQTT device accounts need mqtt_url and mqtt_device_auth = 'broker'")
    return settings.mqtt_broker


def _check_thing(request: Request, who: Principal, thing_id: int) -> None:
    """Admins, and city admins for their own organisation's Things."""
    with ctx(request).store.read() as conn:
        mqtt_clients.check_manager(conn, who, thing_id)


@router.post("/api/mqtt/clients", status_code=201)
async def create_client(
    body: ClientIn, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """A broker account for a device: user name and password (shown once; only the
    broker keeps the password, hashed), allowed below its own topic root only."""
    settings = ctx(request).settings
    broker = _broker(settings)
    await run_in_threadpool(_check_thing, request, who, body.thing)
    username, secret = mqtt_clients.new_credentials()
    commands = dynsec.provision_commands(settings.mqtt_create_prefix, username, secret)
    await run_in_threadpool(dynsec.send, broker, commands)
    remote = client_address(request)

    def job(tx: Tx) -> None:
        mqtt_clients.record(tx.conn, username, body.thing)
        audit.record(tx, who, "create", "MqttClient", username, {"thing": body.thing}, remote)

    await ctx(request).store.write(job)
    return {
        "username": username,
        "password": secret,
        "topic_root": device_root(settings.mqtt_create_prefix, username),
        "thing": body.thing,
    }


@router.delete("/api/mqtt/clients/{username}")
async def delete_client(
    username: str, request: Request, who: Principal = Depends(signed_in)
) -> dict[str, Any]:
    """Revoke a device's broker account (the broker refuses it at once)."""
    broker = _broker(ctx(request).settings)
    thing = await ctx(request).store.read_async(lambda conn: mqtt_clients.thing_of(conn, username))
    if thing is None:
        raise NotFound(f"MQTT client {username!r} not found")
    await run_in_threadpool(_check_thing, request, who, thing)
    await run_in_threadpool(dynsec.send, broker, dynsec.revoke_commands(username))
    remote = client_address(request)

    def job(tx: Tx) -> None:
        mqtt_clients.revoke(tx.conn, username)
        audit.record(tx, who, "revoke", "MqttClient", username, {"thing": thing}, remote)

    await ctx(request).store.write(job)
    return {"username": username, "revoked": True}
