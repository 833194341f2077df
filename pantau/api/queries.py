"""SQL for the read endpoints: constant fragments plus bound parameters.

Why: every user value reaches DuckDB as a ``?`` parameter; the only text that
is spliced into SQL is taken from the constant fragments here or from
whitelisted column names, never from a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

QUADS: dict[int, tuple[str, ...]] = {
    1: ("AGREE", "CONSULT", "SUPPORT", "CONCEDE"),
    2: ("COOPERATE", "AID", "RETREAT"),
    3: ("REQUEST", "ACCUSE", "REJECT", "THREATEN", "SANCTION"),
    4: ("PROTEST", "MOBILIZE", "COERCE", "ASSAULT"),
}
EVENT_TYPES: tuple[str, ...] = tuple(t for types in QUADS.values() for t in types)
QUAD_OF: dict[str, int] = {t: q for q, types in QUADS.items() for t in types}

# CASE expression mapping an event type to its quad (built from constants only).
QUAD_CASE = (
    "CASE "
    + " ".join(f"WHEN type IN ({', '.join(repr(t) for t in types)}) THEN {q}" for q, types in QUADS.items())
    + " ELSE 0 END"
)


@dataclass
class Where:
    """A conjunction of constant SQL fragments with their parameters."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, fragment: str, *params: Any) -> None:
        self.parts.append(fragment)
        self.params.extend(params)

    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.parts)) if self.parts else ""


def like_pattern(term: str) -> str:
    """An ILIKE pattern matching ``term`` literally anywhere (``\\`` is the escape character)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def event_filters(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actor: str | None = None,
    recipient: str | None = None,
    dyad: tuple[str, str] | None = None,
    types: list[str] | None = None,
    quad: int | None = None,
    outlet: str | None = None,
    story: str | None = None,
    article: str | None = None,
    factuality: str | None = None,
    has_story_table: bool = False,
) -> Where:
    """The WHERE clause shared by the event list, its count, the network and the map."""
    w = Where()
    if date_from is not None:
        w.add("date >= ?", date_from)
    if date_to is not None:
        w.add("date <= ?", date_to)
    if actor:
        w.add("list_contains(actor_codes, ?)", actor)
    if recipient:
        w.add("list_contains(recipient_codes, ?)", recipient)
    if dyad:
        a, b = dyad
        # Either direction, or both sides of a joint act (meetings are coded with both as actors).
        w.add(
            "((list_contains(actor_codes, ?) AND (list_contains(recipient_codes, ?) OR "
            "list_contains(actor_codes, ?)))"
            " OR (list_contains(actor_codes, ?) AND list_contains(recipient_codes, ?)))",
            a,
            b,
            b,
            b,
            a,
        )
    if types:
        w.add("list_contains(?, type)", list(types))
    if quad is not None:
        w.add("list_contains(?, type)", list(QUADS[quad]))
    if outlet:
        w.add("article_id IN (SELECT id FROM articles WHERE outlet = ?)", outlet)
    if story:
        if has_story_table:
            w.add("article_id IN (SELECT article_id FROM story_articles WHERE story_id = ?)", story)
        else:
            w.add("FALSE")
    if article:
        w.add("article_id = ?", article)
    if factuality:
        w.add("factuality = ?", factuality)
    return w


EVENT_LIST_COLUMNS = (
    "id, article_id, type, mode, actor_codes, recipient_codes, date, date_precision, factuality, "
    "confidence, quote, pattern, json_extract_string(location, '$.name') AS location_name"
)
