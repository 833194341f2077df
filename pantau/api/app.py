"""The analysts' REST API and dashboard: the app factory.

Read endpoints (one router per resource in :mod:`pantau.api.routers`) take a cursor of the
process-wide DuckDB connection and run the constant SQL of :mod:`pantau.store.filters` with bound
parameters; tables that a later stage has not produced yet read as empty. ``POST /api/ingest`` only
validates and queues: the ingest worker (:mod:`pantau.api.jobs`) is the one writer. Around the app:
a Host header check (DNS rebinding), a body limit that counts streamed bytes, and a cache of GET
replies that is dropped whenever the ingest worker writes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from pantau.api import errors
from pantau.api.db import Database
from pantau.api.jobs import IngestWorker
from pantau.api.middleware import LOCAL_HOSTS, BodyLimit, HostCheck, ReadCache
from pantau.api.routers import actors, articles, events, index, ingest, meta, pages, status, stories
from pantau.api.routers.events import sentence_around

__all__ = ["create_app", "sentence_around", "MAX_BODY"]
MAX_BODY = 60_000_000


def allowed_hosts(extra: Iterable[str] = ()) -> list[str]:
    """localhost names, plus ``$PANTAU_ALLOWED_HOSTS`` (comma-separated; ``*`` turns the check off)."""
    env = [h.strip() for h in os.environ.get("PANTAU_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return [*LOCAL_HOSTS, *env, *extra]


def create_app(
    db_path: str | Path | None = None,
    token: str | None = None,
    *,
    hosts: Iterable[str] | None = None,
    max_body: int = MAX_BODY,
    stories_budget_s: float = 2.0,
    preload: bool = True,
    isolate: bool | None = None,
    writable: bool = False,
) -> FastAPI:
    """Build the app over the store at ``db_path``; ``token`` enables ``POST /api/ingest``.

    ``writable``: open the store for writing without an ingest endpoint (``pantau watch --serve`` writes
    through the same connection, since DuckDB lets one process open a store).
    ``hosts``: the Host header values accepted besides localhost, 127.0.0.1 and [::1]; ``preload``: load
    the NLP models when the ingest worker starts (tests with a stand-in pipeline skip it); ``isolate``: run
    the NLP in a child process (default: when ``preload``, i.e. with the real pipeline)."""
    db_path = str(db_path or os.environ.get("PANTAU_DB") or "pantau.duckdb")
    db = Database(db_path, writable=writable or bool(token))
    isolate = preload if isolate is None else isolate
    worker = IngestWorker(db, stories_budget_s=stories_budget_s, preload=preload, isolate=isolate)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if token:
            worker.start()
        try:
            yield
        finally:
            worker.close()  # stops after the current article or stories slice

    app = FastAPI(
        title="Pantau API",
        version="0.2.0",
        description="Evidence-linked PLOVER events, stories and escalation index from Indonesian news.",
        # Swagger UI and ReDoc load their assets from a CDN; the dashboard must work offline.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.token = token
    app.state.worker = worker
    errors.install(app)
    for module in (articles, events, stories, actors, index, ingest, meta, status):
        app.include_router(module.router)
    pages.mount(app)
    # outermost first: reject a foreign Host before reading any body
    app.add_middleware(ReadCache, generation=lambda: db.generation, on_read=db.note_read)
    app.add_middleware(BodyLimit, max_bytes=max_body)
    app.add_middleware(HostCheck, allowed=allowed_hosts(hosts or ()))
    return app
