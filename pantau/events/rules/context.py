"""Article context for one coded sentence: the article's main country, the other side of its clashes,
and recipients completed from them (or from the previous sentence, ``PANTAU_INFER_RECIPIENT``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from pantau.events.rules import settings
from pantau.events.rules.mentions import Candidate, dedup, person_target
from pantau.events.rules.settings import (
    DOMESTIC_TYPES,
    IGO_CODES,
    INFER_TARGET,
    NONSTATE,
    NOT_PARTY,
    SELF_NOT_TARGET,
    SPEECH_TARGET,
)
from pantau.events.rules.words import ATTITUDE
from pantau.events.text import Tok
from pantau.records import Entity

DOMESTIC_RESTRICTIONS = ("darurat militer", "jam malam")


class ArticleContext:
    """What the article says beyond one sentence: its most named state and who clashed with whom."""

    def __init__(self, ents: list[Entity]):
        self.ents = ents
        self.counts = Counter(e.code for e in ents)
        states = [(n, code) for code, n in self.counts.most_common() if code not in IGO_CODES]
        self.dominant: str | None = states[0][1] if states else None
        self.pairs: Counter = Counter()  # (attacker, target) codes of asserted clashes so far

    def opponent(self, own: set[str], memory_only: bool = False) -> Entity | None:
        """The other side: from earlier coded clashes of this actor, else the most named other state."""
        known: Counter = Counter()
        for (a, b), n in self.pairs.items():
            if a in own and b not in own:
                known[b] += n
            elif b in own and a not in own:
                known[a] += n
        if known:
            code = known.most_common(1)[0][0]
            ent = next((x for x in self.ents if x.code == code), None)
            if ent is not None:
                return replace(ent, start=None, end=None)
        if memory_only:
            return None
        other = [
            (n, code) for code, n in self.counts.most_common() if code not in own and code not in IGO_CODES
        ]
        if other and other[0][0] >= 2:
            opp = next(x for x in self.ents if x.code == other[0][1])
            return replace(opp, start=None, end=None)
        return None

    def record_clashes(self, cands: list[Candidate]) -> None:
        """Remember who attacked whom (not what was itself guessed from context)."""
        for c in cands:
            if c.type == "ASSAULT" and c.factuality == "asserted" and "context" not in c.rule:
                for a in c.actor:
                    for r in c.recipient:
                        if a.code != r.code:
                            self.pairs[(a.code, r.code)] += 1

    def complete(self, c: Candidate, toks: list[Tok]) -> None:
        """Localise unnamed groups, drop self-targets, and fill a missing recipient from the
        article: the other side of earlier clashes, the own state of a domestic act, the own
        population of a restriction, or the article's other party of an attack (not where the
        trigger is the object of an attitude verb: "mengecam serangan")."""
        dominant = self.dominant
        if dominant:
            c.actor = dedup([localise(a, dominant) for a in c.actor])
            c.recipient = dedup([localise(r, dominant) for r in c.recipient])
        own = {a.code for a in c.actor}
        c.recipient = [
            r
            for r in c.recipient
            if r.code not in own
            or (r.sector != c.actor[0].sector and c.type not in SELF_NOT_TARGET)
            or person_target(r, c.actor, c.type)
        ]
        self._fill_recipient(c, toks)

    def _fill_recipient(self, c: Candidate, toks: list[Tok]) -> None:
        """A missing recipient from the article (rules tried in order, each marked in the trace)."""
        dominant = self.dominant
        attitude = any(t.text.lower() in ATTITUDE for t in toks[max(0, c.ti - 8) : c.ti])
        a0 = c.actor[0] if c.actor else None
        own = {a.code for a in c.actor}
        known = self.opponent(own, memory_only=True) if c.type in ("ASSAULT", "COERCE") else None
        if not c.recipient and known is not None:
            c.recipient = [known]
            c.rule += "; recipient = other side of earlier clashes"
            c.confidence = round(c.confidence - 0.1, 2)
        elif (
            not c.recipient
            and a0 is not None
            and a0.sector in NONSTATE
            and a0.code == dominant
            and c.type in DOMESTIC_TYPES
        ):
            c.recipient = [Entity(a0.code, "ACTOR", code=a0.code, sector="GOV")]
            c.rule += "; domestic act -> own state as recipient"
            c.confidence = round(c.confidence - 0.1, 2)
        elif not c.recipient and c.hit.entry.key in DOMESTIC_RESTRICTIONS and a0 is not None:
            c.recipient = [Entity(a0.code, "ACTOR", code=a0.code, sector="CVL")]
            c.rule += "; domestic restriction -> own population as recipient"
        elif not c.recipient and c.type == "ASSAULT" and not attitude and len(own) == 1:
            opp = self.opponent(own)
            if opp is not None:
                c.recipient = [opp]
                c.rule += "; recipient from article context"
                c.confidence = round(c.confidence - 0.15, 2)


def localise(e: Entity, country: str) -> Entity:
    """An unnamed group ("para pemberontak", "sekelompok biksu") acts for the article's main country."""
    if e.code == "UNK" and e.sector and e.label != "SPEAKER":
        return replace(e, code=country)
    return e


def infer_recipient(c: Candidate, recent: list[Entity]) -> None:
    """Guess a missing target from the previous sentence(s) (off by default, see the package docstring)."""
    if c.recipient or not c.actor or c.actor[0].label == "SPEAKER" or c.type not in INFER_TARGET:
        return
    mode = settings.INFER_RECIPIENT
    if not mode or not recent or (mode == 1 and c.type not in SPEECH_TARGET):
        return
    own = {a.code for a in c.actor}
    if mode == 1:  # only when the previous sentence names exactly one other party
        others = {x.code: x for x in recent if x.code not in own and x.code not in NOT_PARTY}
        other = next(iter(others.values())) if len(others) == 1 else None
    else:
        other = next((x for x in reversed(recent) if x.code not in own and x.code != "UNK"), None)
    if other is not None:
        c.recipient = [replace(other, start=None, end=None)]
        c.rule += "; recipient = the one other party of the previous sentence"
        c.confidence = round(c.confidence - 0.15, 2)


def recent_after(recent: list[Entity], unit_ents: list[Entity]) -> list[Entity]:
    """The parties ``infer_recipient`` looks back to after this unit: its own (mode 1) or the last 12."""
    return unit_ents if settings.INFER_RECIPIENT == 1 else (recent + unit_ents)[-12:]
