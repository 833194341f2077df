"""``/api/stories``: clusters of articles on one news story (empty until the stories stage ran)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from pantau.api.db import rows_as_dicts
from pantau.api.deps import (
    DB,
    ERRORS_404,
    EVENT_LIST_COLUMNS,
    Code,
    DateFrom,
    DateTo,
    IdParam,
    Limit,
    Offset,
    Outlet,
    attach_articles,
    documented,
    empty_range,
    respond,
)
from pantau.api.models import Story, StoryPage
from pantau.records import QUAD_OF
from pantau.store.filters import Where, like_pattern

router = APIRouter(prefix="/api/stories", tags=["stories"])


@router.get("", **documented(StoryPage))
def list_stories(
    db: DB,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    outlet: Outlet = None,
    actor: Code = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """Stories (clusters of articles on one news story), most recent first."""
    if not db.has("stories", "id") or empty_range(date_from, date_to):
        return respond({"total": 0, "limit": limit, "offset": offset, "items": []})
    w = Where()
    if q:
        w.add("title ILIKE ? ESCAPE '\\'", like_pattern(q))
    if outlet:
        w.add("list_contains(outlets, ?)", outlet)
    if actor:
        w.add("list_contains(main_actors, ?)", actor)
    if date_from:
        w.add("last_date >= ?", date_from)
    if date_to:
        w.add("first_date <= ?", date_to)
    with db.cursor() as cur:
        total = cur.execute(f"SELECT count(*) FROM stories {w.sql()}", w.params).fetchone()[0]
        cur.execute(
            "SELECT id, title, first_date, last_date, n_articles, n_outlets, outlets, main_actors "
            f"FROM stories {w.sql()} ORDER BY last_date DESC NULLS LAST, n_articles DESC, id "
            "LIMIT ? OFFSET ?",
            [*w.params, limit, offset],
        )
        items = rows_as_dicts(cur)
    return respond({"total": total, "limit": limit, "offset": offset, "items": items})


@router.get("/{story_id}", **documented(Story, ERRORS_404))
def get_story(story_id: IdParam, db: DB) -> Response:
    """A story with its articles, syndication chain and the timeline of its events."""
    if not db.has("stories", "id"):
        raise HTTPException(404, detail="no stories have been built yet")
    with db.cursor() as cur:
        cur.execute("SELECT * FROM stories WHERE id = ?", [story_id])
        rows = rows_as_dicts(cur)
        if not rows:
            raise HTTPException(404, detail="no such story")
        story = rows[0]
        articles: list[dict[str, Any]] = []
        if db.has("story_articles", "story_id", "article_id"):
            cur.execute(
                "SELECT sa.article_id AS id, sa.similarity, a.title, a.outlet, a.url, a.published, "
                "a.published_date FROM story_articles sa LEFT JOIN articles a ON a.id = sa.article_id "
                "WHERE sa.story_id = ? ORDER BY a.published, sa.article_id",
                [story_id],
            )
            articles = rows_as_dicts(cur)
        ids = [a["id"] for a in articles]
        syndication: list[dict[str, Any]] = []
        if ids and db.has("duplicates", "article_id", "original_id"):
            cur.execute(
                "SELECT d.article_id, d.original_id, d.similarity, d.relation, a.outlet AS article_outlet, "
                "o.outlet AS original_outlet, a.published AS article_published, "
                "o.published AS original_published FROM duplicates d "
                "LEFT JOIN articles a ON a.id = d.article_id LEFT JOIN articles o ON o.id = d.original_id "
                "WHERE list_contains(?, d.article_id) OR list_contains(?, d.original_id) "
                "ORDER BY o.published, d.original_id, a.published",
                [ids, ids],
            )
            syndication = rows_as_dicts(cur)
        events: list[dict[str, Any]] = []
        if db.has("canonical_events", "id", "story_id"):
            cur.execute(
                "SELECT id, type, mode, actor_codes, recipient_codes, date, location_name, n_mentions, "
                "n_sources, sources, cbrn FROM canonical_events WHERE story_id = ? "
                "ORDER BY date NULLS LAST, id",
                [story_id],
            )
            events = rows_as_dicts(cur)
            for e in events:
                e["canonical"] = True
        if not events and ids:
            cur.execute(
                f"SELECT {EVENT_LIST_COLUMNS} FROM events WHERE list_contains(?, article_id) "
                "ORDER BY date NULLS LAST, id LIMIT 1000",
                [ids],
            )
            events = rows_as_dicts(cur)
            attach_articles(cur, events)
    for e in events:
        e["quad"] = QUAD_OF.get(e["type"], 0)
    story.update(articles=articles, syndication=syndication, events=events)
    return respond(story)
