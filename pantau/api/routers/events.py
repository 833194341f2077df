"""``/api/events`` and ``/api/map``: coded events, one event with its evidence, event places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from pantau.api.db import Database, rows_as_dicts
from pantau.api.deps import (
    DB,
    ERRORS_404,
    EVENT_LIST_COLUMNS,
    ID_RE,
    Code,
    DateFrom,
    DateTo,
    Dyad,
    EventType,
    Factuality,
    IdParam,
    Limit,
    Offset,
    Outlet,
    Quad,
    attach_articles,
    documented,
    empty_range,
    jsonish,
    newest_windows,
    parse_dyad,
    respond,
)
from pantau.api.models import Event, EventPage, FeatureCollection
from pantau.records import QUAD_OF
from pantau.store.aggregates import event_places
from pantau.store.derived import DERIVED_TYPES
from pantau.store.filters import event_filters
from pantau.web.relevance import event_relevance_page

router = APIRouter(tags=["events"])
Types = Annotated[list[EventType] | None, Query(description="event type(s)")]


@dataclass
class EventQuery:
    """The filters /api/events and /api/map share (one parameter object: declared and passed on once)."""

    date_from: DateFrom = None
    date_to: DateTo = None
    actor: Code = None
    dyad: Dyad = None
    type: Types = None  # noqa: A003 - the query parameter's name
    quad: Quad = None

    def empty(self) -> bool:
        return empty_range(self.date_from, self.date_to)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``event_filters`` / ``event_places``."""
        return {"date_from": self.date_from, "date_to": self.date_to, "actor": self.actor,
                "dyad": parse_dyad(self.dyad), "types": [t.value for t in self.type] if self.type else None,
                "quad": self.quad}


Filters = Annotated[EventQuery, Depends()]


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


@router.get("/api/events", **documented(EventPage))
def list_events(
    db: DB,
    f: Filters,
    recipient: Code = None,
    outlet: Outlet = None,
    story: Annotated[str | None, Query(pattern=ID_RE)] = None,
    article: Annotated[str | None, Query(pattern=ID_RE)] = None,
    factuality: Factuality | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    sort: Annotated[
        Literal["date", "relevance"],
        Query(description="relevance: events of known actors, two parties or widely reported stories "
              "first, then newest (adds relevance to each item)"),
    ] = "date",
) -> Response:
    """Events, newest first, filtered; ``total`` counts all matches of the same filter."""
    if f.empty():
        return respond({"total": 0, "limit": limit, "offset": offset, "items": []})
    with db.cursor() as cur:
        # One snapshot for count, page and fetch. The page is found on (date, rowid) alone, then only
        # its rows are read in full: sorting 1M narrow keys is much cheaper than sorting wide rows.
        cur.begin()
        w = event_filters(
            **f.kwargs(),
            recipient=recipient,
            outlet=outlet,
            story=story,
            article=article,
            factuality=factuality.value if factuality else None,
            has_story_table=db.has("story_articles", "story_id", "article_id"),
            coded=db.derived_fresh(cur),  # code filters on the derived key strings (3x faster)
        )
        rel: list[float] = []
        if sort == "relevance":
            total, rowids, rel = event_relevance_page(cur, db.has, w, limit, offset)
        elif w.parts:
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
            for window, bound in newest_windows(cur):  # the newest first: the last weeks hold most pages
                rowids = [
                    r[0]
                    for r in cur.execute(
                        f"SELECT rowid FROM events WHERE {window} "
                        "ORDER BY date DESC NULLS LAST, rowid LIMIT ? OFFSET ?",
                        [*bound, limit, offset],
                    ).fetchall()
                ]
                if len(rowids) >= limit:
                    break
        items: list[dict[str, Any]] = []
        if rowids:
            # the events' copy of their canonical event and its outlet count, when it is in step with the
            # stories tables (pantau/store/sources.py): read with the row, no look-ups
            copied = db.sources_fresh(cur)
            extra = ", src_canonical_id AS canonical_id, src_n_sources AS n_sources" if copied else ""
            cur.execute(
                f"SELECT e.rowid AS _rowid, {EVENT_LIST_COLUMNS}{extra} FROM events e "
                "SEMI JOIN (SELECT unnest(?) AS r) page ON e.rowid = page.r",
                [rowids],
            )
            by_rowid = {r.pop("_rowid"): r for r in rows_as_dicts(cur)}
            items = [by_rowid[r] for r in rowids if r in by_rowid]
            attach_articles(cur, items)
            if copied:  # the keys in the order attach_sources gives them
                for e in items:
                    e["canonical_id"] = e.pop("canonical_id")
                    e["n_sources"] = e.pop("n_sources")
            else:
                attach_sources(db, cur, items)
        cur.commit()
    for e in items:
        e["quad"] = QUAD_OF.get(e["type"], 0)
    if rel:
        for e, r in zip(items, rel, strict=False):
            e["relevance"] = r
    return respond({"total": total, "limit": limit, "offset": offset, "items": items})


def attach_sources(db: Database, cur: Any, items: list[dict[str, Any]]) -> None:
    """Add each event's canonical event and its count of independent outlets (two queries for the page).

    Why: "how many independent outlets reported it" is the question the canonical events answer; a record
    without a canonical event (stories not built, or not counted: hedged, negated) gets ``None``. The
    events' own copy (``pantau/store/sources.py``) answers instead when it is in step.
    """
    for e in items:
        e["canonical_id"], e["n_sources"] = None, None
    if not items or not db.has("event_mentions", "canonical_id", "event_id") or not db.has(
        "canonical_events", "id", "n_sources"
    ):
        return
    # Two look-ups with constant IN lists, which DuckDB pushes into each table's scan: joining the page's
    # mentions to canonical_events in one query scanned and hashed that whole table instead (58 against
    # 17 ms of CPU per page of 100 on a store of a million canonical events).
    ids = [e["id"] for e in items]
    cur.execute(
        f"SELECT event_id, canonical_id FROM event_mentions WHERE event_id IN ({_marks(ids)})", ids
    )
    canonical = dict(cur.fetchall())
    cids = sorted(set(canonical.values()))
    if not cids:
        return
    cur.execute(f"SELECT id, n_sources FROM canonical_events WHERE id IN ({_marks(cids)})", cids)
    n_sources = dict(cur.fetchall())
    for e in items:
        cid = canonical.get(e["id"])
        if cid in n_sources:
            e["canonical_id"], e["n_sources"] = cid, n_sources[cid]


def _marks(values: list[Any]) -> str:
    """Placeholders only: the values are bound."""
    return ", ".join("?" * len(values))


@router.get("/api/events/{event_id}", **documented(Event, ERRORS_404))
def get_event(event_id: IdParam, db: DB) -> Response:
    """One event with its evidence in the article sentence, coding trace and every reporting outlet."""
    with db.cursor() as cur:
        cur.execute(
            "SELECT e.*, a.title AS article_title, a.outlet, a.url, a.published, a.text AS article_text "
            "FROM events e LEFT JOIN articles a ON a.id = e.article_id WHERE e.id = ?",
            [event_id],
        )
        rows = rows_as_dicts(cur)
        if not rows:
            raise HTTPException(404, detail="no such event")
        ev = rows[0]
        for k in DERIVED_TYPES:  # the store's derived columns (typed location, code strings)
            ev.pop(k, None)
        for k in ("actor", "recipient", "location", "evidence"):
            ev[k] = jsonish(ev[k])
        text = ev.pop("article_text") or ""
        ev["quad"] = QUAD_OF.get(ev["type"], 0)
        ev["context_tags"] = ev.get("context") or []  # PLOVER contexts; "context" becomes the sentence
        evidence = ev["evidence"] if isinstance(ev["evidence"], list) else []
        spans = [
            s
            for s in evidence
            if isinstance(s, dict) and isinstance(s.get("start"), int) and isinstance(s.get("end"), int)
        ]
        if spans:
            first = min(spans, key=lambda s: s["start"])
            lo, hi = sentence_around(text, first["start"], first["end"])
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
        ev["reports"], ev["canonical"] = _reports(db, cur, ev)
        # Independent outlets: the canonical event's count (copies collapsed); without one, a syndicated
        # copy is not a second source, so the article's own outlet is the one source.
        ev["n_sources"] = int((ev["canonical"] or {}).get("n_sources") or 1)
    return respond(ev)


def _reports(
    db: Database, cur: Any, ev: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
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


@router.get("/api/map", **documented(FeatureCollection))
def event_map(db: DB, f: Filters, limit: Limit = 500) -> Response:
    """Event locations as a GeoJSON FeatureCollection: one point per place, with its event count."""
    if f.empty():
        return respond({"type": "FeatureCollection", "features": []})
    with db.cursor() as cur:
        cur.begin()  # one snapshot for the freshness check, the place counts and the events
        rows = event_places(
            cur,
            **f.kwargs(),
            limit=limit,
            fast=db.derived_fresh(cur),
        )
        cur.commit()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.pop("lon"), r.pop("lat")]},
            "properties": r,
        }
        for r in rows
    ]
    return respond({"type": "FeatureCollection", "features": features})
