"""Actor mentions placed on tokens, and the event candidate one trigger yields."""

from __future__ import annotations

from dataclasses import dataclass, field

from pantau.events.lexicon import Hit
from pantau.events.rules.settings import DOMESTIC_TYPES
from pantau.events.text import Tok
from pantau.records import Entity


@dataclass
class Mention:
    ent: Entity
    t0: int  # first token index (sentence-local)
    t1: int  # one past the last token
    compound: bool = False  # one side of a hyphen compound ("aliansi Korsel-AS"): a modifier, never a subject


@dataclass
class Candidate:
    hit: Hit
    ti: int
    sent: tuple[int, int]
    actor: list[Entity]
    recipient: list[Entity]
    factuality: str
    mode: str | None
    ctx: list[str]
    rule: str
    confidence: float
    date: tuple[str, str] | None = None
    quote: bool = False
    mods: list[str] = field(default_factory=list)
    type: str = ""
    scores: dict[str, float] = field(default_factory=dict)  # the learned coder's probabilities
    origins: dict[str, str] = field(default_factory=dict)  # where its actor and recipient were found


def dedup(ents: list[Entity]) -> list[Entity]:
    """Coded entities, first one of each code (uncoded ones dropped)."""
    seen, out = set(), []
    for e in ents:
        if e.code and e.code not in seen:
            seen.add(e.code)
            out.append(e)
    return out


def mentions_in(ents: list[Entity], toks: list[Tok]) -> list[Mention]:
    """The entities of a sentence as token spans of its tokens."""
    out = []
    for e in ents:
        # a part of a hyphen compound ("aliansi Korsel-AS") lies inside one token: that token
        inner = next((t.i for t in toks if t.start <= e.start and e.end <= t.end and "-" in t.text), None)
        if inner is not None:
            out.append(Mention(e, inner, inner + 1, compound=True))
            continue
        t0 = next((t.i for t in toks if t.start >= e.start), None)
        if t0 is None:
            continue
        t1 = t0
        while t1 < len(toks) and toks[t1].end <= e.end:
            t1 += 1
        if t1 > t0:
            out.append(Mention(e, t0, t1))
    return out


def person_target(r: Entity, actor: list[Entity], typ: str) -> bool:
    """A named person targeted by their own state or compatriots ("Yoon dilarang bepergian",
    "publik Korsel meminta Yoon mundur") is a real recipient although the codes agree."""
    return (
        r.label == "PER"
        and typ in DOMESTIC_TYPES
        and r.code not in (None, "UNK")
        and all(a.label != "PER" or a.start != r.start for a in actor)
    )
