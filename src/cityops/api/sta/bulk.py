"""POST /v1.1/CreateObservations: the bulk ingest path of the data array extension."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cityops.api.body import client_address, json_body_unchecked
from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.auth import audit
from cityops.auth.principal import Principal
from cityops.datamodel.observation import ObservationIn
from cityops.errors import InvalidInput
from cityops.ingest.dataarray import parse_create_observations, parse_plain_columns
from cityops.ingest.write import store_batch
from cityops.limits import check_json
from cityops.store.writer import Tx

router = APIRouter()


@router.post("/v1.1/CreateObservations", status_code=201, tags=["SensorThings"])
async def create_observations(request: Request, who: Principal = Depends(principal)) -> Response:
    """Store many observations in one transaction; answer one selfLink (or "error") per row."""
    c = ctx(request)
    body = await json_body_unchecked(request)
    plain = parse_plain_columns(body)  # column-wise; None unless every row is plain
    parsed: list[ObservationIn | InvalidInput]
    if plain is None:
        check_json(body)
        parsed = parse_create_observations(body)
        good = [p for p in parsed if isinstance(p, ObservationIn)]
    else:
        parsed, good = list(plain), plain
    remote = client_address(request)
    ingest_log = c.services.ingest_log
    if ingest_log is not None and good:  # clustered: acknowledged once the log holds them
        ids = iter(await ingest_log.bulk(good, who, remote))
        root = c.root_url(request)
        out = [
            "error" if isinstance(p, InvalidInput) else f"{root}/Observations({next(ids)})"
            for p in parsed
        ]
        return JSON(out, status_code=201)

    def job(tx: Tx) -> list[int]:
        stored = store_batch(tx, good, who, defer=True)  # only the audit row follows
        # one audit row per organisation whose datastreams were written to
        counts: dict[int | None, int] = {}
        for ds_id, n in Counter(row["datastream_id"] for row in stored.rows).items():
            org = stored.streams[ds_id].org_id
            counts[org] = counts.get(org, 0) + n
        for org, count in (counts or {who.org_id: 0}).items():
            audit.record(
                tx,
                who,
                "create",
                "Observation",
                stored.ids[0] if stored.ids else None,
                {"count": count, "path": "CreateObservations"},
                remote,
                org,
            )
        return stored.ids

    ids = iter(await c.store.write(job)) if good else iter(())
    root = c.root_url(request)
    if plain is not None:  # every row stored
        return JSON([f"{root}/Observations({i})" for i in ids], status_code=201)
    out = [
        "error" if isinstance(p, InvalidInput) else f"{root}/Observations({next(ids)})"
        for p in parsed
    ]
    return JSON(out, status_code=201)
