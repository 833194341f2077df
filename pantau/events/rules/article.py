"""The article driver: actor mentions, coding units, per-unit coding with article context, merging."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pantau.events import resources
from pantau.events.lexicon import Lexicon, load
from pantau.events.rules import settings
from pantau.events.rules.anaphora import anaphors
from pantau.events.rules.context import ArticleContext, infer_recipient, recent_after
from pantau.events.rules.dating import attach_date, attach_quote, fallback_dates
from pantau.events.rules.mentions import Candidate, Mention
from pantau.events.rules.merge import dyadic_ok, merge
from pantau.events.rules.sentence import SentenceCoder
from pantau.events.rules.triggers import code_sentence
from pantau.events.rules.units import coding_units, unit_tokens
from pantau.events.text import is_furniture, sentences
from pantau.records import Article, Entity, Event, Quote

log = logging.getLogger(__name__)


@dataclass
class Reading:
    """What one article offers every unit, and what coding carries from one unit to the next."""

    lex: Lexicon
    text: str
    ref: date | None  # the reference date of relative dates (the publication day)
    ents: list[Entity]  # the resolver's actor mentions, by position
    mentions: list[Entity]  # those and the anaphoric phrases
    dates: list
    places: list
    quotes: list[Quote]
    spacy_at: Mapping[int, Any]  # char offset -> spaCy token of the dependency parse
    context: ArticleContext
    topic: Entity | None = None  # the last person or organisation named: "dia", "mereka"
    recent: list[Entity] = field(default_factory=list)  # parties of the previous unit(s)

    def local_places(self) -> list:
        """Places that are not also actor names (states, capitals as metonyms): towns, provinces, sites."""
        return [p for p in self.places if not any(x.start <= p[0] and p[1] <= x.end for x in self.ents)]

    def ordered_places(self) -> list:
        """All places, local ones first: the order in which an event's location is looked for."""
        local = self.local_places()
        return local + [p for p in self.places if p not in local]


class TokensAt(Mapping[int, Any]):
    """Char offset -> spaCy token of the parse, a token made only when asked for.

    Why: the coder looks up the tokens of a few triggers; building the whole map of Token objects
    (``{t.idx: t for t in doc}``) made a Python object for every token of every article."""

    def __init__(self, doc: Any) -> None:
        from spacy.attrs import IDX

        self.doc = doc
        self._at = dict(zip(doc.to_array(IDX).tolist(), range(len(doc)), strict=True))

    def __getitem__(self, offset: int) -> Any:
        return self.doc[self._at[offset]]

    def __iter__(self) -> Iterator[int]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def code_article(article: Article, doc=None) -> tuple[list[Entity], list[Event], list[Quote]]:
    """Entities, events and quotes of one article (see the package docstring)."""
    reading, units = read(article, doc)
    return reading.ents, code_units(article, reading, units), reading.quotes


def code_units(article: Article, reading: Reading, units: list[tuple[int, int]]) -> list[Event]:
    """The rule events of the article's coding units, merged.

    A unit whose coding raises loses its own events only (logged with the article id); the others
    are still coded.
    """
    text = reading.text
    cands: list[Candidate] = []
    captions = {c.strip() for c in article.captions or [] if c.strip()}
    for s, e in units:
        if is_furniture(text[s:e]) or text[s:e] in captions:
            continue
        try:
            cands.extend(_code_unit(reading, s, e))
        except Exception:
            log.warning(
                "rule coder failed on unit %d-%d of article %s; its events are lost",
                s,
                e,
                article.id,
                exc_info=True,
            )
    if not os.environ.get("PANTAU_DEBUG_ALL"):
        cands = [c for c in cands if dyadic_ok(c)]
    events = merge(cands, text, reading.ordered_places(), article, reading.local_places())
    fallback_dates(events, reading.dates, text, reading.ref)
    return events


def read(article: Article, doc: Any) -> tuple[Reading, list[tuple[int, int]]]:
    """The article's mentions, dates, places and quotes, and its coding units."""
    from pantau.quotes import find_quotes

    lex = load()
    text = article.text or ""
    ref = resources.reference_date(article)
    ents = sorted(
        [e for e in resources.actor_mentions(doc, article) if e.start is not None and e.code],
        key=lambda e: e.start,
    )
    sents = sentences(text)
    units = [u for u in coding_units(text, sents, ents, lex) if not is_furniture(text[u[0] : u[1]])]
    anaph = anaphors(text, units, ents, lex)
    # an uncoded mention that an anaphoric phrase covers gives way to it
    ents = [e for e in ents if e.code != "UNK" or not any(x.start < e.end and e.start < x.end for x in anaph)]
    reading = Reading(
        lex=lex,
        text=text,
        ref=ref,
        ents=ents,
        mentions=sorted(ents + anaph, key=lambda e: e.start),
        dates=resources.dates(text, ref),
        places=resources.places(doc, text),
        quotes=find_quotes(article, ents, sents),
        spacy_at=TokensAt(doc) if doc is not None and settings.DEP_MODE else {},
        context=ArticleContext(ents),
    )
    return reading, units


def _code_unit(reading: Reading, s: int, e: int) -> list[Candidate]:
    """The candidates of the unit text[s:e], completed with the article context; then the context
    is carried on (topic, recent parties, clashes)."""
    toks, ms = unit_tokens(reading.text, s, e, reading.mentions)
    if not toks:
        return []
    ctx = reading.context
    sc = SentenceCoder(reading.lex, toks, ms, reading.topic, reading.quotes, reading.spacy_at)
    sc.opponent = ctx.opponent
    found = code_sentence(sc, (s, e))
    for c in found:
        attach_date(c, toks, reading.dates, reading.lex)
        attach_quote(c, toks, reading.quotes)
        if c.actor and c.actor[0].label != "SPEAKER":
            ctx.complete(c, toks)
    for c in found:
        infer_recipient(c, reading.recent)
    _carry_on(reading, ms, found)
    return [c for c in found if c.actor and c.actor[0].label != "SPEAKER"]


def _carry_on(reading: Reading, ms: list[Mention], found: list[Candidate]) -> None:
    """State the next unit reads: recent parties, clashes coded so far, the topic for pronouns."""
    reading.recent = recent_after(reading.recent, [m.ent for m in ms])
    reading.context.record_clashes(found)
    persons = [m.ent for m in ms if m.ent.label in ("PER",) or (m.ent.sector and m.ent.label != "LOC")]
    if persons:
        reading.topic = persons[0]
