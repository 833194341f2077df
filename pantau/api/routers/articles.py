"""``/api/articles``: search and read the stored articles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from pantau.api.db import rows_as_dicts
from pantau.api.deps import (
    DB,
    ERRORS_404,
    DateFrom,
    DateTo,
    IdParam,
    Offset,
    Outlet,
    documented,
    empty_range,
    jsonish,
    respond,
)
from pantau.api.models import Article, ArticlePage
from pantau.records import QUAD_OF
from pantau.store.filters import Where, like_pattern

router = APIRouter(prefix="/api/articles", tags=["articles"])


@router.get("", **documented(ArticlePage))
def list_articles(
    db: DB,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="words to find")] = None,
    outlet: Outlet = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Response:
    """Articles, newest first; ``q`` matches every word in the title or text (case-insensitive)."""
    if empty_range(date_from, date_to):
        return respond({"total": 0, "limit": limit, "offset": offset, "items": []})
    w = Where()
    words = (q or "").split()[:8]
    for word in words:
        w.add(
            "(title ILIKE ? ESCAPE '\\' OR text ILIKE ? ESCAPE '\\')", like_pattern(word), like_pattern(word)
        )
    if outlet:
        w.add("outlet = ?", outlet)
    if date_from:
        w.add("published_date >= ?", date_from)
    if date_to:
        w.add("published_date <= ?", date_to)
    with db.cursor() as cur:
        total = cur.execute(f"SELECT count(*) FROM articles {w.sql()}", w.params).fetchone()[0]
        cur.execute(
            "SELECT id, title, outlet, url, published, published_date, text FROM articles "
            f"{w.sql()} ORDER BY published_date DESC NULLS LAST, id LIMIT ? OFFSET ?",
            [*w.params, limit, offset],
        )
        rows = rows_as_dicts(cur)
        counts: dict[str, int] = {}
        if rows:
            counts = dict(
                cur.execute(
                    "SELECT article_id, count(*) FROM events WHERE list_contains(?, article_id) "
                    "GROUP BY article_id",
                    [[r["id"] for r in rows]],
                ).fetchall()
            )
    for r in rows:
        text = r.pop("text") or ""
        pos = text.lower().find(words[0].lower()) if words else -1
        s = max(0, pos - 80) if pos >= 0 else 0
        r["snippet"] = ("…" if s else "") + text[s : s + 240].replace("\n", " ")
        r["n_events"] = counts.get(r["id"], 0)
    return respond({"total": total, "limit": limit, "offset": offset, "items": rows})


@router.get("/{article_id}", **documented(Article, ERRORS_404))
def get_article(article_id: IdParam, db: DB) -> Response:
    """One article with its entities, events (evidence spans), quotes and removed furniture."""
    with db.cursor() as cur:
        cur.execute(
            "SELECT id, url, title, published, published_date, outlet, authors, editors, dateline, "
            "language, flags, text, captions, removed, source FROM articles WHERE id = ?",
            [article_id],
        )
        rows = rows_as_dicts(cur)
        if not rows:
            raise HTTPException(404, detail="no such article")
        art = rows[0]
        art["removed"] = jsonish(art["removed"]) or []
        cur.execute(
            'SELECT idx, text, label, start, "end", code, sector, name, wikidata FROM entities '
            "WHERE article_id = ? ORDER BY start NULLS LAST, idx",
            [article_id],
        )
        entities = rows_as_dicts(cur)
        cur.execute(
            "SELECT id, type, mode, context, actor, recipient, actor_codes, recipient_codes, date, "
            "date_precision, location, factuality, evidence, quote, confidence, pattern FROM events "
            "WHERE article_id = ? ORDER BY id",
            [article_id],
        )
        events = rows_as_dicts(cur)
        cur.execute(
            'SELECT id, text, speaker, speaker_code, cue, start, "end", direct FROM quotes '
            "WHERE article_id = ? ORDER BY start",
            [article_id],
        )
        quotes = rows_as_dicts(cur)
        attributions = [
            r[0]
            for r in cur.execute(
                "SELECT outlet FROM attributions WHERE article_id = ?", [article_id]
            ).fetchall()
        ]
        dups: list[dict[str, Any]] = []
        if db.has("duplicates", "article_id", "original_id"):
            cur.execute(
                "SELECT d.article_id, d.original_id, d.similarity, d.relation, a.outlet AS article_outlet, "
                "o.outlet AS original_outlet FROM duplicates d LEFT JOIN articles a ON a.id = d.article_id "
                "LEFT JOIN articles o ON o.id = d.original_id WHERE d.article_id = ? OR d.original_id = ?",
                [article_id, article_id],
            )
            dups = rows_as_dicts(cur)
        stories: list[dict[str, Any]] = []
        if db.has("story_articles") and db.has("stories"):
            cur.execute(
                "SELECT s.id, s.title FROM story_articles sa JOIN stories s ON s.id = sa.story_id "
                "WHERE sa.article_id = ?",
                [article_id],
            )
            stories = rows_as_dicts(cur)
    for e in events:
        for k in ("actor", "recipient", "location", "evidence"):
            e[k] = jsonish(e[k])
        e["quad"] = QUAD_OF.get(e["type"], 0)
    for qrow in quotes:
        qrow["speaker"] = jsonish(qrow["speaker"])
    art.update(
        entities=entities,
        events=events,
        quotes=quotes,
        attributions=attributions,
        duplicates=dups,
        stories=stories,
    )
    return respond(art)
