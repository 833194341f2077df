"""Event coding stage: PLOVER events, actors and quotes from Indonesian news.

``analyse(article, doc)`` is the stage interface used by ``pantau.pipeline``. The rule coder
(``rules``) always runs: its mentions, quotes, dates and places are shared, and its events are
features of the learned coder (``model``), which codes the events whenever its trained weights ship
(``PANTAU_EVENT_CODER=rules`` selects the rule coder's own events instead).
"""

from __future__ import annotations

from pantau.records import Article, Entity, Event, Quote


def analyse(article: Article, doc=None) -> tuple[list[Entity], list[Event], list[Quote]]:
    """Actor mentions, coded events (with evidence and trace) and quotes of one article."""
    from pantau.dates.checks import check_event_dates
    from pantau.events import model, rules

    reading, units = rules.read(article, doc)
    events = rules.code_units(article, reading, units)
    models = model.load()
    if models is not None and doc is not None:
        events = model.code(article, doc, reading, units, events, models)
    events = check_event_dates(events, article.published, article.text)
    return reading.ents, events, reading.quotes


__all__ = ["analyse"]
