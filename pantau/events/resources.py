"""Adapters to the other stages (actors, dates, places), with private fallbacks.

Each function prefers the real module (helper D's ``pantau.actors``,
``pantau.dates``, ``pantau.places``) and falls back to ``fallback.py`` only
when that module is not installed yet or does not offer the interface.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

from pantau.records import Article, Entity, Location

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _resolver():
    try:
        from pantau import actors
    except ImportError:
        return None
    for name in ("get_resolver",):
        fn = getattr(actors, name, None)
        if fn:
            try:
                return fn()
            except Exception as exc:  # a broken resolver must not stop coding
                log.warning("actor resolver unavailable: %s", exc)
                return None
    cls = getattr(actors, "ActorResolver", None)
    if cls:
        try:
            return cls()
        except Exception as exc:
            log.warning("actor resolver unavailable: %s", exc)
    return None


def actor_mentions(doc, article: Article) -> list[Entity]:
    """All actor mentions of the article with char spans and codes."""
    r = _resolver()
    if r is not None:
        try:
            return list(r.resolve_mentions(doc, article))
        except Exception as exc:
            log.warning("resolve_mentions failed, using fallback: %s", exc)
    from pantau.events.fallback import find_actor_mentions

    return find_actor_mentions(article.text or "")


def reference_date(article: Article) -> dt.date:
    try:
        from pantau.dates import reference_date as ref

        d = ref(article)
        if isinstance(d, dt.datetime):
            return d.date()
        if isinstance(d, dt.date):
            return d
    except (ImportError, AttributeError, TypeError, ValueError):
        pass
    try:
        return dt.date.fromisoformat(str(article.published)[:10])
    except (TypeError, ValueError):
        return dt.date.today()


def dates(text: str, reference: dt.date) -> list:
    """Date mentions (start, end, text, date, precision) in the text."""
    try:
        from pantau.dates import find_dates

        return list(find_dates(text, reference))
    except (ImportError, AttributeError):
        from pantau.events.fallback import find_dates as fb

        return fb(text, reference)


def places(doc, text: str) -> list[tuple[int, int, Location]]:
    try:
        from pantau.places import find_places
    except (ImportError, AttributeError):
        return []
    try:
        return list(find_places(doc if doc is not None else text))
    except Exception as exc:
        log.warning("find_places failed: %s", exc)
        return []
