"""The end-to-end pipeline: raw record -> cleaned article -> NLP -> events.

Each stage is a function of its input. Articles are parsed in batches with
``nlp.pipe`` (markedly faster than one ``nlp(text)`` call per article); the event
stage then runs per article so one failure never sinks its batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from pantau.clean import clean_article
from pantau.records import Article, IngestError, RawRecord, Result

if TYPE_CHECKING:
    from spacy.tokens import Doc

BATCH = 32
CHUNK = 32  # records cleaned and parsed together (one nlp.pipe batch); a worker's unit of work


def nlp_zone() -> AbstractContextManager[None]:
    """``nlp.memory_zone``: the Docs of a chunk are read into records inside it, never after (a
    long-running process's vocabulary then stays the model's, not every word it ever saw)."""
    from pantau import nlp

    return nlp.memory_zone()


def needs_nlp(article: Article) -> bool:
    """Indonesian rules run only on Indonesian text (other languages are flagged, not coded)."""
    return article.language in (None, "id") and bool(article.text.strip())


def parse_many(results: list[Result]) -> list[Doc | None]:
    """Docs for the articles that need NLP, parsed in one batch (a second one, without the dependency
    parser, for the articles the event stage leaves uncoded); None for the others."""
    from pantau import events, nlp

    todo = [i for i, r in enumerate(results) if needs_nlp(r.article)]
    docs: list[Doc | None] = [None] * len(results)
    try:
        full = {i for i in todo if events.needs_parse(results[i].article)}
        for dependencies in (True, False):
            part = [i for i in todo if (i in full) == dependencies]
            texts = [results[i].article.text for i in part]
            for i, doc in zip(part, nlp.pipe(texts, BATCH, dependencies=dependencies), strict=True):
                docs[i] = doc
    except Exception:  # fall back to parsing one by one, so the bad one fails alone
        return [None] * len(results)
    return docs


def analyse(result: Result, doc: Doc | None = None) -> Result:
    """Fill entities, events and quotes of an Indonesian article (in place, returned)."""
    article = result.article
    if not needs_nlp(article):
        return result
    from pantau import events, nlp

    if doc is None:
        doc = nlp.parse(article.text, dependencies=events.needs_parse(article))
    coding = events.code(article, doc)
    result.entities, result.events, result.quotes = coding.entities, coding.events, coding.quotes
    result.article.relevance = coding.relevance
    kept = [f for f in article.flags if not f.startswith("not_coded:relevance")]  # analysed again: replaced
    result.article.flags = [*kept, *coding.flags]
    return result


def process(raw: RawRecord, published: str | None = None, *, with_events: bool = True) -> Result:
    """Run one raw record through every stage. Raises ValueError on unusable input."""
    result = Result(article=clean_article(raw, published=published))
    return analyse(result) if with_events else result


def _failure(source: str, line: int | None, exc: Exception) -> IngestError:
    """The IngestError for a failed record: a ValueError says why; anything else is a bug, named as such.

    Set ``PANTAU_DEBUG=1`` to get the traceback of an unexpected error instead.
    """
    if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError):
        return IngestError(source, line, str(exc) or "unusable record")
    if os.environ.get("PANTAU_DEBUG"):
        raise exc
    return IngestError(source, line, f"internal error: {type(exc).__name__}: {exc}")


def process_all(
    items: Iterable[RawRecord | IngestError], published: str | None = None, *, with_events: bool = True
) -> Iterator[Result | IngestError]:
    """Process a stream in batches; a bad record becomes an IngestError and the stream goes on.

    Every record runs inside its own guard at every stage (cleaning, parsing, events):
    any exception, not only ValueError, becomes an IngestError naming its file and line.
    """
    stream = iter(items)
    while chunk := list(islice(stream, BATCH)):
        cleaned: list[tuple[RawRecord | None, Result | IngestError]] = []
        for item in chunk:
            if isinstance(item, IngestError):
                cleaned.append((None, item))
                continue
            try:
                cleaned.append((item, process(item, published, with_events=False)))
            except Exception as exc:  # noqa: BLE001 - one record's failure stays its own
                cleaned.append((item, _failure(item.source, item.line, exc)))
        good = [r for _, r in cleaned if isinstance(r, Result)]
        if not (with_events and good):
            yield from (result for _, result in cleaned)
            continue
        with nlp_zone():  # the chunk's Docs and the strings they added are freed after it
            docs = iter(parse_many(good))
            done: list[Result | IngestError] = []
            for raw, result in cleaned:
                if isinstance(result, Result):
                    doc = next(docs)
                    try:
                        analyse(result, doc)
                    except Exception as exc:  # noqa: BLE001
                        assert raw is not None
                        result = _failure(raw.source, raw.line, exc)
                done.append(result)
        yield from done


def guard(raw: RawRecord, step: Callable[[], Result]) -> Result | IngestError:
    """Run one step for one record; any failure becomes an IngestError naming FILE:LINE."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - one record's failure stays its own
        return _failure(raw.source, raw.line, exc)


@dataclass(frozen=True)
class Stages:
    """The pipeline in two steps per chunk of records, so ingest can skip NLP for articles it
    already stores between them (``clean_many``, then ``analyse_many`` on what is left).

    Small and picklable: a worker process gets this, not the pipeline. The chunk is the unit of
    ``nlp.pipe`` batching, so one process or many see the same batches and give the same output.
    """

    published: str | None = None
    with_events: bool = True

    def clean_many(self, items: list[RawRecord | IngestError]) -> list[Result | IngestError]:
        """Cleaned article (or the error) for every item, in order."""
        return [
            item if isinstance(item, IngestError)
            else guard(item, lambda r=item: process(r, self.published, with_events=False))
            for item in items
        ]

    def analyse_many(self, pairs: list[tuple[RawRecord, Result]]) -> list[Result | IngestError]:
        """NLP for a chunk in one ``nlp.pipe`` call, then the event stage record by record."""
        if not self.with_events:
            return [result for _, result in pairs]
        if not pairs:
            return []
        with nlp_zone():  # the chunk's Docs and the strings they added are freed after it
            docs = parse_many([result for _, result in pairs])
            return [
                guard(raw, lambda r=result, d=doc: analyse(r, d))
                for (raw, result), doc in zip(pairs, docs, strict=True)
            ]


def warm_up(with_events: bool = True) -> None:
    """Load the NLP model and every lazily read table now, by running one self-written article
    through the pipeline: worker processes forked afterwards share them (copy-on-write) instead
    of each reading them again."""
    raw = RawRecord(
        source="<warm-up>", id="warm-up", published="2024-01-08",
        text="Menteri Luar Negeri Indonesia bertemu Duta Besar Jepang di Jakarta pada Senin (8/1/2024). "
        "Kedua negara sepakat memperkuat kerja sama ekonomi, kata juru bicara kementerian.",
    )
    Stages("2024-01-08", with_events).analyse_many([(raw, process(raw, with_events=False))])
    from pantau.clean.meta import known_places
    from pantau.places import get_gazetteer
    from pantau.places.geonames import release

    known_places()  # the lookups built from GeoNames' city table (parsed once for both), then drop it
    if with_events:
        get_gazetteer()
    release()
