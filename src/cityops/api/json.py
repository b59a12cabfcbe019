"""A JSON response rendered with orjson (fast, and datetimes/UUIDs handled)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSON(JSONResponse):
    """orjson rendering; a JSONResponse, so OpenAPI documents it as JSON (not a string)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
