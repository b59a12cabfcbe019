"""Domain errors -> HTTP, mapped once: the STA error body under /v1.1, problem details elsewhere."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from cityops import errors as e

log = logging.getLogger(__name__)

STATUS: list[tuple[type[e.CityOpsError], int]] = [
    (e.InvalidInput, 400),  # InvalidQuery is one
    (e.Unauthorized, 401),
    (e.Forbidden, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.TooLarge, 413),
    (e.NotImplementedOption, 501),
    (e.ServiceUnavailable, 503),
]


def status_of(exc: e.CityOpsError) -> int:
    for cls, code in STATUS:
        if isinstance(exc, cls):
            return code
    return 400


def error_response(
    request: Request,
    code: int,
    message: str,
    field: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> JSONResponse:
    headers = dict(extra_headers or {})
    if code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if request.url.path.startswith("/v1.1"):
        body: dict[str, object] = {"code": code, "type": "error", "message": message}
        return JSONResponse(body, status_code=code, headers=headers)
    problem: dict[str, object] = {
        "type": "about:blank",
        "title": _TITLES.get(code, "Error"),
        "status": code,
        "detail": message,
    }
    if field:
        problem["field"] = field
    return JSONResponse(
        problem, status_code=code, headers=headers, media_type="application/problem+json"
    )


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


_ERROR_SCHEMA = {
    "type": "object",
    "description": "STA error body under /v1.1, problem details elsewhere",
}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {
        "description": _TITLES[code],
        "content": {
            "application/json": {"schema": _ERROR_SCHEMA},
            "application/problem+json": {"schema": _ERROR_SCHEMA},
        },
    }
    for code in (400, 401, 403, 404, 409, 413, 429, 501, 503)
}


def install(app: FastAPI) -> None:
    """Register the handlers; nothing else in the API produces error bodies."""

    @app.exception_handler(e.CityOpsError)
    async def _domain(request: Request, exc: e.CityOpsError) -> JSONResponse:
        if isinstance(exc, e.Unavailable):
            retry = {"Retry-After": str(exc.retry_after)}
            return error_response(request, 503, exc.message, extra_headers=retry)
        return error_response(request, status_of(exc), exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(request, 400, f"{where}: {first.get('msg')}", where)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(
            request, exc.status_code, str(exc.detail), extra_headers=dict(exc.headers or {})
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # e.g. an id of 30 digits, or arithmetic in a $filter that overflows the column type
        return error_response(request, 400, "a number in the request is out of range")

    @app.exception_handler(ValueError)
    async def _value(request: Request, exc: ValueError) -> JSONResponse:
        # psycopg refuses NUL in text parameters wherever one slipped past the input checks
        # (form fields, headers); anything else is a bug and logged as one
        if "NUL (0x00)" in str(exc):
            return error_response(request, 400, "text in the request may not contain NUL")
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal error (logged on the server)")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal error (logged on the server)")
