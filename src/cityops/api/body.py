"""Request bodies: JSON parsed once, with a clear error."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from cityops.errors import InvalidInput


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise InvalidInput("body: empty; a JSON document is required", field="body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"body: invalid JSON ({exc})", field="body") from None


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
