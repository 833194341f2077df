"""``/api/stories``: clusters of articles on one news story (empty until the stories stage ran)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

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
    Dyad,
    EventType,
    IdParam,
    Limit,
    Offset,
    Outlet,
    attach_articles,
    documented,
    empty_range,
    parse_dyad,
    respond,
)
from pantau.api.models import Story, StoryPage
from pantau.records import QUAD_OF
from pantau.store.filters import Where, event_filters, like_pattern
from pantau.web.relevance import ranked_stories_sql

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
    dyad: Dyad = None,
    type: Annotated[list[EventType] | None, Query(description="stories with an event of this type")] = None,  # noqa: A002
    sort: Annotated[
        Literal["recent", "relevance"] | None,
        Query(description="relevance: stories with events, several outlets or known actors first "
              "(adds n_events, n_known, relevance); recent: newest first, with those fields"),
    ] = None,
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
    source, cols, order = "stories", "", "last_date DESC NULLS LAST, n_articles DESC, id"
    if sort:
        source, cols = f"({ranked_stories_sql(db.has)}) stories", ", n_events, n_known, relevance"
        if sort == "relevance":
            order = "relevance DESC, " + order
    with db.cursor() as cur:
        if (dyad or type) and not db.has("story_articles", "story_id", "article_id"):
            w.add("FALSE")
        elif dyad or type:
            # Stories with a matching event (the event filter of /api/events, on the story's articles;
            # the dyad on the derived pair strings where they are fresh).
            ev = event_filters(
                dyad=parse_dyad(dyad),
                types=[t.value for t in type] if type else None,
                coded=bool(dyad) and db.derived_fresh(cur),
            )
            w.add(
                "id IN (SELECT story_id FROM story_articles WHERE article_id IN "
                f"(SELECT article_id FROM events {ev.sql()}))",
                *ev.params,
            )
        total = cur.execute(f"SELECT count(*) FROM {source} {w.sql()}", w.params).fetchone()[0]
        cur.execute(
            f"SELECT id, title, first_date, last_date, n_articles, n_outlets, outlets, main_actors{cols} "
            f"FROM {source} {w.sql()} ORDER BY {order} LIMIT ? OFFSET ?",
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
