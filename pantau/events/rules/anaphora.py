"""Anaphoric noun phrases ("aliansi", "kedua negara", "negara tersebut") as actor mentions."""

from __future__ import annotations

import re

from pantau.events.lexicon import Lexicon
from pantau.events.rules import settings
from pantau.events.rules.settings import IGO_CODES, NOT_PARTY
from pantau.events.text import tokenize
from pantau.records import Entity

COORD_GAP = re.compile(r"^\s*(?:,|\bdan\b|\bserta\b|\s)*\s*$")


def anaphors(text: str, sents: list[tuple[int, int]], ents: list[Entity], lex: Lexicon) -> list[Entity]:
    """Actor mentions for anaphoric noun phrases ("aliansi", "kedua negara", "negara tersebut").

    Why: news names the parties once and then refers back ("Polandia meminta aliansi ...",
    "kedua negara sepakat ..."); without these the clause has no actor or target. Each phrase is
    resolved to the salient actor(s) of the preceding text (rules in lexicon.yaml ``anaphora``);
    an ambiguous antecedent (three states where "kedua negara" needs two) resolves to nothing.
    """
    if not lex.anaphora or not settings.ANAPHORA:
        return []
    out: list[Entity] = []
    by_first: dict[str, list[dict]] = {}
    for d in lex.anaphora:
        by_first.setdefault(d["seq"][0], []).append(d)
    low = text.lower()
    for si, (s, e) in enumerate(sents):
        if not any(w in low[s:e] for w in by_first):  # cheap pre-check before tokenising
            continue
        toks = tokenize(text[s:e], s)
        lows = [t.text.lower() for t in toks]
        i = 0
        while i < len(toks):
            rule = _rule_at(by_first, lows, i)
            if rule is None:
                i += 1
                continue
            a, b = toks[i].start, toks[i + len(rule["seq"]) - 1].end
            i += len(rule["seq"])
            if any(x.start < b and a < x.end and x.code != "UNK" for x in ents):
                # the resolver already coded this phrase (an uncoded "menteri ... dari negara-negara" is
                # resolved here instead)
                continue
            refs = _antecedents(rule, a, si, sents, ents, text)
            for r in refs:
                sector = r.sector if r.sector and r.label != "LOC" and rule["to"] == "bloc" else "GOV"
                out.append(Entity(text[a:b], "ACTOR", a, b, code=r.code, sector=sector, name=r.name))
    return out


def _rule_at(by_first: dict[str, list[dict]], lows: list[str], i: int) -> dict | None:
    """The anaphora rule whose phrase starts at token i and is not followed by a blocking word."""
    return next(
        (
            d
            for d in by_first.get(lows[i], ())
            if tuple(lows[i : i + len(d["seq"])]) == d["seq"]
            and (i + len(d["seq"]) >= len(lows) or lows[i + len(d["seq"])] not in d["block"])
        ),
        None,
    )


def _antecedents(
    rule: dict, pos: int, si: int, sents: list[tuple[int, int]], ents: list[Entity], text: str = ""
) -> list[Entity]:
    """The earlier mention(s) an anaphoric phrase at char `pos` (in sentence si) refers to."""
    # only mentions inside story sentences: glued-in headlines and furniture are no antecedents
    before = [
        x for x in ents if x.end <= pos and any(s <= x.start and x.end <= e for s, e in sents[: si + 1])
    ]
    if rule["to"] == "bloc":
        codes = set(rule.get("codes") or [])
        hit = next((x for x in reversed(before) if x.code in codes), None)
        return [hit] if hit else []
    # nearest first: the part of this sentence before the phrase, then earlier sentences
    windows = [(sents[si][0], pos)] + [
        sents[k] for k in range(si - 1, max(-1, si - 1 - rule.get("reach", 3)), -1)
    ]
    for s, e in windows:
        inside = [x for x in before if s <= x.start and x.end <= e and x.code not in NOT_PARTY]
        if rule["to"] == "state":
            states = [x for x in inside if x.code not in IGO_CODES]
            if states:
                return [states[-1]]
            continue
        firsts: dict[str, Entity] = {}
        for x in inside:
            firsts.setdefault(x.code, x)
        n = rule.get("n", 2)
        if len(firsts) == n:
            return list(firsts.values())
        if len(firsts) > n:  # several parties: only a coordination of exactly n ("AS, Australia dan Jepang")
            group = _coordination_of(inside, text, n)
            return group or []
    return []


def _coordination_of(inside: list[Entity], text: str, n: int) -> list[Entity] | None:
    """The one run of mentions joined only by commas/"dan"/"serta" that names exactly n parties."""
    if not text:
        return None
    runs: list[list[Entity]] = []
    for x in inside:
        if runs and COORD_GAP.match(text[runs[-1][-1].end : x.start]):
            runs[-1].append(x)
        else:
            runs.append([x])
    fits = []
    for run in runs:
        firsts: dict[str, Entity] = {}
        for x in run:
            firsts.setdefault(x.code, x)
        if len(firsts) == n:
            fits.append(list(firsts.values()))
    return fits[0] if len(fits) == 1 else None
