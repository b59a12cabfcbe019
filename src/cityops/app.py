"""Build the ASGI application: API routers, web pages, middleware, and the workers
started in the lifespan (hazard engine, notification channels, MQTT)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from cityops import __version__, limits
from cityops.api import (
    admin,
    alert_channels,
    alert_pages,
    alerts,
    auth,
    errors,
    public,
    web_admin,
    web_data,
    web_datasets,
    web_events,
    web_pages,
    web_programmes,
)
from cityops.api import datasets as datasets_api
from cityops.api import exports as exports_api
from cityops.api import incidents as incidents_api
from cityops.api import mqtt_clients as mqtt_clients_api
from cityops.api import ogc as ogc_api
from cityops.api import programmes as programmes_api
from cityops.api import rules as rules_api
from cityops.api.context import Context
from cityops.api.guard import InputGuard
from cityops.api.json import JSON
from cityops.api.middleware import ForwardedFor, Hardening, RateLimit, parse_proxies
from cityops.api.replica import ReplicaReads
from cityops.api.sta import bulk, reads, writes
from cityops.api.sta.fast import ObservationPost
from cityops.events import make_bus
from cityops.plugins import PluginGroup
from cityops.settings import Settings
from cityops.store import migrate
from cityops.store.base import Store

# Components that start and stop with the app: name -> factory(ctx) -> (start, stop), found
# through the ``cityops.workers`` entry points (``cityops.plugins``); started in the order of
# the built-in table, then plugins; stopped in reverse.
Worker = Callable[[Context], tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]]
workers: PluginGroup[Worker] = PluginGroup("cityops.workers", "worker", callable)

if TYPE_CHECKING:  # mypy checks that the built-in workers accept the app's Context
    from cityops.alerting.alert_worker import alert_worker
    from cityops.alerting.engine_worker import hazard_engine_worker
    from cityops.mqtt.worker import mqtt_worker

    _BUILTIN_WORKERS: tuple[Worker, ...] = (
        hazard_engine_worker,
        alert_worker,
        web_events.web_events_worker,
        mqtt_worker,
    )


# In order: CreateObservations before the generic STA POST route, which would take its path.
ROUTERS = (
    auth.router,
    admin.router,
    mqtt_clients_api.router,
    bulk.router,
    reads.router,
    writes.router,  # STA, identity
    incidents_api.router,
    rules_api.router,
    alerts.router,
    alert_pages.router,  # /alerts/{id} HTML, after /alerts/{id}.xml
    alert_channels.router,
    programmes_api.router,
    exports_api.router,
    datasets_api.router,
    ogc_api.router,
    web_data.router,
    web_events.router,
    web_pages.router,
    public.router,
    web_programmes.router,  # pages
    web_admin.router,
    web_datasets.router,
)


def create_app(settings: Settings, store: Store | None = None, *, upgrade: bool = True) -> FastAPI:
    """The whole application on ``settings``; ``store`` may be given (tests share one)."""
    own_store = store is None
    store = store or Store(
        settings.database_url,
        read_pool_size=settings.read_pool_size,
        group_commit_max=settings.group_commit_max,
        read_url=settings.database_read_url,
    )
    if upgrade:
        migrate.upgrade(store.write_engine)
    limits.configure(settings)
    store.set_statement_timeout(settings.statement_timeout)
    ctx = Context(settings, store)
    bus = ctx.services["events"] = make_bus(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus.start()  # connected before the workers subscribe (JetStream)
        stops = []
        for _name, factory in workers.items():
            start, stop = factory(ctx)
            await start()
            stops.append(stop)
        try:
            yield
        finally:
            if own_store:  # a shutdown: stop database work that would hold the process
                store.interrupt()
            for stop in reversed(stops):
                await stop()
            bus.stop()
            if own_store:
                store.close()

    app = FastAPI(
        title="CityOps",
        version=__version__,
        lifespan=lifespan,
        default_response_class=JSON,
        responses=errors.ERROR_RESPONSES,
        # /docs is our own page (api/web_pages.py): Swagger UI from node_modules, under the
        # page's own Content-Security-Policy; FastAPI's default loads it from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    _health(app, ctx)
    app.add_middleware(ObservationPost)  # innermost: after rate limits and the caller
    if store.replica_engine is not None:  # inside RateLimit: callers resolved on the primary
        app.add_middleware(ReplicaReads, store=store)
    app.add_middleware(
        RateLimit,
        anonymous_per_min=settings.anonymous_rate_per_min,
        login_per_min=settings.login_rate_per_min,
        context=ctx,
    )
    app.add_middleware(InputGuard)
    app.add_middleware(ForwardedFor, proxies=parse_proxies(settings.trusted_proxies))
    app.add_middleware(
        Hardening,
        max_body=settings.max_body_bytes,
        tls=(settings.public_url or "").startswith("https:"),
    )
    return app


def _health(app: FastAPI, ctx: Context) -> None:
    @app.get("/health", tags=["system"])
    def health() -> dict[str, Any]:
        """Liveness and the database the server runs on."""
        with ctx.store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        out: dict[str, Any] = {"status": "ok", "version": __version__, "database": ctx.store.kind}
        parts = ctx.services.engine_partitions
        if parts is not None:  # a cluster node: who it is and what the engine holds here
            out.update(node=parts.bus.node, engine_partitions=sorted(parts.owned))
        return out
