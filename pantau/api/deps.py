"""Shared pieces of the API routers: parameter types, the database dependency, JSON helpers.

Why one module: every router states its parameters with the same constraints, so the OpenAPI schema
promises exactly what the handlers accept (checked by the schemathesis contract test).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from enum import Enum, StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BeforeValidator, StringConstraints

from pantau.api.db import Database
from pantau.api.models import ErrorResponse
from pantau.records import EVENT_TYPES

try:  # an optional accelerator (FastAPI's ORJSONResponse uses it too); the stdlib encoder otherwise
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

MAX_PAGE = 500
EVENT_LIST_COLUMNS = (
    "id, article_id, type, mode, actor_codes, recipient_codes, date, date_precision, factuality, "
    "confidence, quote, pattern, json_extract_string(location, '$.name') AS location_name"
)
# windows (days before the newest event date) in which the newest events of a selective query are looked
# for first, widest last (see ``newest_windows``)
RECENT_SPANS = (45, 720)
CODE_RE = r"^[A-Z][A-Z0-9]{1,5}$"
DYAD_RE = r"^[A-Z][A-Z0-9]{1,5}-[A-Z][A-Z0-9]{1,5}$"
# an index series: a dyad, or one code (events with one known party)
SERIES_RE = r"^[A-Z][A-Z0-9]{1,5}(-[A-Z][A-Z0-9]{1,5})?$"
# ids: no space, control character, backslash, URL delimiter or "%" (the URL escape: a client that sends
# "%10" unescaped means another id than the one it holds), and no leading dot ("." and ".." are path
# segments, never ids); spelled out rather than \s, which Python and ECMA regexes read differently
ID_RE = r"^[^ ./?#%\\\x00-\x1f\x7f][^ /?#%\\\x00-\x1f\x7f]{0,255}$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

EventType = Enum("EventType", {t: t for t in EVENT_TYPES}, type=str)  # type: ignore[misc]


class Factuality(StrEnum):
    asserted = "asserted"
    future = "future"
    hypothetical = "hypothetical"
    negated = "negated"


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would read "0" as a Unix timestamp (1970-01-01)."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (1-{MAX_PAGE})")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
DateFrom = Annotated[IsoDate | None, Query(alias="from", description="first day (YYYY-MM-DD)")]
DateTo = Annotated[IsoDate | None, Query(alias="to", description="last day (YYYY-MM-DD)")]
Code = Annotated[str | None, Query(pattern=CODE_RE, description="actor code, e.g. RUS")]
Dyad = Annotated[str | None, Query(pattern=DYAD_RE, description="two codes, e.g. RUS-UKR")]
Series = Annotated[str, StringConstraints(pattern=SERIES_RE)]
Outlet = Annotated[str | None, Query(min_length=1, max_length=200)]
IdParam = Annotated[str, PathParam(pattern=ID_RE, description="an id as listed by the collection")]
Quad = Annotated[int | None, Query(ge=1, le=4, description="1 verbal coop .. 4 material conflict")]

# Documented error replies: every operation may answer 422 (bad parameters); {id} routes 404.
ERRORS_422: dict[int | str, dict[str, Any]] = {422: {"model": ErrorResponse, "description": "bad parameters"}}
ERRORS_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "not found"},
    **ERRORS_422,
}


async def get_db(request: Request) -> Database:
    """The app's database (a dependency, so each endpoint states what it uses); notes the read, so that
    background stories work yields while requests come in. Async: FastAPI runs a plain function
    dependency in its thread pool, a second hop per request (and a GIL hand-over) for nothing."""
    db: Database = request.app.state.db
    db.last_read = time.monotonic()
    return db


DB = Annotated[Database, Depends(get_db)]


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)  # Decimal, UUID


def respond(obj: Any, status_code: int = 200) -> Response:
    """JSON from orjson where installed (3x faster than the stdlib on index series, which matters under
    load), else the stdlib encoder; FastAPI's generic encoder is the bottleneck on large results."""
    body: bytes | None = None
    if orjson is not None:
        try:
            body = orjson.dumps(obj, default=_json_default)
        except TypeError:  # e.g. an integer beyond 64 bits: the stdlib encoder takes it
            body = None
    if body is None:
        text = json.dumps(obj, default=_json_default, ensure_ascii=False, separators=(",", ":"))
        body = text.encode("utf-8")
    return Response(content=body, media_type="application/json", status_code=status_code)


def plain(obj: Any) -> Any:
    """Round-trip through JSON so dates and decimals in stage statistics become plain values."""
    return json.loads(json.dumps(obj, default=_json_default))


def empty_range(date_from: dt.date | None, date_to: dt.date | None) -> bool:
    """``from`` after ``to`` is a valid request for an empty range (not an error: the schema allows it)."""
    return bool(date_from and date_to and date_from > date_to)


def jsonish(value: Any) -> Any:
    """Decode a DuckDB JSON column (returned as str) to Python."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_dyad(dyad: str | None) -> tuple[str, str] | None:
    if not dyad:
        return None
    a, b = dyad.split("-", 1)
    return a, b


def sorted_dyad(dyad: str) -> str:
    return "-".join(sorted(dyad.split("-", 1)))


def attach_articles(cur: Any, items: list[dict[str, Any]]) -> None:
    """Add each event's article title and outlet (one query for the page)."""
    ids = sorted({e["article_id"] for e in items if e.get("article_id")})
    if not ids:
        return
    marks = ", ".join("?" * len(ids))  # placeholders only; the ids are bound
    cur.execute(f"SELECT id, title, outlet FROM articles WHERE id IN ({marks})", ids)
    arts = {r[0]: r for r in cur.fetchall()}
    for e in items:
        a = arts.get(e.get("article_id"))
        e["article_title"] = a[1] if a else None
        e["outlet"] = a[2] if a else None


def documented(model: Any, errors: dict[int | str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Route keywords for a handler that returns :func:`respond`: the 200 model and the error replies."""
    return {
        "response_model": None,
        "responses": {
            200: {"model": model, "description": "OK"},
            **(ERRORS_422 if errors is None else errors),
        },
    }


def newest_windows(cur: Any) -> list[tuple[str, list[Any]]]:
    """SQL conditions (with parameters) for a newest-first page (``ORDER BY date DESC NULLS LAST, ...``):
    the last ``RECENT_SPANS`` days, then wider, then everything (``TRUE``).

    Why: the top-N sort over every match of a busy actor (280,000 of a million events) cost 33 ms of CPU
    a request; over its last 45 days, 11 ms. A window that yields the whole page gives the same rows as
    the whole table (every event outside it is older or undated, so sorts after it); a page it cannot fill
    is asked again in the next window."""
    newest = cur.execute("SELECT max(date) FROM events").fetchone()[0]
    windows: list[tuple[str, list[Any]]] = []
    if isinstance(newest, dt.date):
        windows = [("date >= ?", [newest - dt.timedelta(days=span)]) for span in RECENT_SPANS]
    return [*windows, ("TRUE", [])]
