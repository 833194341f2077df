"""All triggers of one coding unit: scan, complements of governing acts, twins, reciprocals."""

from __future__ import annotations

from dataclasses import replace

from pantau.events.rules.mentions import Candidate, dedup
from pantau.events.rules.sentence import SentenceCoder
from pantau.events.rules.settings import GOVERNING
from pantau.events.rules.words import COMPLEMENT, STRONG_STOPS

QUOTE_OPENERS = {'"', "“", "(", "‘"}


def code_sentence(sc: SentenceCoder, span: tuple[int, int]) -> list[Candidate]:
    """The candidates of one unit (char span `span`), one per event mention."""
    found = _scan(sc, span)
    merged = _merge_twins(found)
    return [x for c in merged for x in reciprocal(c, sc)]


def _scan(sc: SentenceCoder, span: tuple[int, int]) -> list[Candidate]:
    """Left to right, the first lexicon hit at a token that codes an event; its tokens are taken."""
    toks = sc.toks
    taken: set[int] = set()
    found: list[Candidate] = []
    for i in range(len(toks)):
        if i in taken:
            continue
        if i > 0 and toks[i].text[:1].isupper() and toks[i - 1].text not in QUOTE_OPENERS:
            continue  # a capitalised predicate mid-sentence belongs to a glued-in headline
        for hit in sc.lex.match(sc.norms, i) or sc.lex.match(sc.lows, i):
            c = sc.code(i, hit)
            if c is None:
                continue
            c.sent = span
            _mark_complement(sc, c, i, found)
            found.append(c)
            taken.update(range(i, i + hit.n))
            break
    return found


def _mark_complement(sc: SentenceCoder, c: Candidate, i: int, found: list[Candidate]) -> None:
    """The act requested, permitted, refused or threatened is not (yet) an event."""
    gov = next(
        (
            p
            for p in found
            if p.type in GOVERNING
            and p.ti < i
            and (
                any(sc.lows[x] in COMPLEMENT for x in range(p.ti + 1, i)) or p.type in ("REQUEST", "THREATEN")
            )
            and not any(sc.lows[x] in STRONG_STOPS for x in range(p.ti + 1, i))
        ),
        None,
    )
    if (
        gov
        and (c.type not in GOVERNING or not {a.code for a in c.actor} & {a.code for a in gov.actor})
        and c.factuality == "asserted"
    ):
        c.factuality = "hypothetical"
        c.rule += f"; complement of {gov.type}"


def _merge_twins(found: list[Candidate]) -> list[Candidate]:
    """Same type twice in one sentence with overlapping actors = one event; an auxiliary entry
    yields to another trigger of its type."""
    merged: list[Candidate] = []
    for c in found:
        if c.hit.entry.aux and any(o.type == c.type and o is not c for o in found):
            continue
        twin = next(
            (
                m
                for m in merged
                if m.type == c.type and ({a.code for a in m.actor} & {a.code for a in c.actor})
            ),
            None,
        )
        if twin:
            twin.recipient = dedup(twin.recipient + c.recipient)
            if twin.factuality != "asserted" and c.factuality == "asserted":
                twin.factuality = "asserted"
            twin.rule += " | " + c.rule
            continue
        merged.append(c)
    return merged


def reciprocal(c: Candidate, sc: SentenceCoder) -> list[Candidate]:
    """ "X dan Y saling menuduh": one directed event per side, each with the other as recipient."""
    if c.ti == 0 or sc.lows[c.ti - 1] != "saling" or c.hit.entry.sym or c.recipient:
        return [c]
    k = next((k for k, m in enumerate(sc.ms) if m.ent in c.actor), None)
    # the whole coordination, also where a preposition hides its first member ("dengan X dan Y saling")
    parties = dedup([sc.ms[j].ent for j in sc.group_of[k]]) if k is not None else []
    if len(parties) != 2:
        return [c]
    out = []
    for a, b in (parties, parties[::-1]):
        out.append(replace(c, actor=[a], recipient=[b], rule=c.rule + "; saling -> both directions"))
    return out
