"""Typed records that flow one way through the pipeline.

Every stage takes records from the stage before and returns new ones; the field
names follow ``shared/spec/EVENTS.md`` so that ``Result.to_dict()`` *is* the
output contract (validated by ``pantau/schema/output.schema.json``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Factuality = Literal["asserted", "future", "hypothetical", "negated"]
Precision = Literal["day", "week", "month", "year"]

# PLOVER's four quads (EVENTS.md): 1 verbal and 2 material cooperation, 3 verbal and 4 material conflict.
QUADS: dict[int, tuple[str, ...]] = {
    1: ("AGREE", "CONSULT", "SUPPORT", "CONCEDE"),
    2: ("COOPERATE", "AID", "RETREAT"),
    3: ("REQUEST", "ACCUSE", "REJECT", "THREATEN", "SANCTION"),
    4: ("PROTEST", "MOBILIZE", "COERCE", "ASSAULT"),
}
QUAD_NAMES: dict[int, str] = {
    1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict",
}
EVENT_TYPES: tuple[str, ...] = tuple(t for types in QUADS.values() for t in types)
QUAD_OF: dict[str, int] = {t: q for q, types in QUADS.items() for t in types}


@dataclass
class RawRecord:
    """One article as read from an input, before cleaning.

    ``source`` and ``line`` say where it came from so errors can name them.
    """

    source: str
    line: int | None = None
    id: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass
class IngestError:
    """A record that could not be read; the batch goes on without it."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


@dataclass
class Span:
    """A character span of ``Article.text``."""

    start: int
    end: int
    text: str


@dataclass
class Removed:
    """A line the cleaner dropped, with the rule that dropped it."""

    text: str
    rule: str
    line: int


@dataclass
class Article:
    id: str
    text: str
    url: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) or datetime
    outlet: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    dateline: str | None = None
    attributions: list[str] = field(default_factory=list)
    language: str | None = None
    language_confidence: float | None = None
    flags: list[str] = field(default_factory=list)  # e.g. "non_indonesian", "not_coded:relevance=0.04"
    relevance: float | None = None  # P(a political event), from the event stage; None: not scored
    captions: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    source: str | None = None
    content_hash: str | None = None


@dataclass
class Entity:
    """A resolved actor or place mention (``code``/``sector`` per EVENTS.md §3)."""

    text: str
    label: str  # PER, ORG, LOC, or ACTOR for title/metonym-derived actors
    start: int | None = None
    end: int | None = None
    code: str | None = None
    sector: str | None = None
    name: str | None = None
    wikidata: str | None = None


@dataclass
class Location:
    text: str
    name: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonames_id: int | None = None


@dataclass
class Event:
    id: str
    type: str
    actor: list[Entity]
    recipient: list[Entity] = field(default_factory=list)
    mode: str | None = None
    context: list[str] = field(default_factory=list)
    date: str | None = None
    date_precision: Precision | None = None
    location: Location | None = None
    factuality: Factuality = "asserted"
    evidence: list[Span] = field(default_factory=list)
    quote: bool = False
    confidence: float = 0.5
    pattern: str = ""  # why it was coded: lexicon entry + syntactic pattern, or model + score


@dataclass
class Quote:
    id: str
    text: str
    speaker: Entity | None
    cue: str | None
    span: Span
    direct: bool = True


@dataclass
class Result:
    """The output contract: one article with everything extracted from it."""

    article: Article
    entities: list[Entity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
