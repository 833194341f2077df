"""The end-to-end pipeline: raw record -> cleaned article -> NLP -> events.

Each stage is a function of its input. Stages that are not installed yet are
skipped, so the foundation can run before the NLP and event stages exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pantau.clean import clean_article
from pantau.records import IngestError, RawRecord, Result


def analyse(result: Result) -> Result:
    """Fill entities, events and quotes for an Indonesian article (in place, returned)."""
    article = result.article
    if article.language not in (None, "id") or not article.text.strip():
        return result
    from pantau import events, nlp

    doc = nlp.parse(article.text)
    result.entities, result.events, result.quotes = events.analyse(article, doc)
    return result


def process(raw: RawRecord, published: str | None = None, *, with_events: bool = True) -> Result:
    """Run one raw record through every stage. Raises ValueError on unusable input."""
    result = Result(article=clean_article(raw, published=published))
    return analyse(result) if with_events else result


def process_all(
    items: Iterable[RawRecord | IngestError], published: str | None = None, *, with_events: bool = True
) -> Iterator[Result | IngestError]:
    """Process a stream; a bad record becomes an IngestError and the stream goes on."""
    for item in items:
        if isinstance(item, IngestError):
            yield item
            continue
        try:
            yield process(item, published, with_events=with_events)
        except ValueError as exc:
            yield IngestError(item.source, item.line, str(exc))
