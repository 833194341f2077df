"""Event coding stage: PLOVER events, actors and quotes from Indonesian news.

``code(article, doc)`` is the stage interface used by ``pantau.pipeline``. The rule coder
(``rules``) always runs: its mentions, quotes, dates and places are shared, and its events are
features of the learned coder (``model``), which codes the events whenever its trained weights ship
(``PANTAU_EVENT_CODER=rules`` selects the rule coder's own events instead). The learned coder also
scores the article's political relevance; an article below the shipped threshold keeps its actors and
quotes but gets no events, and a flag says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pantau.records import Article, Entity, Event, Quote


@dataclass
class Coding:
    """What the event stage adds to one article."""

    entities: list[Entity]
    events: list[Event]
    quotes: list[Quote]
    relevance: float | None = None  # P(political event); None when no relevance model ships
    flags: list[str] = field(default_factory=list)  # e.g. "not_coded:relevance=0.04"


def code(article: Article, doc=None) -> Coding:
    """Actor mentions, coded events (with evidence and trace), quotes and relevance of one article."""
    from pantau.dates.checks import check_event_dates
    from pantau.events import model, rules
    from pantau.events.model import relevance

    reading, units = rules.read(article, doc)
    models = model.load()
    score, flags = None, []
    if models is None or doc is None:
        events = rules.code_units(article, reading, units)
    else:
        score, uncoded = relevance_of(article)
        if uncoded:  # no events: neither coder runs (they alone read the dependency parse)
            events, flags = [], [relevance.NOT_CODED_FLAG.format(score=score)]
        else:
            events = rules.code_units(article, reading, units)
            events = model.code(article, doc, reading, units, events, models, score)
    events = check_event_dates(events, article.published, article.text)
    return Coding(reading.ents, events, reading.quotes, score, flags)


def relevance_of(article: Article) -> tuple[float | None, bool]:
    """The article's political relevance (None when no relevance model ships) and whether it is under
    the shipped threshold, so that it gets no events."""
    from pantau.events import model
    from pantau.events.model import relevance

    models = model.load()
    if models is None or models.relevance is None:
        return None, False
    score = relevance.score(article, models.relevance)
    return score, score < models.relevance_threshold


def needs_parse(article: Article) -> bool:
    """Whether the event stage will read the article's dependency parse: not when it leaves the article
    uncoded (about half of a mixed news stream: sport, entertainment, technology...), which then
    needs only tags, sentences and entities (``nlp.pipe(dependencies=False)``)."""
    return not relevance_of(article)[1]


def analyse(article: Article, doc=None) -> tuple[list[Entity], list[Event], list[Quote]]:
    """Actor mentions, events and quotes of one article (``code`` without the relevance)."""
    c = code(article, doc)
    return c.entities, c.events, c.quotes


__all__ = ["Coding", "analyse", "code", "needs_parse", "relevance_of"]
