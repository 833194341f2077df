"""What the learned coder knows about one article before it scores anything.

One ``ArticleContext`` is built per article from the records the earlier stages made (the parsed
``Doc``, the actor mentions, the quotes and the rule coder's events) and holds the look-ups every
feature function needs, so that features stay pure functions of (context, token[, candidate]).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from pantau.events.lexicon import Lexicon, load
from pantau.events.rules.settings import IGO_CODES
from pantau.events.rules.units import DATELINE
from pantau.events.text import is_furniture, normalise
from pantau.records import Article, Entity, Event, Quote


@dataclass
class RuleVote:
    """What the rule coder said about a token it coded as a trigger."""

    type: str
    actor: frozenset[str]
    recipient: frozenset[str]


@dataclass
class ArticleContext:
    article: Article
    doc: Any  # spacy.tokens.Doc
    mentions: list[Entity]
    quotes: list[Quote]
    rule_events: list[Event]
    lex: Lexicon
    starts: list[int] = field(default_factory=list)  # mention starts, for bisect
    votes: dict[int, list[RuleVote]] = field(default_factory=dict)  # token index -> rule votes
    sent_of: list[int] = field(default_factory=list)  # token index -> sentence number
    sents: list[tuple[int, int]] = field(default_factory=list)  # sentence token ranges
    sent_spans: list[tuple[int, int]] = field(default_factory=list)  # their character spans
    norms: list[str] = field(default_factory=list)  # lower case, clitic -nya stripped (lexicon keys)
    lows: list[str] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)  # lower-cased root lemmas
    skip: list[bool] = field(default_factory=list)  # furniture, captions, datelines: never a trigger
    cues: dict[str, set[str]] = field(default_factory=dict)  # cue class -> words (lexicon.yaml)
    code_counts: dict[str, int] = field(default_factory=dict)
    top_code: str | None = None

    def sent_chars(self, tok) -> tuple[int, int]:
        """Character span of the token's sentence."""
        return self.sent_spans[self.sent_of[tok.i]]

    def factuality_cues(self, tok, window: int = 6) -> set[str]:
        """Cue classes (conditional, negation, future, modal, fear, speech...) just before the token
        in its sentence, or among its dependents."""
        s, _ = self.sents[self.sent_of[tok.i]]
        words = {self.lows[i] for i in range(max(s, tok.i - window), tok.i)}
        near = {self.lows[i] for i in range(max(s, tok.i - 2), tok.i)}
        kids = {c.lower_ for c in tok.children}
        out = set()
        for name, cue in self.cues.items():
            if name == "negation":
                if cue & (near | kids):
                    out.add(name)
            elif cue & (words | kids):
                out.add(name)
        return out

    def mentions_between(self, start: int, end: int) -> list[Entity]:
        """Actor mentions whose character span lies inside [start, end)."""
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def quote_at(self, char: int) -> Quote | None:
        """The quote whose span covers the character, if any."""
        for q in self.quotes:
            if q.span.start <= char < q.span.end:
                return q
        return None

    def mention_at(self, char: int) -> Entity | None:
        i = bisect.bisect_right(self.starts, char) - 1
        if i >= 0 and self.mentions[i].start <= char < self.mentions[i].end:
            return self.mentions[i]
        return None


def build(article: Article, doc, mentions: list[Entity], quotes: list[Quote], rule_events: list[Event],
          lex: Lexicon | None = None) -> ArticleContext:
    """Precompute sentences, mention index and the rule coder's votes per token."""
    lex = lex or load()
    ments = sorted((m for m in mentions if m.start is not None and m.end is not None and m.code),
                   key=lambda m: (m.start, -(m.end or 0)))
    ctx = ArticleContext(article, doc, ments, list(quotes), list(rule_events), lex,
                         starts=[m.start for m in ments])
    ctx.sent_of = [0] * len(doc)
    for k, s in enumerate(doc.sents):
        ctx.sents.append((s.start, s.end))
        ctx.sent_spans.append((s.start_char, s.end_char))
        for t in range(s.start, s.end):
            ctx.sent_of[t] = k
    for t in doc:  # one pass: each spaCy Token object is made once
        ctx.norms.append(normalise(t.text))
        ctx.lows.append(t.lower_)
        ctx.lemmas.append(t.lemma_.lower())
    ctx.cues = {k: set(v) for k, v in lex.factuality.items()}
    ctx.cues["speech"] = set(lex.speech_cues)
    ctx.skip = _skipped(ctx, article)
    counts: dict[str, int] = {}
    for m in ments:
        counts[m.code] = counts.get(m.code, 0) + 1
    ctx.code_counts = counts
    states = sorted((n, c) for c, n in counts.items() if c not in IGO_CODES)
    ctx.top_code = states[-1][1] if states else None
    ctx.votes = _rule_votes(ctx, rule_events)
    return ctx


def _skipped(ctx: ArticleContext, article: Article) -> list[bool]:
    """Tokens that are never triggers: furniture lines, captions and the dateline."""
    doc = ctx.doc
    skip = [False] * len(doc)
    captions = {c.strip() for c in article.captions or [] if c.strip()}
    for s, e in ctx.sents:
        span = doc[s:e]
        if is_furniture(span.text) or span.text.strip() in captions:
            skip[s:e] = [True] * (e - s)
        dl = DATELINE.match(span.text)
        if dl:
            for t in span:
                if t.idx < span.start_char + dl.end():
                    skip[t.i] = True
    return skip


def _rule_votes(ctx: ArticleContext, rule_events: list[Event]) -> dict[int, list[RuleVote]]:
    """A rule event votes for the tokens inside its evidence that match the lexicon entry it names."""
    votes: dict[int, list[RuleVote]] = {}
    for ev in rule_events:
        keys = {p.split("/")[0].split(":", 1)[1] for p in ev.pattern.split(" | ") if p.startswith("lexicon:")}
        vote = RuleVote(ev.type, frozenset(a.code for a in ev.actor if a.code),
                        frozenset(r.code for r in ev.recipient if r.code))
        for span in ev.evidence:
            chars = ctx.doc.char_span(span.start, span.end, alignment_mode="expand")
            for t in chars if chars is not None else ():
                hits = ctx.lex.match(ctx.norms, t.i)
                if any(h.entry.key in keys and h.entry.type == ev.type for h in hits):
                    votes.setdefault(t.i, []).append(vote)
    return votes
