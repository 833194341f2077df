"""Response models: the documented shape of every reply (OpenAPI), nullable where the store may be.

Why loose in places (``extra="allow"``, ``Any``): rows come from DuckDB and later stages add columns;
the models promise the fields clients rely on, and the contract test checks the replies against them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorItem(BaseModel):
    """One problem with a request: where (``loc``) and what (``msg``); never the input itself."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Every error reply: a message, or a list of problems for 422."""

    detail: str | list[ErrorItem]


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class ArticleSummary(_Open):
    id: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    published_date: dt.date | None = None
    snippet: str
    n_events: int


class ArticlePage(Page):
    items: list[ArticleSummary]


class Article(_Open):
    id: str
    text: str | None = None
    entities: list[dict[str, Any]]
    events: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    attributions: list[str | None]
    duplicates: list[dict[str, Any]]
    stories: list[dict[str, Any]]


class EventSummary(_Open):
    id: str
    article_id: str | None = None
    type: str | None = None
    mode: str | None = None
    actor_codes: list[str | None] | None = None
    recipient_codes: list[str | None] | None = None
    date: dt.date | None = None
    quad: int
    canonical_id: str | None = Field(None, description="the canonical event this record is a mention of")
    n_sources: int | None = Field(
        None, description="independent outlets reporting the canonical event (syndicated copies counted once)"
    )


class EventPage(Page):
    items: list[EventSummary]


class Event(_Open):
    id: str
    article_id: str | None = None
    type: str | None = None
    quad: int
    context: dict[str, Any] | None
    reports: list[dict[str, Any]]
    canonical: dict[str, Any] | None
    n_sources: int = Field(
        description="independent outlets that reported the event (syndicated copies counted once; "
        "1 when no canonical event is built)"
    )


class StorySummary(_Open):
    id: str
    title: str | None = None
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    n_articles: int | None = None
    n_outlets: int | None = Field(None, description="independent outlets (syndicated copies counted once)")
    outlets: list[str | None] | None = None
    main_actors: list[str | None] | None = None


class StoryPage(Page):
    items: list[StorySummary]


class Story(StorySummary):
    articles: list[dict[str, Any]]
    syndication: list[dict[str, Any]]
    events: list[dict[str, Any]]


class ActorCount(BaseModel):
    code: str
    as_actor: int
    as_recipient: int
    n_events: int


class Node(BaseModel):
    id: str
    n_events: int | None


class Edge(BaseModel):
    source: str
    target: str
    quad: int
    weight: int


class ActorNetwork(BaseModel):
    actors: list[ActorCount]
    nodes: list[Node]
    edges: list[Edge]


class Actor(BaseModel):
    code: str
    names: list[str]
    as_actor_by_type: dict[str, int]
    events: list[dict[str, Any]]
    quotes: list[dict[str, Any]]


class DyadSummary(BaseModel):
    dyad: str
    n_events: int
    first_day: dt.date | None
    last_day: dt.date | None


class DyadList(BaseModel):
    items: list[DyadSummary]


class Series(_Open):
    """One dyad's daily index as columns: ``day`` and one list per measure, index-aligned."""

    dyad: str
    day: list[str]


class IndexReply(BaseModel):
    dyads: list[Series]
    alerts: list[dict[str, Any]]


class AlertPage(Page):
    items: list[dict[str, Any]]


class Point(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2)


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: Point
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[Feature]


class Health(BaseModel):
    ok: bool
    articles: int
    events: int
    ingest: bool
    tables: list[str]
    queue: dict[str, int] | None = None
    stories_pending: bool = False


class JobStatus(BaseModel):
    """An ingest job: queued -> running -> done or failed; counts and per-record errors when finished."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    submitted: str
    started: str | None = None
    finished: str | None = None
    records: int
    counts: dict[str, int]
    results: list[dict[str, Any]]
    errors: list[str]
    stories: dict[str, Any] | None = None
