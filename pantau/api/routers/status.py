"""``/api/status``: what the store holds now and, under ``pantau watch``, each source's last poll, last
new article, errors and lag. The live dashboard (``static/live.js``) polls it to show new events
without a reload: its counts change whenever a write lands (the read cache is dropped then too)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from pantau.api.deps import DB, documented, respond

router = APIRouter(tags=["meta"])


class WatchSource(BaseModel):
    name: str
    kind: str | None = None
    last_poll: str | None = None
    since_poll_s: float | None = None
    last_ok: str | None = None
    last_new: str | None = None
    articles: int = 0
    polls: int = 0
    errors: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    lag_s: float | None = None


class Status(BaseModel):
    """Counts and latest items of the store (the dashboard's change signal) and the watcher's sources."""

    live: bool
    articles: int
    events: int
    alerts: int
    latest_article: str | None = None
    latest_alert: str | None = None
    watch: dict[str, Any] | None = None
    sources: list[WatchSource] = []


def _one(cur: Any, sql: str) -> Any:
    try:
        row = cur.execute(sql).fetchone()
    except Exception as exc:  # noqa: BLE001 - duckdb.CatalogException: a stage that never ran here
        if "does not exist" in str(exc):
            return None
        raise
    return row[0] if row else None


@router.get("/api/status", **documented(Status, {}))
def status(db: DB, request: Request) -> Response:
    """The store's counts and, when a watcher runs in this process, its per-source status."""
    from pantau.watch.state import read_sources
    from pantau.watch.status import snapshot

    with db.cursor() as cur:
        articles = _one(cur, "SELECT count(*) FROM articles") or 0
        events = _one(cur, "SELECT count(*) FROM events") or 0
        alerts = _one(cur, "SELECT count(*) FROM alerts") or 0
        latest = _one(cur, "SELECT max(ingested_at) FROM articles")
        latest_alert = _one(cur, "SELECT id FROM alerts ORDER BY day DESC, id DESC LIMIT 1")
        watcher = getattr(request.app.state, "watch", None)
        if watcher is not None:
            view = watcher.status()
        else:
            view = snapshot(read_sources(cur), running=False) if db.has("watch_sources") else None
    sources = view.pop("sources", []) if view else []
    return respond(
        {
            "live": watcher is not None or bool(request.app.state.token),
            "articles": articles,
            "events": events,
            "alerts": alerts,
            "latest_article": latest.isoformat() if latest is not None else None,
            "latest_alert": latest_alert,
            "watch": view,
            "sources": sources,
        }
    )
