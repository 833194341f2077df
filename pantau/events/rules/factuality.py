"""Factuality of a trigger: negated, hypothetical (fear, condition, purpose, modal, question), future.

The cue words are lexicon data (``lexicon.yaml`` ``factuality``); this module says where around the
trigger each cue counts.
"""

from __future__ import annotations

from pantau.events.lexicon import Hit
from pantau.events.rules.clause import Clause
from pantau.events.rules.words import NEG_BARRIER, NOMINAL_MODAL, STRONG_STOPS


def factuality(cl: Clause, ti: int, tn: int, typ: str) -> tuple[str, str]:
    """(factuality, cue) of the trigger at ti..tn from the cues before and right after it."""
    f = cl.lex.factuality
    lows = cl.lows
    s = cl.segments_left(ti)[0][0]
    clause = lows[s:ti]
    near = lows[max(0, ti - 3) : ti]
    # a negation before a coordinator negates the first conjunct ("tak sirna dan meminta ...")
    neg_near = near[max((k + 1 for k, w in enumerate(near) if w in NEG_BARRIER), default=0) :]
    if any(w in f["negation"] for w in neg_near) or any(
        w in f.get("denial", ()) for w in lows[max(0, ti - 5) : ti]
    ):
        return "negated", "negation"
    if typ == "THREATEN":
        return "asserted", ""
    if any(w in f["fear"] for w in lows[max(0, ti - 12) : ti]):
        return "hypothetical", "fear"
    prevent = f.get("prevent", set())
    if any(w in prevent for w in lows[max(0, ti - 5) : ti] + lows[tn : tn + 6]):
        return "hypothetical", "prevented"
    if _conditional(cl, ti):
        return "hypothetical", "conditional"
    if _purpose(cl, ti):
        return "hypothetical", "purpose"
    if any(w in f["modal"] for w in near):
        return "hypothetical", "modal"
    if cl.toks and cl.toks[-1].text == "?":
        return "hypothetical", "question"
    if any(w in f["future"] for w in clause) or any(w in f["future"] for w in near):
        return "future", "future"
    return "asserted", ""


def _conditional(cl: Clause, ti: int) -> bool:
    """A condition shortly before the trigger, unless a comma or "maka" closes it well before."""
    cond = cl.lex.factuality["conditional"]
    if not any(w in cond for w in cl.lows[max(0, ti - 10) : ti]):
        return False
    cond_i = max(i for i in range(max(0, ti - 10), ti) if cl.lows[i] in cond)
    return not any(cl.lows[x] in {",", "maka"} for x in range(cond_i, ti)) or ti - cond_i < 4


def _purpose(cl: Clause, ti: int) -> bool:
    """A purpose cue in the trigger's own clause ("guna mempererat hubungan dan kerja sama")."""
    for j in range(ti - 1, max(-1, ti - 8), -1):
        if cl.lows[j] in STRONG_STOPS or cl.lows[j] in cl.lex.speech_cues or cl.lows[j] == ",":
            break
        if cl.lows[j] in cl.lex.factuality.get("purpose", ()):
            return True
    return False


def generic(cl: Clause, ti: int) -> bool:
    """A nominal act under a generic quantifier ("mengecam segala bentuk serangan, termasuk ...")
    names a kind of act, not a reported one."""
    for j in range(ti - 1, max(-1, ti - 9), -1):
        if cl.lows[j] in STRONG_STOPS or cl.lows[j] in cl.lex.speech_cues:
            return False
        if cl.lows[j] in cl.lex.factuality.get("generic", ()):
            return True
    return False


def trigger_factuality(cl: Clause, ti: int, hit: Hit, rend_far: int) -> tuple[str, str]:
    """Factuality of a coded trigger: the cues, then what a nominal act's predicate says of it,
    then the entry's own factuality (an entry can be hypothetical by its meaning)."""
    e = hit.entry
    tn = ti + hit.n
    fact, why = factuality(cl, ti, tn, e.type)
    if (
        hit.voice == "nominal"
        and fact == "asserted"
        and e.type != "THREATEN"
        and any(cl.lows[j] in NOMINAL_MODAL for j in range(tn, min(rend_far, tn + 8)))
    ):
        fact, why = "hypothetical", "nominal under modal predicate"
    if hit.voice == "nominal" and fact == "asserted" and generic(cl, ti):
        fact, why = "hypothetical", "generic (segala bentuk ...)"
    if e.fact and fact == "asserted" and e.type != "THREATEN":
        fact = e.fact
    return fact, why
