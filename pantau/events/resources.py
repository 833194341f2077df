"""Adapters to the other stages (actors, dates, places).

The coder talks to ``pantau.actors``, ``pantau.dates`` and ``pantau.places`` only through these
functions, so that a failure in one of them (a broken data file, an unexpected input) degrades one
article's coding instead of stopping a whole ``pantau extract`` run.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

from pantau.records import Article, Entity, Location

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _resolver():
    from pantau import actors

    try:
        return actors.get_resolver()
    except Exception as exc:  # a broken resolver must not stop coding
        log.warning("actor resolver unavailable: %s", exc)
        return None


def actor_mentions(doc, article: Article) -> list[Entity]:
    """All actor mentions of the article with char spans and codes (empty if the resolver fails)."""
    r = _resolver()
    if r is None:
        return []
    try:
        return list(r.resolve_mentions(doc, article))
    except Exception as exc:
        log.warning("resolve_mentions failed: %s", exc)
        return []


def reference_date(article: Article) -> dt.date | None:
    """The date relative expressions are resolved against: the article's valid publication date, else
    None (relative dates then stay unresolved). Never the clock: a result must not depend on the run day."""
    from pantau.dates import reference_date as ref

    try:
        return ref(article)
    except Exception as exc:  # a broken dates module must not stop coding
        log.warning("reference_date failed: %s", exc)
        return None


def dates(text: str, reference: dt.date | None) -> list:
    """Date mentions (start, end, text, date, precision); without a reference only absolute ones."""
    from pantau.dates import find_dates

    try:
        return list(find_dates(text, reference))
    except Exception as exc:
        log.warning("find_dates failed: %s", exc)
        return []


def places(doc, text: str) -> list[tuple[int, int, Location]]:
    """Resolved place mentions (start, end, Location) of the article."""
    from pantau.places import find_places

    try:
        return list(find_places(doc, text=text) if doc is not None else find_places(text))
    except Exception as exc:
        log.warning("find_places failed: %s", exc)
        return []
