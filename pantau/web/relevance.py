"""Relevance of stories and events: what the dashboard shows first (signal before trivia).

Why: in a general news feed most stories are gadgets, sport or markets; an analyst wants the
stories with coded political events, several outlets or known actors first. The score is the sum
of the weights in ``relevance.yaml`` of the signals a row has, computed by DuckDB from tables the
store already has. A per-article political relevance from the event coder plugs in through the
``coder_column`` of ``articles`` (used as soon as that column exists).

Only constant SQL is built here: weights are numbers read from the packaged YAML, never request
values, which reach DuckDB as ``?`` parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pantau.store.filters import Where

Has = Callable[..., bool]  # ``Database.has(table, *columns)``
_KNOWN = r"""regexp_matches(CAST({col} AS VARCHAR), '"wikidata":\s*"Q')"""


@cache
def weights() -> dict[str, Any]:
    """The weights of ``relevance.yaml`` (read once)."""
    with open(Path(__file__).with_name("relevance.yaml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _num(section: str, key: str) -> float:
    return float(weights()[section][key])


def _coder_column(has: Has) -> str | None:
    col = str(weights().get("coder_column") or "")
    return col if col.isidentifier() and has("articles", "id", col) else None


def ranked_stories_sql(has: Has) -> str:
    """A SELECT of every story with ``n_events``, ``n_known`` (KB actors) and ``relevance`` added,
    to be used as ``FROM (<this>) stories`` by the story list."""
    joins, terms = [], []
    n_events = n_known = "0"
    if has("story_articles", "story_id", "article_id") and has("events", "article_id"):
        joins.append(
            "LEFT JOIN (SELECT sa.story_id, count(*) AS n FROM story_articles sa "
            "JOIN events e ON e.article_id = sa.article_id GROUP BY 1) ev ON ev.story_id = s.id"
        )
        n_events = "coalesce(ev.n, 0)"
        terms.append(f"CASE WHEN {n_events} > 0 THEN {_num('story', 'has_events')} ELSE 0 END")
    outlets = _num("story", "several_outlets")
    terms.append(f"CASE WHEN coalesce(s.n_outlets, 0) >= 2 THEN {outlets} ELSE 0 END")
    if has("story_articles", "story_id", "article_id") and has("entities", "article_id", "wikidata"):
        joins.append(
            "LEFT JOIN (SELECT sa.story_id, count(DISTINCT en.wikidata) AS n FROM story_articles sa "
            "JOIN entities en ON en.article_id = sa.article_id WHERE en.wikidata IS NOT NULL GROUP BY 1) kn "
            "ON kn.story_id = s.id"
        )
        n_known = "coalesce(kn.n, 0)"
        terms.append(f"CASE WHEN {n_known} > 0 THEN {_num('story', 'known_actors')} ELSE 0 END")
    col = _coder_column(has)
    if col and has("story_articles", "story_id", "article_id"):
        joins.append(
            f"LEFT JOIN (SELECT sa.story_id, max(a.{col}) AS p FROM story_articles sa "
            "JOIN articles a ON a.id = sa.article_id GROUP BY 1) po ON po.story_id = s.id"
        )
        terms.append(f"coalesce(po.p, 0) * {_num('story', 'coder')}")
    return (
        f"SELECT s.*, {n_events}::INTEGER AS n_events, {n_known}::INTEGER AS n_known, "
        f"({' + '.join(terms)})::DOUBLE AS relevance FROM stories s {' '.join(joins)}"
    )


def event_relevance_page(
    cur: Any, has: Has, w: Where, limit: int, offset: int
) -> tuple[int, list[int], list[float]]:
    """(total, rowids, relevance) of one page of events matching ``w``, most relevant first, then
    newest: the filter and the event's own signals run once on ``events`` alone, the story's
    outlets and the coder's score are joined to its matches, and the page is a top-N, not a sort."""
    own = [
        f"CASE WHEN {_KNOWN.format(col='actor')} OR {_KNOWN.format(col='recipient')} "
        f"THEN {_num('event', 'known_actor')} ELSE 0 END",
        # Two different codes: a recipient other than the first actor, or a second, other actor.
        "CASE WHEN coalesce(recipient_codes[1], actor_codes[2]) <> actor_codes[1] "
        f"THEN {_num('event', 'two_parties')} ELSE 0 END",
    ]
    terms, joins = ["f.rel0"], []
    if has("story_articles", "story_id", "article_id") and has("stories", "id", "n_outlets"):
        joins.append(
            "LEFT JOIN (SELECT sa.article_id, max(s.n_outlets) AS n FROM story_articles sa "
            "JOIN stories s ON s.id = sa.story_id GROUP BY 1) so ON so.article_id = f.article_id"
        )
        terms.append(f"CASE WHEN coalesce(so.n, 0) >= 2 THEN {_num('event', 'several_outlets')} ELSE 0 END")
    col = _coder_column(has)
    if col:
        joins.append("LEFT JOIN articles a ON a.id = f.article_id")
        terms.append(f"coalesce(a.{col}, 0) * {_num('event', 'coder')}")
    total, page = cur.execute(
        f"WITH f AS MATERIALIZED (SELECT rowid AS r, date, article_id, ({' + '.join(own)}) AS rel0 "
        f"FROM events {w.sql()}), "
        f"g AS (SELECT f.r, f.date, ({' + '.join(terms)})::DOUBLE AS rel FROM f {' '.join(joins)}), "
        "page AS (SELECT r, rel, date FROM g ORDER BY rel DESC, date DESC NULLS LAST, r LIMIT ? OFFSET ?) "
        "SELECT (SELECT count(*) FROM f), "
        "(SELECT list({'r': r, 'rel': rel} ORDER BY rel DESC, date DESC NULLS LAST, r) FROM page)",
        [*w.params, limit, offset],
    ).fetchone()
    page = page or []
    return total, [p["r"] for p in page], [p["rel"] for p in page]
