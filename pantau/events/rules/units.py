"""Coding units: sentences with glued-in headlines cut out, and their tokens without the dateline."""

from __future__ import annotations

import re

from pantau.events.lexicon import Lexicon
from pantau.events.rules.mentions import Mention, mentions_in
from pantau.events.rules.words import HEADLINE_GLUE
from pantau.events.text import Tok, tokenize
from pantau.records import Entity

# "Jakarta, CNN Indonesia --", "KOMPAS.com -": the dateline is no actor and no place of the event
DATELINE = re.compile(
    r"^[A-Z][^\n]{0,50}?(?:,|\(|\.com|\.co\.id|\bCNN\b)[^\n]{0,30}?\s?(?:--|–|—|-)\s+"
    r"(?:[A-Z]{3,}[A-Z .]*\.\s+)?",
    re.IGNORECASE,
)
HEADLINE_PREFIXES = ("Di", "Me", "Ber", "Ter")  # capitalised verb prefixes: a headline's predicate


def coding_units(
    text: str, sents: list[tuple[int, int]], ents: list[Entity], lex: Lexicon
) -> list[tuple[int, int]]:
    """Sentence spans with glued-in related-article headlines cut out.

    HTML extraction often glues a "related article" headline into the running text ("... perbatasan.
    5 Negara yang Menolak Resolusi PBB soal Suriah "Kami ..."). Such a run of
    title-case words that contains a capitalised predicate is no part of the story and splits it.
    """
    out: list[tuple[int, int]] = []
    for s, e in sents:
        cuts = _headline_cuts(tokenize(text[s:e], s), ents, lex)
        start = s
        for a, b in [*cuts, (e, e)]:
            x, y = start, a
            while x < y and text[x].isspace():
                x += 1
            while y > x and text[y - 1].isspace():
                y -= 1
            if y > x:
                out.append((x, y))
            start = b
    return out


def _headline_cuts(toks: list[Tok], ents: list[Entity], lex: Lexicon) -> list[tuple[int, int]]:
    """Char spans of the headline runs in one sentence's tokens."""
    cut: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        j = i
        caps = 0
        while j < len(toks) and (
            toks[j].text[:1].isupper() or toks[j].text[:1].isdigit() or toks[j].text.lower() in HEADLINE_GLUE
        ):
            caps += toks[j].text[:1].isupper()
            j += 1
        if caps >= 4 and j - i >= 5:
            covered = [x for x in ents if toks[i].start <= x.start and x.end <= toks[j - 1].end]
            if _has_predicate(toks, i, j, covered, lex):
                end = _run_end(toks, i, j, covered)
                cut.append((toks[i].start, toks[end - 1].end if end > i else toks[i].start))
        i = max(j, i + 1)
    return cut


def _has_predicate(toks: list[Tok], i: int, j: int, covered: list[Entity], lex: Lexicon) -> bool:
    """A title-case run is a headline when a word after its first, outside any name, is a trigger
    or looks like a capitalised verb."""
    return any(
        (lex.match([toks[k].text.lower()], 0) or toks[k].text.startswith(HEADLINE_PREFIXES))
        and k > i
        and len(toks[k].text) > 3
        and not any(x.start <= toks[k].start < x.end for x in covered)
        for k in range(i, j)
    )


def _run_end(toks: list[Tok], i: int, j: int, covered: list[Entity]) -> int:
    """One past the last token of the headline run toks[i:j].

    A name that closes the run and is followed by more text opens the story's sentence ("... Korupsi
    Rusia menyatakan ..."): it is left to the story. A name inside a hyphen compound ("Buat
    Ukraina-Israel") starts no token of its own, so the compound stays with the headline.
    """
    last = max(covered, key=lambda x: x.end, default=None)
    if last is None or last.end != toks[j - 1].end or j >= len(toks):
        return j
    return next((k for k in range(i, j) if toks[k].start >= last.start), j)


def unit_tokens(text: str, s: int, e: int, mentions: list[Entity]) -> tuple[list[Tok], list[Mention]]:
    """Tokens of the unit text[s:e] (numbered from 0) and its actor mentions, without a dateline."""
    stext = text[s:e]
    toks = tokenize(stext, s)
    for k, t in enumerate(toks):
        t.i = k
    sent_ents = [x for x in mentions if x.start >= s and x.end <= e]
    ms = mentions_in(sent_ents, toks)
    dl = DATELINE.match(stext)
    if dl:
        toks = [t for t in toks if t.start >= s + dl.end()]
        for k, t in enumerate(toks):
            t.i = k
        ms = mentions_in([x for x in sent_ents if x.start >= s + dl.end()], toks)
    return toks, ms
