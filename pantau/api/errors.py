"""Error replies that never echo the request or reveal the server.

Why: FastAPI's default 422 reply repeats the whole input (a 100 MB body came back in full) and an
unhandled exception's text can name server paths. Here a 422 lists where and what (``loc``, ``msg``,
``type``), a 500 says only that something failed (the traceback goes to the server log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("pantau.api")
MAX_ERRORS = 20


def problems(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors as ``{loc, msg, type}`` (no ``input``, no ``ctx``), at most ``MAX_ERRORS``."""
    out = []
    for err in list(errors)[:MAX_ERRORS]:
        loc = [p if isinstance(p, int) else str(p)[:100] for p in err.get("loc", ())]
        out.append(
            {"loc": loc, "msg": str(err.get("msg", "invalid"))[:300], "type": str(err.get("type", ""))}
        )
    return out


def unprocessable(loc: list[str | int], msg: str, kind: str = "value_error") -> JSONResponse:
    """A 422 in the same shape as a validation error."""
    return JSONResponse({"detail": [{"loc": loc, "msg": msg, "type": kind}]}, status_code=422)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": problems(exc.errors())}, status_code=422)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str | list) else str(exc.detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _server_error)
