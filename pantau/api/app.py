"""The analysts' REST API and dashboard (one FastAPI app).

Read endpoints take a cursor of the process-wide DuckDB connection and run the
constant SQL of :mod:`pantau.store.filters` with bound parameters. Tables that a
later stage has not produced yet (stories, escalation index, alerts) read as
empty rather than failing. ``POST /api/ingest`` runs the pipeline and upserts;
it is enabled only when a bearer token is configured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import tempfile
from enum import Enum, StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pantau.api.db import Database, rows_as_dicts
from pantau.records import EVENT_TYPES, QUAD_OF
from pantau.store.filters import QUAD_CASE, Where, event_filters, like_pattern

MAX_PAGE = 500
EVENT_LIST_COLUMNS = (
    "id, article_id, type, mode, actor_codes, recipient_codes, date, date_precision, factuality, "
    "confidence, quote, pattern, json_extract_string(location, '$.name') AS location_name"
)
CODE_RE = r"^[A-Z][A-Z0-9]{1,5}$"
DYAD_RE = r"^[A-Z][A-Z0-9]{1,5}-[A-Z][A-Z0-9]{1,5}$"
# an index series: a dyad, or one code (events with one known party)
SERIES_RE = r"^[A-Z][A-Z0-9]{1,5}(-[A-Z][A-Z0-9]{1,5})?$"
ID_RE = r"^[^\s/?#]{1,256}$"

EventType = Enum("EventType", {t: t for t in EVENT_TYPES}, type=str)  # type: ignore[misc]


class Factuality(StrEnum):
    asserted = "asserted"
    future = "future"
    hypothetical = "hypothetical"
    negated = "negated"


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (1-{MAX_PAGE})")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
DateFrom = Annotated[dt.date | None, Query(alias="from", description="first day (YYYY-MM-DD)")]
DateTo = Annotated[dt.date | None, Query(alias="to", description="last day (YYYY-MM-DD)")]
Code = Annotated[str | None, Query(pattern=CODE_RE, description="actor code, e.g. RUS")]
Dyad = Annotated[str | None, Query(pattern=DYAD_RE, description="two codes, e.g. RUS-UKR")]
Outlet = Annotated[str | None, Query(min_length=1, max_length=200)]
IdParam = Annotated[str, PathParam(pattern=ID_RE)]


def get_db(request: Request) -> Database:
    """The app's database (a dependency, so each endpoint states what it uses)."""
    return request.app.state.db


DB = Annotated[Database, Depends(get_db)]


class IngestArticle(BaseModel):
    """One article to ingest: the fields of a raw record (text or html required)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, max_length=2000)
    published: str | None = Field(None, max_length=40)
    outlet: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=2_000_000)
    html: str | None = Field(None, max_length=5_000_000)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)  # Decimal, UUID


def respond(obj: Any) -> Response:
    """JSON from the stdlib encoder: on large results FastAPI's generic encoder is the bottleneck."""
    body = json.dumps(obj, default=_json_default, ensure_ascii=False, separators=(",", ":"))
    return Response(content=body.encode("utf-8"), media_type="application/json")


def respond_data(obj: Any) -> Any:
    """Round-trip through JSON so dates and decimals in stage statistics become plain values."""
    return json.loads(json.dumps(obj, default=_json_default))


def _check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, detail="'from' must not be after 'to'")


def _jsonish(value: Any) -> Any:
    """Decode a DuckDB JSON column (returned as str) to Python."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_dyad(dyad: str | None) -> tuple[str, str] | None:
    if not dyad:
        return None
    a, b = dyad.split("-", 1)
    return a, b


def _sorted_dyad(dyad: str) -> str:
    return "-".join(sorted(dyad.split("-", 1)))


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence(s) containing ``text[start:end]`` (why: show the evidence in context)."""
    left = start
    while left > 0:
        ch = text[left - 1]
        if ch == "\n" or (ch in ".!?" and left < len(text) and text[left].isspace()):
            break
        left -= 1
    right = end
    while right < len(text):
        ch = text[right]
        if ch == "\n":
            break
        right += 1
        if ch in ".!?" and (right >= len(text) or text[right].isspace()):
            break
    while left < start and text[left].isspace():
        left += 1
    return left, right


def create_app(db_path: str | Path | None = None, token: str | None = None) -> FastAPI:
    """Build the app over the store at ``db_path``; ``token`` enables ``POST /api/ingest``."""
    db_path = str(db_path or os.environ.get("PANTAU_DB") or "pantau.duckdb")
    db = Database(db_path, writable=bool(token))
    app = FastAPI(
        title="Pantau API",
        version="0.1.0",
        description="Evidence-linked PLOVER events, stories and escalation index from Indonesian news.",
        # Swagger UI and ReDoc load their assets from a CDN; the dashboard must work offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.token = token
    app.state.store = None

    # ------------------------------------------------------------------ articles
    @app.get("/api/articles", tags=["articles"])
    def list_articles(
        db: DB,
        q: Annotated[str | None, Query(min_length=1, max_length=200, description="words to find")] = None,
        outlet: Outlet = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Articles, newest first; ``q`` matches every word in the title or text (case-insensitive)."""
        _check_range(date_from, date_to)
        w = Where()
        words = (q or "").split()[:8]
        for word in words:
            w.add(
                "(title ILIKE ? ESCAPE '\\' OR text ILIKE ? ESCAPE '\\')",
                like_pattern(word),
                like_pattern(word),
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
            pos = -1
            if words:
                pos = text.lower().find(words[0].lower())
            s = max(0, pos - 80) if pos >= 0 else 0
            r["snippet"] = ("…" if s else "") + text[s : s + 240].replace("\n", " ")
            r["n_events"] = counts.get(r["id"], 0)
        return {"total": total, "limit": limit, "offset": offset, "items": rows}

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def get_article(article_id: IdParam, db: DB) -> dict[str, Any]:
        """One article with its entities, events (evidence spans), quotes and removed furniture."""
        with db.cursor() as cur:
            cur.execute(
                "SELECT id, url, title, published, published_date, outlet, authors, editors, dateline, "
                "language, flags, text, captions, removed, source FROM articles WHERE id = ?",
                [article_id],
            )
            rows = rows_as_dicts(cur)
            if not rows:
                raise HTTPException(404, detail=f"no article {article_id!r}")
            art = rows[0]
            art["removed"] = _jsonish(art["removed"]) or []
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
                    "SELECT d.article_id, d.original_id, d.similarity, d.relation, a.outlet AS "
                    "article_outlet, "
                    "o.outlet AS original_outlet FROM duplicates d LEFT JOIN articles a ON a.id = "
                    "d.article_id "
                    "LEFT JOIN articles o ON o.id = d.original_id WHERE d.article_id = ? OR "
                    "d.original_id = ?",
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
                e[k] = _jsonish(e[k])
            e["quad"] = QUAD_OF.get(e["type"], 0)
        for qrow in quotes:
            qrow["speaker"] = _jsonish(qrow["speaker"])
        art.update(
            entities=entities,
            events=events,
            quotes=quotes,
            attributions=attributions,
            duplicates=dups,
            stories=stories,
        )
        return art

    # ------------------------------------------------------------------ events
    @app.get("/api/events", tags=["events"])
    def list_events(
        db: DB,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        actor: Code = None,
        recipient: Code = None,
        dyad: Dyad = None,
        type: Annotated[list[EventType] | None, Query(description="event type(s)")] = None,  # noqa: A002
        quad: Annotated[
            int | None, Query(ge=1, le=4, description="1 verbal coop .. 4 material conflict")
        ] = None,
        outlet: Outlet = None,
        story: Annotated[str | None, Query(pattern=ID_RE)] = None,
        article: Annotated[str | None, Query(pattern=ID_RE)] = None,
        factuality: Factuality | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        """Events, newest first, filtered; ``total`` counts all matches of the same filter."""
        _check_range(date_from, date_to)
        w = event_filters(
            date_from=date_from,
            date_to=date_to,
            actor=actor,
            recipient=recipient,
            dyad=_parse_dyad(dyad),
            types=[t.value for t in type] if type else None,
            quad=quad,
            outlet=outlet,
            story=story,
            article=article,
            factuality=factuality.value if factuality else None,
            has_story_table=db.has("story_articles", "story_id", "article_id"),
        )
        with db.cursor() as cur:
            # One snapshot for count, page and fetch. The page is found on (date, rowid) alone, then only
            # its rows are read in full: sorting 1M narrow keys is much cheaper than sorting wide rows.
            cur.begin()
            if w.parts:
                # Evaluate the filter once: keep (rowid, date) of the matches, count them and take the page.
                total, rowids = cur.execute(
                    f"WITH f AS MATERIALIZED (SELECT rowid AS r, date FROM events {w.sql()}), "
                    "page AS (SELECT r FROM f ORDER BY date DESC NULLS LAST, r LIMIT ? OFFSET ?) "
                    "SELECT (SELECT count(*) FROM f), (SELECT list(r) FROM page)",
                    [*w.params, limit, offset],
                ).fetchone()
                rowids = rowids or []
            else:
                total = cur.execute("SELECT count(*) FROM events").fetchone()[0]
                rowids = [
                    r[0]
                    for r in cur.execute(
                        "SELECT rowid FROM events ORDER BY date DESC NULLS LAST, rowid LIMIT ? OFFSET ?",
                        [limit, offset],
                    ).fetchall()
                ]
            items: list[dict[str, Any]] = []
            if rowids:
                cur.execute(
                    f"SELECT e.rowid AS _rowid, {EVENT_LIST_COLUMNS} FROM events e "
                    "SEMI JOIN (SELECT unnest(?) AS r) page ON e.rowid = page.r",
                    [rowids],
                )
                by_rowid = {r.pop("_rowid"): r for r in rows_as_dicts(cur)}
                items = [by_rowid[r] for r in rowids if r in by_rowid]
                _attach_articles(cur, items)
            cur.commit()
        for e in items:
            e["quad"] = QUAD_OF.get(e["type"], 0)
        return respond({"total": total, "limit": limit, "offset": offset, "items": items})

    @app.get("/api/events/{event_id}", tags=["events"])
    def get_event(event_id: IdParam, db: DB) -> dict[str, Any]:
        """One event with its evidence in the article sentence, coding trace and every reporting outlet."""
        with db.cursor() as cur:
            cur.execute(
                "SELECT e.*, a.title AS article_title, a.outlet, a.url, a.published, a.text AS article_text "
                "FROM events e LEFT JOIN articles a ON a.id = e.article_id WHERE e.id = ?",
                [event_id],
            )
            rows = rows_as_dicts(cur)
            if not rows:
                raise HTTPException(404, detail=f"no event {event_id!r}")
            ev = rows[0]
            for k in ("actor", "recipient", "location", "evidence"):
                ev[k] = _jsonish(ev[k])
            text = ev.pop("article_text") or ""
            ev["quad"] = QUAD_OF.get(ev["type"], 0)
            spans = [s for s in (ev["evidence"] or []) if isinstance(s, dict) and "start" in s and "end" in s]
            if spans:
                s0 = min(s["start"] for s in spans)
                first = min(spans, key=lambda s: s["start"])
                lo, hi = sentence_around(text, s0, first["end"])
                ev["context"] = {
                    "start": lo,
                    "end": hi,
                    "text": text[lo:hi],
                    "spans": [
                        {"start": s["start"] - lo, "end": s["end"] - lo, "text": text[s["start"] : s["end"]]}
                        for s in spans
                        if lo <= s["start"] and s["end"] <= hi
                    ],
                }
            else:
                ev["context"] = None
            ev["reports"], ev["canonical"] = _reports(cur, ev)
        return ev

    def _reports(cur: Any, ev: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Every outlet that reported the event: via canonical events when built, else syndication."""
        own = {
            "article_id": ev["article_id"],
            "event_id": ev["id"],
            "outlet": ev.get("outlet"),
            "url": ev.get("url"),
            "title": ev.get("article_title"),
            "published": ev.get("published"),
        }
        canonical = None
        if db.has("event_mentions", "canonical_id", "event_id", "article_id"):
            row = cur.execute(
                "SELECT canonical_id FROM event_mentions WHERE event_id = ? LIMIT 1", [ev["id"]]
            ).fetchone()
            if row:
                if db.has("canonical_events", "id"):
                    cur.execute("SELECT * FROM canonical_events WHERE id = ?", [row[0]])
                    got = rows_as_dicts(cur)
                    canonical = got[0] if got else {"id": row[0]}
                else:
                    canonical = {"id": row[0]}
                cur.execute(
                    "SELECT m.article_id, m.event_id, a.outlet, a.url, a.title, a.published "
                    "FROM event_mentions m LEFT JOIN articles a ON a.id = m.article_id "
                    "WHERE m.canonical_id = ? ORDER BY a.published, m.article_id",
                    [row[0]],
                )
                reports = rows_as_dicts(cur)
                if reports:
                    return reports, canonical
        reports = [own]
        if db.has("duplicates", "article_id", "original_id"):
            cur.execute(
                "SELECT a.id AS article_id, NULL AS event_id, a.outlet, a.url, a.title, a.published "
                "FROM duplicates d JOIN articles a ON a.id = CASE WHEN d.article_id = ? THEN d.original_id "
                "ELSE d.article_id END WHERE d.article_id = ? OR d.original_id = ?",
                [ev["article_id"]] * 3,
            )
            reports += rows_as_dicts(cur)
        return reports, canonical

    def _attach_articles(cur: Any, items: list[dict[str, Any]]) -> None:
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

    # ------------------------------------------------------------------ stories
    @app.get("/api/stories", tags=["stories"])
    def list_stories(
        db: DB,
        q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        outlet: Outlet = None,
        actor: Code = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Stories (clusters of articles on one news story), most recent first."""
        _check_range(date_from, date_to)
        if not db.has("stories", "id"):
            return {"total": 0, "limit": limit, "offset": offset, "items": []}
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
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def get_story(story_id: IdParam, db: DB) -> dict[str, Any]:
        """A story with its articles, syndication chain and the timeline of its events."""
        if not db.has("stories", "id"):
            raise HTTPException(404, detail="no stories have been built yet")
        with db.cursor() as cur:
            cur.execute("SELECT * FROM stories WHERE id = ?", [story_id])
            rows = rows_as_dicts(cur)
            if not rows:
                raise HTTPException(404, detail=f"no story {story_id!r}")
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
                    "SELECT d.article_id, d.original_id, d.similarity, d.relation, a.outlet AS "
                    "article_outlet, "
                    "o.outlet AS original_outlet, a.published AS article_published, "
                    "o.published AS original_published FROM duplicates d "
                    "LEFT JOIN articles a ON a.id = d.article_id LEFT JOIN articles o ON o.id = "
                    "d.original_id "
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
                _attach_articles(cur, events)
        for e in events:
            e["quad"] = QUAD_OF.get(e["type"], 0)
        story.update(articles=articles, syndication=syndication, events=events)
        return story

    # ------------------------------------------------------------------ actors
    @app.get("/api/actors", tags=["actors"])
    def list_actors(
        db: DB,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        quad: Annotated[int | None, Query(ge=1, le=4)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        min_weight: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> dict[str, Any]:
        """Actor codes with event counts, and a network: weighted actor→recipient edges by quad."""
        _check_range(date_from, date_to)
        w = event_filters(date_from=date_from, date_to=date_to, quad=quad)
        with db.cursor() as cur:
            cur.execute(
                "WITH f AS (SELECT actor_codes, recipient_codes FROM events " + w.sql() + "), "
                "c AS (SELECT unnest(actor_codes) AS code, 1 AS a, 0 AS r FROM f "
                "UNION ALL SELECT unnest(recipient_codes), 0, 1 FROM f) "
                "SELECT code, sum(a)::BIGINT AS as_actor, sum(r)::BIGINT AS as_recipient, "
                "(sum(a) + sum(r))::BIGINT AS n_events FROM c WHERE code IS NOT NULL "
                "GROUP BY code ORDER BY n_events DESC, code LIMIT ?",
                [*w.params, limit],
            )
            actors = rows_as_dicts(cur)
            cur.execute(
                f"WITH f AS (SELECT unnest(actor_codes) AS source, recipient_codes, {QUAD_CASE} AS quad "
                f"FROM events {w.sql()}), g AS (SELECT source, unnest(recipient_codes) AS target, "
                "quad FROM f) "
                "SELECT source, target, quad, count(*) AS weight FROM g "
                "WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target "
                "GROUP BY ALL HAVING count(*) >= ? ORDER BY weight DESC, source, target, quad LIMIT ?",
                [*w.params, min_weight, limit],
            )
            edges = rows_as_dicts(cur)
        counts = {a["code"]: a for a in actors}
        codes = {a["code"] for a in actors} | {e["source"] for e in edges} | {e["target"] for e in edges}
        nodes = [
            {"id": c, "n_events": counts[c]["n_events"] if c in counts else None}
            for c in sorted(codes, key=lambda c: (-(counts[c]["n_events"] if c in counts else 0), c))
        ]
        return {"actors": actors, "nodes": nodes, "edges": edges}

    @app.get("/api/actors/{code}", tags=["actors"])
    def get_actor(
        code: Annotated[str, PathParam(pattern=CODE_RE)],
        db: DB,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """An actor's recent events (as actor or recipient), its quotes and counts by type."""
        with db.cursor() as cur:
            cur.execute(
                f"SELECT {EVENT_LIST_COLUMNS} FROM events "
                "WHERE list_contains(actor_codes, ?) OR list_contains(recipient_codes, ?) "
                "ORDER BY date DESC NULLS LAST, id LIMIT ?",
                [code, code, limit],
            )
            events = rows_as_dicts(cur)
            _attach_articles(cur, events)
            by_type = dict(
                cur.execute(
                    "SELECT type, count(*) FROM events WHERE list_contains(actor_codes, ?) "
                    "GROUP BY type ORDER BY 2 DESC",
                    [code],
                ).fetchall()
            )
            cur.execute(
                'SELECT q.id, q.article_id, q.text, q.speaker, q.cue, q.start, q."end", q.direct, '
                "a.title AS article_title, a.outlet, a.published FROM quotes q "
                "LEFT JOIN articles a ON a.id = q.article_id WHERE q.speaker_code = ? "
                "ORDER BY a.published DESC NULLS LAST, q.id LIMIT ?",
                [code, limit],
            )
            quotes = rows_as_dicts(cur)
            names = [
                r[0]
                for r in cur.execute(
                    "SELECT name FROM entities WHERE code = ? AND name IS NOT NULL GROUP BY name "
                    "ORDER BY count(*) DESC LIMIT 10",
                    [code],
                ).fetchall()
            ]
        for e in events:
            e["quad"] = QUAD_OF.get(e["type"], 0)
        for qrow in quotes:
            qrow["speaker"] = _jsonish(qrow["speaker"])
        return {"code": code, "names": names, "as_actor_by_type": by_type, "events": events, "quotes": quotes}

    # ------------------------------------------------------------------ index and alerts
    INDEX_COLUMNS = ("dyad", "day", "score", "conflict", "cooperation", "cbrn", "n_events")

    @app.get("/api/index/dyads", tags=["index"])
    def index_dyads(
        db: DB,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        one_party: Annotated[bool, Query(description="also one-code series (one known party)")] = False,
    ) -> dict[str, Any]:
        """Dyads present in the escalation index, busiest first (for the overview's picker, whose
        points link to the events of a dyad: one-code series only when asked for)."""
        if not db.has("escalation_index", "dyad", "day"):
            return {"items": []}
        cnt = "sum(n_events)" if db.has("escalation_index", "n_events") else "count(*)"
        where = "" if one_party else "WHERE contains(dyad, '-')"
        with db.cursor() as cur:
            cur.execute(
                f"SELECT dyad, {cnt}::BIGINT AS n_events, min(day) AS first_day, max(day) AS last_day "
                f"FROM escalation_index {where} GROUP BY dyad ORDER BY n_events DESC, dyad LIMIT ?",
                [limit],
            )
            return {"items": rows_as_dicts(cur)}

    @app.get("/api/index", tags=["index"])
    def get_index(
        db: DB,
        dyad: Annotated[list[str], Query(description="one or more dyads, e.g. RUS-UKR, or codes (RUS)")],
        date_from: DateFrom = None,
        date_to: DateTo = None,
        alerts: bool = True,
    ) -> Response:
        """The daily escalation index of each dyad and the alerts on it.

        Each dyad comes as columns: ``day`` (list of dates) and one list per measure (``score``,
        ``conflict``, ``cooperation``, ``cbrn`` = the nuclear channel, ``n_events``), index-aligned."""
        _check_range(date_from, date_to)
        if len(dyad) > 10:
            raise HTTPException(422, detail="at most 10 dyads")
        for d in dyad:
            if not re.match(SERIES_RE, d):
                raise HTTPException(422, detail=f"bad dyad {d!r}: expected two codes like RUS-UKR, or one")
        # The index stores unordered pairs as sorted codes ("UKR-RUS" is "RUS-UKR").
        dyad = list(dict.fromkeys(_sorted_dyad(d) for d in dyad))
        out: dict[str, Any] = {"dyads": [], "alerts": []}
        if not db.has("escalation_index", "dyad", "day"):
            out["dyads"] = [{"dyad": d, "day": []} for d in dyad]
            return respond(out)
        cols = [c for c in INDEX_COLUMNS[2:] if db.has("escalation_index", c)]
        w = Where()
        w.add(f"dyad IN ({', '.join('?' * len(dyad))})", *dyad)
        if date_from:
            w.add("day >= ?", date_from)
        if date_to:
            w.add("day <= ?", date_to)
        # Columnar series (one list per measure), aggregated by DuckDB: compact to send and to chart.
        lists = ", ".join(f"list({c} ORDER BY day) AS {c}" for c in cols)
        with db.cursor() as cur:
            cur.execute(
                f"SELECT dyad, list(strftime(day, '%Y-%m-%d') ORDER BY day) AS day, {lists} "
                f"FROM escalation_index {w.sql()} GROUP BY dyad",
                w.params,
            )
            found = {r["dyad"]: r for r in rows_as_dicts(cur)}
            out["dyads"] = [found.get(d) or {"dyad": d, "day": [], **{c: [] for c in cols}} for d in dyad]
            if alerts and db.has("alerts", "dyad", "day"):
                cur.execute(f"SELECT * FROM alerts {w.sql()} ORDER BY day, dyad", w.params)
                out["alerts"] = rows_as_dicts(cur)
        return respond(out)

    @app.get("/api/alerts", tags=["index"])
    def list_alerts(
        db: DB,
        dyad: Dyad = None,
        channel: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Escalation alerts (z-score jumps of a dyad's channel), newest first."""
        _check_range(date_from, date_to)
        if not db.has("alerts", "dyad", "day"):
            return {"total": 0, "limit": limit, "offset": offset, "items": []}
        w = Where()
        if dyad:
            w.add("dyad = ?", _sorted_dyad(dyad))
        if channel and db.has("alerts", "channel"):
            w.add("channel = ?", channel)
        if date_from:
            w.add("day >= ?", date_from)
        if date_to:
            w.add("day <= ?", date_to)
        with db.cursor() as cur:
            total = cur.execute(f"SELECT count(*) FROM alerts {w.sql()}", w.params).fetchone()[0]
            cur.execute(
                f"SELECT * FROM alerts {w.sql()} ORDER BY day DESC, dyad LIMIT ? OFFSET ?",
                [*w.params, limit, offset],
            )
            items = rows_as_dicts(cur)
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    # ------------------------------------------------------------------ map
    @app.get("/api/map", tags=["events"])
    def event_map(
        db: DB,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        actor: Code = None,
        dyad: Dyad = None,
        type: Annotated[list[EventType] | None, Query()] = None,  # noqa: A002
        quad: Annotated[int | None, Query(ge=1, le=4)] = None,
        limit: Limit = 500,
    ) -> Response:
        """Event locations as a GeoJSON FeatureCollection: one point per place, with its event count."""
        _check_range(date_from, date_to)
        w = event_filters(
            date_from=date_from,
            date_to=date_to,
            actor=actor,
            dyad=_parse_dyad(dyad),
            types=[t.value for t in type] if type else None,
            quad=quad,
        )
        w.add("location IS NOT NULL")
        with db.cursor() as cur:
            cur.execute(
                "WITH f AS (SELECT id, type, date, "
                "coalesce(json_extract_string(location, '$.name'), json_extract_string(location, '$.text')) "
                "AS name, json_extract_string(location, '$.country') AS country, "
                "TRY_CAST(json_extract_string(location, '$.lat') AS DOUBLE) AS lat, "
                "TRY_CAST(json_extract_string(location, '$.lon') AS DOUBLE) AS lon "
                f"FROM events {w.sql()}) "
                "SELECT name, country, round(lat, 4) AS lat, round(lon, 4) AS lon, count(*) AS n, "
                "list(id ORDER BY date DESC NULLS LAST)[1:20] AS event_ids, "
                "list(DISTINCT type) AS types, max(date) AS last_date FROM f "
                "WHERE lat IS NOT NULL AND lon IS NOT NULL AND lat BETWEEN -90 AND 90 "
                "AND lon BETWEEN -180 AND 180 GROUP BY ALL ORDER BY n DESC LIMIT ?",
                [*w.params, limit],
            )
            rows = rows_as_dicts(cur)
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.pop("lon"), r.pop("lat")]},
                "properties": r,
            }
            for r in rows
        ]
        return respond({"type": "FeatureCollection", "features": features})

    # ------------------------------------------------------------------ ingest
    def check_token(request: Request) -> None:
        if not app.state.token:
            raise HTTPException(403, detail="ingest is disabled: the server has no token configured")
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if (
            scheme.lower() != "bearer"
            or not given
            or not secrets.compare_digest(given.strip().encode(), str(app.state.token).encode())
        ):
            raise HTTPException(
                401, detail="a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )

    @app.post(
        "/api/ingest",
        tags=["ingest"],
        dependencies=[Depends(check_token)],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                IngestArticle.model_json_schema(),
                                {
                                    "type": "array",
                                    "items": IngestArticle.model_json_schema(),
                                    "maxItems": 1000,
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
    async def ingest(request: Request) -> JSONResponse:
        """Run articles (JSON object or array, or an uploaded .jsonl/.txt/.html file) through the
        pipeline and upsert them. Requires ``Authorization: Bearer <token>``."""
        ctype = request.headers.get("content-type", "")
        if int(request.headers.get("content-length") or 0) > 60_000_000:
            raise HTTPException(413, detail="request too large (60 MB max)")
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise HTTPException(422, detail="multipart upload needs a 'file' part")
            data = await upload.read()
            if len(data) > 50_000_000:
                raise HTTPException(413, detail="file too large (50 MB max)")
            name = Path(upload.filename or "upload.jsonl").name
            summary = await run_in_threadpool(_ingest_file, name, data)
        elif ctype.startswith("application/json"):
            try:
                payload = await request.json()
            except ValueError as exc:
                raise HTTPException(422, detail=f"invalid JSON: {exc}") from exc
            items = payload if isinstance(payload, list) else [payload]
            if not items or len(items) > 1000:
                raise HTTPException(422, detail="send 1 to 1000 articles")
            try:
                arts = [IngestArticle.model_validate(i) for i in items]
            except ValidationError as exc:
                raise HTTPException(422, detail=json.loads(exc.json())) from exc
            for i, a in enumerate(arts):
                if not (a.text or a.html):
                    raise HTTPException(422, detail=f"article {i}: 'text' or 'html' is required")
            summary = await run_in_threadpool(_ingest_articles, arts)
        else:
            raise HTTPException(415, detail="send application/json or multipart/form-data")
        return JSONResponse(summary, status_code=200)

    def _raw_records(arts: list[IngestArticle]) -> list[Any]:
        from pantau.records import RawRecord

        return [RawRecord(source="api", line=i + 1, **a.model_dump()) for i, a in enumerate(arts)]

    def _ingest_articles(arts: list[IngestArticle]) -> dict[str, Any]:
        return _run_pipeline(_raw_records(arts))

    def _ingest_file(name: str, data: bytes) -> dict[str, Any]:
        try:
            from pantau.ingest import read_inputs
        except ImportError as exc:
            raise HTTPException(503, detail="the ingest stage is not installed") from exc
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            return _run_pipeline(list(read_inputs([str(path)])))

    def _run_pipeline(items: list[Any]) -> dict[str, Any]:
        try:
            from pantau.pipeline import process_all
            from pantau.store import Store
        except ImportError as exc:
            raise HTTPException(503, detail=f"pipeline stage missing: {exc}") from exc
        results: list[dict[str, Any]] = []
        errors: list[str] = []
        with db.write_lock:
            if app.state.store is None:
                app.state.store = Store(db.path)
            store = app.state.store
            for res in process_all(items):
                if hasattr(res, "article"):
                    status = store.upsert(res)
                    results.append({"id": res.article.id, "status": status, "events": len(res.events)})
                else:
                    errors.append(str(res))
            stories: Any = None
            if any(r["status"] != "unchanged" for r in results):
                # Keep stories, canonical events and the index in step with the new articles.
                try:
                    from pantau import stories as stories_stage

                    stories = stories_stage.update(store)
                except ImportError:
                    stories = None
                except Exception as exc:  # noqa: BLE001 - the articles are stored; report, don't fail
                    stories = {"error": f"{type(exc).__name__}: {exc}"}
        db.invalidate()
        return respond_data({"results": results, "errors": errors, "stories": stories})

    # ------------------------------------------------------------------ dashboard
    web = resources.files("pantau.web")
    static_dir = Path(str(web.joinpath("static")))
    pages_dir = Path(str(web.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    # Each page file holds only its <main> content; the shared frame (head, scripts, header) is
    # _layout.html, so a page is assembled once at start-up.
    layout = (pages_dir / "_layout.html").read_text(encoding="utf-8").split("\n", 1)[1]

    def _page(name: str) -> Any:
        main = (pages_dir / f"{name}.html").read_text(encoding="utf-8")
        html = layout.replace("{page}", name).replace("{main}", main)

        def handler() -> HTMLResponse:
            return HTMLResponse(html)

        handler.__name__ = f"page_{name}"
        return handler

    for route, name in (
        ("/", "overview"),
        ("/events", "events"),
        ("/stories", "stories"),
        ("/article", "article"),
        ("/actors", "actors"),
        ("/map", "map"),
    ):
        app.add_api_route(route, _page(name), methods=["GET"], include_in_schema=False)

    @app.get("/api/health", tags=["meta"])
    def health(db: DB) -> dict[str, Any]:
        """Liveness plus what the store holds."""
        with db.cursor() as cur:
            n_articles = cur.execute("SELECT count(*) FROM articles").fetchone()[0]
            n_events = cur.execute("SELECT count(*) FROM events").fetchone()[0]
        return {
            "ok": True,
            "articles": n_articles,
            "events": n_events,
            "ingest": bool(app.state.token),
            "tables": sorted(db.tables()),
        }

    return app
