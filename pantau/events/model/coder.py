"""The learned event coder of one article: triggers -> roles -> factuality -> dates, places, merging.

Triggers and roles come from the trained models (``triggers``, ``arguments``); the rule coder's
events enter only as features (its votes on tokens and roles). Dates, quotes, places and the merging
of mentions into one record per real event are the rule coder's own steps (``pantau.events.rules``),
so both coders date and merge alike.
"""

from __future__ import annotations

import bisect
import logging

from pantau.events.lexicon import Entry, Hit, voice_of
from pantau.events.model import arguments, frames, rerank
from pantau.events.model.context import ArticleContext, build
from pantau.events.model.store import Models
from pantau.events.model.triggers import TriggerHit, detect
from pantau.events.rules import Reading
from pantau.events.rules.dating import attach_date, attach_quote, fallback_dates
from pantau.events.rules.mentions import Candidate
from pantau.events.rules.merge import dyadic_ok, merge
from pantau.events.rules.units import unit_tokens
from pantau.records import Article, Entity, Event

log = logging.getLogger(__name__)

# contexts of a type when no lexicon entry names them
DEFAULT_CONTEXT = {"ASSAULT": ["military"], "MOBILIZE": ["military"]}
# acts on a place whose target, when the sentences name none, is the state the place belongs to
# ("Militer X menyerang kamp pengungsi di Jalur Gaza": the recipient is PSE)
TARGET_FROM_PLACE = {"ASSAULT"}


def code(article: Article, doc, reading: Reading, units: list[tuple[int, int]], rule_events: list[Event],
         models: Models, relevance: float | None = None,
         collect: list[tuple[Event, dict[str, float]]] | None = None) -> list[Event]:
    """The article's events as the trained models code them; ``collect`` receives every event before
    the second look (``rerank``) with its features (training)."""
    ctx = build(article, doc, reading.mentions, reading.quotes, rule_events, reading.lex)
    starts = [s for s, _ in units]
    cands: list[Candidate] = []
    for hit in detect(ctx, models.trigger, models.trigger_threshold):
        try:
            c = _candidate(ctx, reading, units, starts, hit, models)
        except Exception:  # one bad trigger loses its own event, never the article
            log.warning("model coder failed on '%s' in article %s", hit.tok.text, article.id, exc_info=True)
            continue
        if c is not None:
            cands.append(c)
    members: dict[int, list[Candidate]] = {}
    events = merge(cands, reading.text, reading.ordered_places(), article, reading.local_places(), members)
    for ev in events:
        _target_from_place(ev)
    # PLOVER interactions are dyadic: an event that still has no target after merging (its other
    # mentions may name one) is kept only as the rule coder keeps it (one-sided types, both sides in
    # the actor). Cross-validated: event F1 0.475 -> 0.49, precision 0.49 -> 0.53.
    events = [e for e in events if dyadic_ok(e)]
    fallback_dates(events, reading.dates, reading.text, reading.ref)
    if models.rerank is None and collect is None:
        return events
    rows = [rerank.features(ev, members[id(ev)], ctx, events[:k], relevance) for k, ev in enumerate(events)]
    if collect is not None:
        collect.extend(zip(events, rows, strict=True))
    if models.rerank is None:
        return events
    kept = []
    for ev, p in zip(events, models.rerank.proba(rows)[:, 1], strict=True):
        if p >= models.rerank_threshold or ev.factuality in ("hypothetical", "negated"):
            ev.confidence = round(float(p), 2)
            ev.pattern += f"; second look p={p:.2f}"
            kept.append(ev)
    return kept


def _target_from_place(ev: Event) -> None:
    """A missing recipient of an act on a place: the state of the place, when not the actor's own."""
    loc = ev.location
    if ev.recipient or ev.type not in TARGET_FROM_PLACE or loc is None or not loc.country:
        return
    if loc.country in {a.code for a in ev.actor}:
        return
    ev.recipient = [Entity(loc.text, "LOC", code=loc.country, sector="UNK")]
    ev.pattern += f"; recipient = state of the place '{loc.text}'"


def _entry(ctx: ArticleContext, hit: TriggerHit) -> Entry | None:
    """The lexicon entry of the trigger's type matching its surface form or root (for mode and
    context), if any."""
    i = hit.tok.i
    for h in ctx.lex.match(ctx.norms, i) + ctx.lex.match(ctx.lows, i):
        if h.entry.type == hit.type:
            return h.entry
    return next((e for e in ctx.lex.roots.get(hit.tok.lemma_.lower(), ()) if e.type == hit.type), None)


def _candidate(ctx: ArticleContext, reading: Reading, units: list[tuple[int, int]], starts: list[int],
               hit: TriggerHit, models: Models) -> Candidate | None:
    tok = hit.tok
    roles = arguments.choose(ctx, tok, hit.type, models)
    if roles is None:
        return None
    k = bisect.bisect_right(starts, tok.idx) - 1
    if k >= 0 and units[k][0] <= tok.idx < units[k][1]:
        s, e = units[k]
    else:
        s, e = ctx.sent_chars(tok.i)
    toks, _ = unit_tokens(reading.text, s, e, reading.mentions)
    ti = next((t.i for t in toks if t.start <= tok.idx < t.end), None)
    if ti is None:
        return None
    entry = _entry(ctx, hit)
    if entry is not None and entry.blocked(ctx.lows, tok.i + 1):
        return None  # the rule coder's licence: "menolak berkomentar" declines to comment, no refusal
    in_lexicon = entry is not None
    fact, cues = frames.factuality(ctx, tok, hit.type)
    trace = f"model:trigger '{tok.text}' {hit.type} p={hit.p:.2f}; {roles.trace}"
    if entry is not None:
        trace += f"; mode/context from lexicon:{entry.key}"
    else:
        entry = Entry(key=tok.lemma_.lower(), type=hit.type, ctx=list(DEFAULT_CONTEXT.get(hit.type, [])))
    if cues:
        trace += f"; cue {'+'.join(cues)} -> {fact}"
    c = Candidate(
        hit=Hit(entry, 1, voice_of(tok.text.lower())),
        ti=ti,
        sent=(s, e),
        actor=roles.actor,
        recipient=roles.recipient,
        factuality=fact,
        mode=entry.mode,
        ctx=list(entry.ctx),
        rule=trace,
        confidence=round(hit.p * roles.actor_p, 2),
        type=hit.type,
        scores={"trigger": hit.p, "actor": roles.actor_p, "recipient": roles.recipient_p,
                "lexicon": float(in_lexicon)},
        origins={"actor": roles.actor_origin, "recipient": roles.recipient_origin},
    )
    attach_date(c, toks, reading.dates, reading.lex)
    attach_quote(c, toks, reading.quotes)
    return c

