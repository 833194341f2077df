"""Event coding stage: PLOVER events, actors and quotes from Indonesian news.

``analyse(article, doc)`` is the stage interface used by ``pantau.pipeline``.
"""

from __future__ import annotations

from pantau.records import Article, Entity, Event, Quote


def analyse(article: Article, doc=None) -> tuple[list[Entity], list[Event], list[Quote]]:
    """Actor mentions, coded events (with evidence and trace) and quotes of one article."""
    from pantau.events import learned
    from pantau.events.rules import code_article

    entities, events, quotes = code_article(article, doc)
    return entities, learned.apply(events, article), quotes  # a no-op unless a filter model is shipped


__all__ = ["analyse"]
