"""A JSON response rendered with orjson (fast, and datetimes/UUIDs handled)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson writes natively


def _big_ints(value: Any) -> Any:
    """``value`` with integers outside 64 bits as exact JSON number fragments.

    JSON numbers have no size limit and PostgreSQL's jsonb keeps them exactly (it reads a
    stored 1e20 back as the integer 100000000000000000000), but orjson refuses integers
    beyond 64 bits: without this an accepted document could not be read back (a 500)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
        return orjson.Fragment(str(value).encode())
    if isinstance(value, dict):
        return {k: _big_ints(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_big_ints(v) for v in value]
    return value


class JSON(JSONResponse):
    """orjson rendering; a JSONResponse, so OpenAPI documents it as JSON (not a string)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError as exc:
            if "64-bit" not in str(exc):
                raise
            return orjson.dumps(_big_ints(content), option=orjson.OPT_NON_STR_KEYS)
