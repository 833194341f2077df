"""What the learned coder knows about one article before it scores anything.

One ``ArticleContext`` is built per article from the records the earlier stages made (the parsed
``Doc``, the actor mentions, the quotes and the rule coder's events) and holds the look-ups every
feature function needs, so that features stay pure functions of (context, token[, candidate]).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spacy.attrs import DEP, HEAD, IDX, IS_ALPHA, LEMMA, LOWER, ORTH, POS, SENT_START

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
    # the parse as plain lists, read once from the Doc: features index them instead of making a spaCy
    # Token object per look-up (that was a third of the coder's time)
    pos: list[str] = field(default_factory=list)
    deps: list[str] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    children: list[list[int]] = field(default_factory=list)  # in token order, as Token.children
    idx: list[int] = field(default_factory=list)  # character offsets
    word: list[bool] = field(default_factory=list)  # alphabetic, two characters or more
    capital: list[bool] = field(default_factory=list)  # first character upper case
    skip: list[bool] = field(default_factory=list)  # furniture, captions, datelines: never a trigger
    cues: dict[str, set[str]] = field(default_factory=dict)  # cue class -> words (lexicon.yaml)
    cue_classes: dict[str, list[str]] = field(default_factory=dict)  # word -> its cue classes
    code_counts: dict[str, int] = field(default_factory=dict)
    top_code: str | None = None
    _sent_mentions: dict[int, list[Entity]] = field(default_factory=dict, repr=False)

    def sent_chars(self, i: int) -> tuple[int, int]:
        """Character span of token ``i``'s sentence."""
        return self.sent_spans[self.sent_of[i]]

    def sent_mentions(self, k: int) -> list[Entity]:
        """The actor mentions of sentence ``k`` (computed once per sentence)."""
        found = self._sent_mentions.get(k)
        if found is None:
            found = self._sent_mentions[k] = self.mentions_between(*self.sent_spans[k])
        return found

    def factuality_cues(self, i: int, window: int = 6) -> set[str]:
        """Cue classes (conditional, negation, future, modal, fear, speech...) just before token ``i``
        in its sentence, or among its dependents; negation only right before it (two words) or among
        its dependents."""
        s, _ = self.sents[self.sent_of[i]]
        lows, classes = self.lows, self.cue_classes
        out: set[str] = set()
        for j in range(max(s, i - window), i):
            for name in classes.get(lows[j], ()):
                if name != "negation" or j >= i - 2:
                    out.add(name)
        for c in self.children[i]:
            out.update(classes.get(lows[c], ()))
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
    _read_tokens(ctx, doc)
    ctx.cues = {k: set(v) for k, v in lex.factuality.items()}
    ctx.cues["speech"] = set(lex.speech_cues)
    for name, words in ctx.cues.items():
        for w in words:
            ctx.cue_classes.setdefault(w, []).append(name)
    ctx.skip = _skipped(ctx, article)
    counts: dict[str, int] = {}
    for m in ments:
        counts[m.code] = counts.get(m.code, 0) + 1
    ctx.code_counts = counts
    states = sorted((n, c) for c, n in counts.items() if c not in IGO_CODES)
    ctx.top_code = states[-1][1] if states else None
    ctx.votes = _rule_votes(ctx, rule_events)
    return ctx


def _read_tokens(ctx: ArticleContext, doc) -> None:
    """The token attributes the features read, as lists (one ``Doc.to_array``, no Token objects)."""
    n = len(doc)
    if not n:
        return
    strings = doc.vocab.strings
    arr = doc.to_array([ORTH, LOWER, LEMMA, POS, DEP, HEAD, IDX, IS_ALPHA, SENT_START])

    def text(col: int) -> list[str]:
        return [strings[h] if h else "" for h in arr[:, col].tolist()]

    texts = text(0)
    ctx.lows, lemmas, ctx.pos, ctx.deps = text(1), text(2), text(3), text(4)
    ctx.norms = [normalise(t) for t in texts]
    ctx.lemmas = [x.lower() for x in lemmas]
    ctx.heads = (arr[:, 5].astype(np.int64) + np.arange(n)).tolist()  # HEAD is the offset to the head
    ctx.idx = arr[:, 6].tolist()
    ctx.word = [bool(a) and len(t) > 1 for a, t in zip(arr[:, 7].tolist(), texts, strict=True)]
    ctx.capital = [t[:1].isupper() for t in texts]
    ctx.children = [[] for _ in range(n)]
    for i, h in enumerate(ctx.heads):
        if h != i:
            ctx.children[h].append(i)
    # sentences as Doc.sents gives them: a new one at each token marked as a sentence start
    starts = [0] + [i for i, v in enumerate(arr[1:, 8].tolist(), 1) if v == 1] + [n]
    ctx.sent_of = [0] * n
    for k, (s, e) in enumerate(itertools.pairwise(starts)):
        ctx.sents.append((s, e))
        ctx.sent_spans.append((ctx.idx[s], ctx.idx[e - 1] + len(texts[e - 1])))
        ctx.sent_of[s:e] = [k] * (e - s)


def _skipped(ctx: ArticleContext, article: Article) -> list[bool]:
    """Tokens that are never triggers: furniture lines, captions and the dateline."""
    text = ctx.doc.text
    skip = [False] * len(ctx.lows)
    captions = {c.strip() for c in article.captions or [] if c.strip()}
    for (s, e), (cs, ce) in zip(ctx.sents, ctx.sent_spans, strict=True):
        sent = text[cs:ce]
        if is_furniture(sent) or sent.strip() in captions:
            skip[s:e] = [True] * (e - s)
        dl = DATELINE.match(sent)
        if dl:
            for i in range(s, e):
                if ctx.idx[i] < cs + dl.end():
                    skip[i] = True
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
