"""``POST /api/ingest`` (validate and queue) and ``GET /api/ingest/{job_id}`` (the job's status).

Why queued: the pipeline and the stories update run in the ingest worker (:mod:`pantau.api.jobs`), so a
request answers in milliseconds with 202 and a job id, and reads never wait behind a write.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pantau.api.deps import documented, respond
from pantau.api.errors import problems, unprocessable
from pantau.api.jobs import IngestWorker, QueueFull
from pantau.api.models import ErrorResponse, JobStatus

router = APIRouter(prefix="/api/ingest", tags=["ingest"])
MAX_ARTICLES = 1000
MAX_FILE = 50_000_000
MAX_DEPTH = 20
JOB_RE = r"^[0-9a-f]{32}$"
# an upload's name: a plain file name (no directory part, not "." or "..", no control characters)
FILE_NAME_RE = re.compile(r"^(?!\.{1,2}$)[^/\\\x00-\x1f\x7f:]{1,200}$")


class IngestArticle(BaseModel):
    """One article to ingest: the fields of a raw record (text or html required)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, max_length=2000)
    published: str | None = Field(None, max_length=40)
    outlet: str | None = Field(None, max_length=200)
    text: str | None = Field(None, min_length=1, max_length=2_000_000)
    html: str | None = Field(None, min_length=1, max_length=5_000_000)


def _article_schema() -> dict[str, Any]:
    """An article object needs ``text`` or ``html`` as a string (JSON Schema anyOf), as the handler does."""
    schema = IngestArticle.model_json_schema()
    schema["anyOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "html")
    ]
    return schema


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": why}
    for code, why in (
        (400, "malformed body or file name"),
        (401, "missing or wrong bearer token"),
        (403, "ingest is disabled (no token configured)"),
        (413, "body or file too large"),
        (415, "not JSON or multipart"),
        (422, "invalid articles"),
        (429, "the ingest queue is full; retry later (Retry-After)"),
    )
}


def worker(request: Request) -> IngestWorker:
    return request.app.state.worker


def check_token(request: Request) -> None:
    """403 when ingest is off, 401 unless ``Authorization: Bearer <token>`` matches."""
    token = request.app.state.token
    if not token:
        raise HTTPException(403, detail="ingest is disabled: the server has no token configured")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if (
        scheme.lower() != "bearer"
        or not given
        or not secrets.compare_digest(given.strip().encode(), token.encode())
    ):
        raise HTTPException(
            401, detail="a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )


def _depth(value: Any, limit: int) -> bool:
    """Is ``value`` nested deeper than ``limit`` (iteratively: no recursion on hostile input)?"""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            if d > limit:
                return True
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return False


def _bad_unicode(value: Any) -> bool:
    """A lone surrogate (``"\\ud800"``) is valid JSON but no text: it cannot be stored or encoded."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _parse_json(body: bytes) -> list[dict[str, Any]] | Response:
    """The articles of a JSON body, or the 400/422 reply (never echoing the input)."""
    try:
        payload = json.loads(body)
    except RecursionError:
        return respond({"detail": "JSON nested too deeply"}, 400)
    except (ValueError, UnicodeDecodeError) as exc:
        msg = (
            f"invalid JSON at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else "invalid JSON"
        )
        return respond({"detail": msg}, 400)
    if _depth(payload, MAX_DEPTH):
        return respond({"detail": "JSON nested too deeply"}, 400)
    if _bad_unicode(payload):
        return respond({"detail": "invalid text: lone surrogate code point"}, 400)
    items = payload if isinstance(payload, list) else [payload]
    if not 1 <= len(items) <= MAX_ARTICLES:
        return unprocessable(["body"], f"send 1 to {MAX_ARTICLES} articles")
    arts: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        loc: list[str | int] = ["body", i] if isinstance(payload, list) else ["body"]
        try:
            art = IngestArticle.model_validate(item)
        except ValidationError as exc:
            errors += [{**p, "loc": loc + p["loc"]} for p in problems(exc.errors())]
            continue
        if not (art.text or art.html):
            errors.append({"loc": loc, "msg": "'text' or 'html' is required", "type": "missing"})
        arts.append(art.model_dump())
        if len(errors) >= 20:
            break
    if errors:
        return respond({"detail": errors[:20]}, 422)
    return arts


@router.post(
    "",
    status_code=202,
    dependencies=[Depends(check_token)],
    **documented(JobStatus, _ERRORS),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _article_schema(),
                            {
                                "type": "array",
                                "items": _article_schema(),
                                "minItems": 1,
                                "maxItems": MAX_ARTICLES,
                            },
                        ]
                    }
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
async def ingest(request: Request, jobs: Annotated[IngestWorker, Depends(worker)]) -> Response:
    """Queue articles (a JSON object or array, or an uploaded .jsonl/.txt/.html file) for the pipeline;
    answers 202 with the job (poll ``GET /api/ingest/{id}``). Requires ``Authorization: Bearer <token>``."""
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # noqa: BLE001 - any multipart parse failure is the client's
            return respond({"detail": "malformed multipart body"}, 400)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return unprocessable(["body", "file"], "multipart upload needs a 'file' part", "missing")
        name = upload.filename or "upload.jsonl"
        if not FILE_NAME_RE.match(name):
            return respond(
                {"detail": "bad file name: a plain name is required (no path, not '.' or '..')"}, 400
            )
        data = await upload.read()
        if len(data) > MAX_FILE:
            return respond({"detail": f"file too large ({MAX_FILE // 1_000_000} MB max)"}, 413)
        submit: dict[str, Any] = {"file": (name, data)}
    elif ctype.startswith("application/json"):
        arts = _parse_json(await request.body())
        if isinstance(arts, Response):
            return arts
        submit = {"articles": arts}
    else:
        return respond({"detail": "send application/json or multipart/form-data"}, 415)
    try:
        job = jobs.submit(**submit)
    except QueueFull:
        return Response(
            json.dumps({"detail": "the ingest queue is full; retry later"}),
            status_code=429,
            media_type="application/json",
            headers={"Retry-After": "5"},
        )
    return respond(job.view(), 202)


@router.get(
    "/{job_id}",
    dependencies=[Depends(check_token)],
    **documented(
        JobStatus,
        {k: v for k, v in _ERRORS.items() if k in (401, 403, 422)}
        | {404: {"model": ErrorResponse, "description": "no such job"}},
    ),
)
def ingest_status(
    job_id: Annotated[str, PathParam(pattern=JOB_RE, description="the id POST /api/ingest answered")],
    jobs: Annotated[IngestWorker, Depends(worker)],
) -> Response:
    """An ingest job's status (queued, running, done, failed), its counts, results and errors."""
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, detail="no such job (finished jobs are kept for a while, then forgotten)")
    return respond(job.view())
