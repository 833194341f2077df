"""Stories, near-duplicates, canonical events and the escalation index (method: METHOD.md).

Public functions (over a Store or its DuckDB connection):
``update(store)``, ``list_stories(con, ...)``, ``get_story(con, id)``,
``index_series(con, dyad, date_from, date_to)``, ``alerts(con, dyad=None, ...)``.
"""

from __future__ import annotations

from typing import Any

from pantau.stories.common import connection, ensure_schema, tolerant
from pantau.stories.engine import update
from pantau.stories.index import index_series as _index_series
from pantau.stories.index import list_dyads as _list_dyads
from pantau.stories.index import normalise_dyad
from pantau.stories.query import get_story as _get_story
from pantau.stories.query import list_stories as _list_stories
from pantau.stories.query import story_events as _story_events
from pantau.stories.query import story_members as _story_members
from pantau.stories.query import story_reasons as _story_reasons

# Read functions answer empty (not an error) on a database where update() never ran.
list_stories = tolerant(_list_stories, [])
get_story = tolerant(_get_story, None)
list_dyads = tolerant(_list_dyads, [])
story_members = tolerant(_story_members, {})
story_events = tolerant(_story_events, {})
story_reasons = tolerant(_story_reasons, [])

__all__ = ["update", "list_stories", "get_story", "index_series", "alerts", "ensure_schema", "list_dyads",
           "normalise_dyad", "story_members", "story_events", "story_reasons"]


def index_series(con: Any, dyad: str, date_from: Any = None, date_to: Any = None, **kw: Any) -> list[dict]:
    """Daily escalation index rows of one dyad (see pantau.stories.index.index_series)."""
    return tolerant(_index_series, [])(connection(con), dyad, date_from, date_to, **kw)


def alerts(con: Any, dyad: str | None = None, **kw: Any) -> list[dict]:
    """Stored escalation alerts, newest first (filters: date_from, date_to, channel, limit, offset)."""
    from pantau.stories.alerting import list_alerts

    return tolerant(list_alerts, [])(connection(con), dyad, **kw)
