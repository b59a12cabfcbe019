"""Request bodies: JSON parsed once, with a clear error."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from cityops.errors import InvalidInput
from cityops.limits import check_json


async def json_body(request: Request) -> Any:
    value = await json_body_unchecked(request)
    check_json(value)  # depth and NUL: never store what cannot be read back
    return value


async def json_body_unchecked(request: Request) -> Any:
    """The parsed body, for a caller that runs ``check_json`` itself or proves it needless
    (CreateObservations' plain columns, ``ingest.dataarray.parse_plain_columns``)."""
    raw = await request.body()
    if not raw.strip():
        raise InvalidInput("body: empty; a JSON document is required", field="body")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"body: invalid JSON ({exc})", field="body") from None
    return value


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
