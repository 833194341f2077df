"""Read side of the stories layer (used by the CLI and the API)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pantau.stories.common import connection

_ART_COLS = ("id", "title", "outlet", "published", "url", "similarity", "duplicate_of", "relation")
_STORY_COLS = ("id", "title", "first_date", "last_date", "n_articles", "n_outlets", "outlets", "main_actors",
               "updated_at")


def list_stories(
    con: Any, limit: int = 50, offset: int = 0, *, date_from: date | str | None = None,
    date_to: date | str | None = None, actor: str | None = None, min_articles: int = 1,
    q: str | None = None, order: str = "recent",
) -> list[dict[str, Any]]:
    """Stories, newest first (``order='size'``: most articles first), with their number of events."""
    con = connection(con)
    order_sql = "s.n_articles DESC, s.last_date DESC NULLS LAST, s.id" if order == "size" \
        else "s.last_date DESC NULLS LAST, s.n_articles DESC, s.id"
    rows = con.execute(
        f"""SELECT {", ".join("s." + c for c in _STORY_COLS)},
                   (SELECT count(*) FROM canonical_events c WHERE c.story_id = s.id) AS n_events
            FROM stories s
            WHERE s.n_articles >= ?
              AND (? IS NULL OR s.last_date >= CAST(? AS DATE))
              AND (? IS NULL OR s.first_date <= CAST(? AS DATE))
              AND (? IS NULL OR list_contains(s.main_actors, ?))
              AND (? IS NULL OR s.title ILIKE '%' || ? || '%')
            ORDER BY {order_sql} LIMIT ? OFFSET ?""",
        [min_articles, date_from, date_from, date_to, date_to, actor, actor, q, q, limit, offset],
    ).fetchall()
    return [dict(zip((*_STORY_COLS, "n_events"), r, strict=False)) for r in rows]


def get_story(con: Any, story_id: str) -> dict[str, Any] | None:
    """One story with its articles (duplicate chain shown) and canonical events; None if unknown."""
    con = connection(con)
    row = con.execute(f"SELECT {', '.join(_STORY_COLS)} FROM stories WHERE id = ?", [story_id]).fetchone()
    if row is None:
        return None
    story = dict(zip(_STORY_COLS, row, strict=False))
    arts = con.execute(
        """SELECT a.id, a.title, a.outlet, a.published, a.url, sa.similarity, d.original_id, d.relation
           FROM story_articles sa JOIN articles a ON a.id = sa.article_id
           LEFT JOIN duplicates d ON d.article_id = a.id
           WHERE sa.story_id = ? ORDER BY a.published_date NULLS LAST, a.published, a.id""",
        [story_id],
    ).fetchall()
    story["articles"] = [
        dict(zip(_ART_COLS, r, strict=True))
        for r in arts
    ]
    ev = con.execute(
        """SELECT id, type, mode, actor_codes, recipient_codes, date, date_precision, location_name,
                  n_mentions, n_sources, sources, cbrn, intensity, first_evidence, day
           FROM canonical_events
           WHERE story_id = ? OR id IN (SELECT m.canonical_id FROM event_mentions m JOIN story_articles s
                                        ON s.article_id = m.article_id WHERE s.story_id = ?)
           ORDER BY day NULLS LAST, id""",
        [story_id, story_id],
    ).fetchall()
    keys = ("id", "type", "mode", "actor_codes", "recipient_codes", "date", "date_precision", "location_name",
            "n_mentions", "n_sources", "sources", "cbrn", "intensity", "first_evidence", "day")
    story["events"] = [dict(zip(keys, r, strict=False)) for r in ev]
    return story


def story_members(con: Any) -> dict[str, list[str]]:
    """story id -> article ids (publication order), for exports and evaluation."""
    con = connection(con)
    out: dict[str, list[str]] = {}
    for sid, aid in con.execute(
        """SELECT sa.story_id, sa.article_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id
           ORDER BY a.published_date NULLS LAST, a.published, a.id"""
    ).fetchall():
        out.setdefault(sid, []).append(aid)
    return out


def story_events(con: Any) -> dict[str, list[str]]:
    """story id -> canonical event ids mentioned by its articles."""
    con = connection(con)
    out: dict[str, list[str]] = {}
    for sid, cid in con.execute(
        """SELECT DISTINCT s.story_id, m.canonical_id FROM event_mentions m
           JOIN story_articles s ON s.article_id = m.article_id ORDER BY 1, 2"""
    ).fetchall():
        out.setdefault(sid, []).append(cid)
    return out


def story_reasons(con: Any, story_id: str) -> list[dict[str, Any]]:
    """Why each article of a story is in it, in publication order: the merge decision kept at clustering
    time (features, their contributions to the log-odds, P and the runner-up story; "new" for the
    article that started it; "copy_of" for a syndicated copy)."""
    import json

    con = connection(con)
    rows = con.execute(
        """SELECT a.id, a.published_date, a.outlet, a.title, sa.similarity, sa.reason
           FROM story_articles sa JOIN articles a ON a.id = sa.article_id
           WHERE sa.story_id = ? ORDER BY a.published_date NULLS LAST, a.published, a.id""",
        [story_id],
    ).fetchall()
    return [{"article_id": aid, "published_date": d, "outlet": outlet, "title": title, "p": sim,
             "reason": json.loads(reason) if reason else None}
            for aid, d, outlet, title, sim, reason in rows]


def outlet_overview(con: Any, top: int = 5) -> dict[str, Any] | None:
    """How widely things were reported (issue 24): stories and canonical events by their number of
    independent outlets (syndicated copies counted once), and the most widely reported stories. None before
    ``pantau stories`` has run (its tables are missing).

    Why: "how many independent outlets reported it" is one of the questions Pantau answers; the overview of
    a store (``pantau summary``) should say it, not only the per-event tables."""
    con = connection(con)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"stories", "canonical_events"} <= tables:
        return None
    n, multi_art, multi_out = con.execute(
        "SELECT count(*), count(*) FILTER (n_articles > 1), count(*) FILTER (n_outlets > 1) FROM stories"
    ).fetchone()
    ev = dict(con.execute(
        "SELECT greatest(1, least(coalesce(n_sources, 1), 3)), count(*) FROM canonical_events GROUP BY 1"
    ).fetchall())
    widest = con.execute(
        """SELECT id, title, n_outlets, outlets, n_articles, first_date, last_date FROM stories
           WHERE n_outlets > 1 ORDER BY n_outlets DESC, n_articles DESC, last_date DESC NULLS LAST, id
           LIMIT ?""",
        [top],
    ).fetchall()
    keys = ("id", "title", "n_outlets", "outlets", "n_articles", "first_date", "last_date")
    return {
        "stories": int(n), "multi_article": int(multi_art or 0), "multi_outlet": int(multi_out or 0),
        "events": int(sum(ev.values())), "events_by_outlets": {k: int(ev.get(k, 0)) for k in (1, 2, 3)},
        "widest": [dict(zip(keys, r, strict=True)) for r in widest],
    }
