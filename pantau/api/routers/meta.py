"""``/api/health``: liveness, what the store holds and the ingest queue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pantau.api.deps import DB, documented, respond
from pantau.api.models import Health

router = APIRouter(tags=["meta"])


@router.get("/api/health", **documented(Health, {}))
def health(db: DB, request: Request) -> Response:
    """Liveness plus what the store holds."""
    with db.cursor() as cur:
        n_articles = cur.execute("SELECT count(*) FROM articles").fetchone()[0]
        n_events = cur.execute("SELECT count(*) FROM events").fetchone()[0]
    worker = getattr(request.app.state, "worker", None)
    return respond(
        {
            "ok": True,
            "articles": n_articles,
            "events": n_events,
            "ingest": bool(request.app.state.token),
            "tables": sorted(db.tables()),
            "queue": worker.stats() if worker is not None else None,
            "stories_pending": bool(worker is not None and worker.stories_pending),
        }
    )
