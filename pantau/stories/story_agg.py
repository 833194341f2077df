"""Story aggregates: what is known of a story while it is active, its title, and its table rows.

Why apart from the clusterer: retracting a changed article (retract.py) recomputes a story's aggregate
from its remaining members with the same ``add_member`` the clusterer uses, without any vectors.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pantau.stories.common import content_words, is_digest


@dataclass
class StoryAgg:
    """What is known of one story while it is active."""

    id: str
    title: str | None
    first_date: date | None
    last_date: date | None
    n_articles: int = 0
    outlets: Counter = field(default_factory=Counter)
    actors: Counter = field(default_factory=Counter)
    norm2: float = 0.0
    touched: bool = False
    titles: list[str] = field(default_factory=list)  # members' own (non-digest) titles, in order
    # top_actors' answer until the next add_member (asked for every article x active story)
    top: set[str] | None = field(default=None, repr=False, compare=False)


MAX_TITLES = 50  # the title is chosen among the most recent members' titles


def central_title(titles: list[str]) -> str | None:
    """The headline sharing most content words with the other members' headlines (the earliest
    on ties): a story is named by its most typical headline, not by whichever article came first
    (often a side angle or a teaser)."""
    if len(titles) < 3:
        return titles[0] if titles else None
    sets = [set(content_words(t)) for t in titles]
    best, best_score = 0, -1.0
    for i, a in enumerate(sets):
        if not a:
            continue
        score = sum(len(a & b) / (len(a) * len(b)) ** 0.5 for j, b in enumerate(sets) if j != i and b)
        if score > best_score + 1e-9:
            best, best_score = i, score
    return titles[best]


def story_id_for(article_id: str) -> str:
    """Stable story id derived from its first article."""
    return f"st-{article_id[:16]}"


def add_member(
    agg: StoryAgg, art: dict[str, Any], day: date | None, outlet: str, codes: set[str] | None
) -> None:
    """Count one member article into a story: title, dates, articles, independent outlet, actors."""
    own = (art.get("title") or "").strip()
    if own and not is_digest(own):
        agg.titles = (agg.titles + [own])[-MAX_TITLES:]
        agg.title = central_title(agg.titles)
    elif agg.title is None:  # a digest's or an untitled article's title only until a real one comes
        agg.title = own or _first_sentence(art.get("text") or "")
    if day is not None:
        agg.first_date = day if agg.first_date is None else min(agg.first_date, day)
        agg.last_date = day if agg.last_date is None else max(agg.last_date, day)
    agg.n_articles += 1
    if outlet:
        agg.outlets[outlet] += 1
    for c in codes or ():
        agg.actors[c] += 1
    agg.top = None
    agg.touched = True


def top_actors(agg: StoryAgg) -> set[str]:
    """The story's main actor codes: those of at least 30% of its articles (kept until a member joins;
    code that changes ``actors`` otherwise sets ``top`` to None)."""
    if agg.top is None:
        floor = max(1.0, 0.3 * agg.n_articles)
        agg.top = {c for c, n in agg.actors.items() if n >= floor}
    return agg.top


def _first_sentence(text: str, limit: int = 100) -> str | None:
    """A title for an untitled article: its first sentence, shortened."""
    line = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 20), "")
    if not line:
        return None
    cut = line.find(". ")
    line = line[: cut + 1] if 0 < cut < limit else line
    return line if len(line) <= limit else line[: limit - 3].rsplit(" ", 1)[0] + "..."


def story_rows(aggs: list[StoryAgg]) -> tuple[list[tuple], list[tuple]]:
    """Rows for ``stories`` and ``story_state`` from story aggregates."""
    now = datetime.now()
    stories, states = [], []
    for s in aggs:
        outlets = [o for o, _ in s.outlets.most_common()]
        actors = [c for c, _ in s.actors.most_common(5)]
        stories.append(
            (s.id, s.title, s.first_date, s.last_date, s.n_articles, len(outlets), outlets, actors, now)
        )
        states.append((s.id, s.norm2, s.n_articles, s.last_date, json.dumps(dict(s.actors))))
    return stories, states
