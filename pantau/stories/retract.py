"""Changed and deleted articles leave the stories layer, so that ``update`` takes them as new.

Why: outlets update articles after publication (a new paragraph, a corrected name) and the store
then replaces the article (same id, new content hash), an analyst re-analyses it after a model
update (`ingest --force`: same text, new events) or deletes it. Without this the old story
membership, duplicate links and event mentions would stay, computed from text or events that no
longer exist. Only what such an article touched is redone: its story's aggregates are recomputed
from the remaining members (a story left empty is removed), and the canonical events it was a
mention of are dissolved so that their other mentions are matched again. The decayed document
frequencies keep the old text's words (a small, fading bias).
"""

from __future__ import annotations

from typing import Any

from pantau.stories import db
from pantau.stories.common import config
from pantau.stories.story_agg import StoryAgg, add_member, story_rows


def stale_articles(con: Any) -> list[str]:
    """Clustered articles that were deleted since, or rewritten: a new content hash, or the same
    content stored again (``ingest --force`` after a model update: its events may differ)."""
    rows = con.execute(
        """SELECT sa.article_id FROM story_articles sa LEFT JOIN articles a ON a.id = sa.article_id
           WHERE a.id IS NULL OR (sa.content_hash IS NOT NULL AND sa.content_hash <> a.content_hash)
              OR (sa.ingested_at IS NOT NULL AND sa.ingested_at <> a.ingested_at)
           ORDER BY 1"""
    ).fetchall()
    return [r[0] for r in rows]


def retract(con: Any) -> dict[str, Any]:
    """Remove stale articles from stories, duplicates and canonical events.

    Returns ``{"articles": n, "days": {...}}``: the index days whose canonical events were dissolved
    (to be recomputed once their remaining mentions are matched again).
    """
    ids = stale_articles(con)
    out: dict[str, Any] = {"articles": len(ids), "days": set()}
    if not ids:
        return out
    stories = [r[0] for r in con.execute(
        "SELECT DISTINCT story_id FROM story_articles WHERE article_id IN (SELECT unnest(?))", [ids]
    ).fetchall()]
    canon = [r[0] for r in con.execute(
        "SELECT DISTINCT canonical_id FROM event_mentions WHERE article_id IN (SELECT unnest(?))", [ids]
    ).fetchall()]
    out["days"] = {r[0] for r in con.execute(
        "SELECT day FROM canonical_events WHERE id IN (SELECT unnest(?)) AND day IS NOT NULL", [canon]
    ).fetchall()}
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("story_articles", "story_vectors", "article_signatures", "duplicates",
                      "story_skipped_events"):
            con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?))", [ids])
        # all mentions of a dissolved canonical event go back to pending (matched again next): their
        # articles lose the "records all handled" marker (canonical.py), as do the stale articles
        con.execute(
            """DELETE FROM story_event_articles WHERE article_id IN (SELECT unnest(?))
                  OR article_id IN (SELECT article_id FROM event_mentions
                                    WHERE canonical_id IN (SELECT unnest(?)))""",
            [ids, canon],
        )
        con.execute("DELETE FROM event_mentions WHERE canonical_id IN (SELECT unnest(?))", [canon])
        con.execute("DELETE FROM canonical_events WHERE id IN (SELECT unnest(?))", [canon])
        _recompute_stories(con, stories)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return out


def _recompute_stories(con: Any, story_ids: list[str]) -> None:
    """Aggregates of stories from their remaining members; a story with none is removed."""
    if not story_ids:
        return
    aggs: dict[str, StoryAgg] = {}
    members = con.execute(
        """SELECT sa.story_id, a.title, a.text, a.published_date, COALESCE(o.outlet, a.outlet)
           FROM story_articles sa JOIN articles a ON a.id = sa.article_id
           LEFT JOIN duplicates d ON d.article_id = a.id LEFT JOIN articles o ON o.id = d.original_id
           WHERE sa.story_id IN (SELECT unnest(?))
           ORDER BY a.published_date NULLS LAST, a.published NULLS LAST, a.id""",
        [story_ids],
    ).fetchall()
    for sid, title, text, day, outlet in members:  # in clustering order, as update() added them
        agg = aggs.setdefault(sid, StoryAgg(sid, None, None, None))
        add_member(agg, {"title": title, "text": text}, day, outlet or "", None)
    skip = tuple(config()["dyad_exclude"])
    for sid, code, n in con.execute(
        """SELECT sa.story_id, e.code, count(DISTINCT e.article_id) FROM story_articles sa
           JOIN entities e ON e.article_id = sa.article_id
           WHERE sa.story_id IN (SELECT unnest(?)) AND e.code IS NOT NULL
             AND e.code NOT IN (SELECT unnest(?)) GROUP BY ALL""",
        [story_ids, list(skip)],
    ).fetchall():
        aggs[sid].actors[code] = n
        aggs[sid].top = None
    old_norm = dict(con.execute(
        "SELECT story_id, norm2 FROM story_state WHERE story_id IN (SELECT unnest(?))", [story_ids]
    ).fetchall())
    for agg in aggs.values():
        agg.norm2 = old_norm.get(agg.id) or 0.0
    gone = [s for s in story_ids if s not in aggs]
    con.execute("DELETE FROM stories WHERE id IN (SELECT unnest(?))", [gone])
    con.execute("DELETE FROM story_state WHERE story_id IN (SELECT unnest(?))", [gone])
    rows, states = story_rows(list(aggs.values()))
    db.write(con, "stories", rows, replace=True)
    db.write(con, "story_state", states, replace=True)
