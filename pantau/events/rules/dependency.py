"""Roles from the spaCy dependency parse, a second source of evidence next to positions.

The parse (LAS ~0.75) is used where the positional rules find nothing (``PANTAU_DEP``, see the
package docstring); it never overrides a role they found in the trigger's own clause.
"""

from __future__ import annotations

from typing import Any

from pantau.events.rules.clause import Clause
from pantau.events.rules.words import DEP_RECIP_CASES, NAME_DEPS
from pantau.records import Entity

SpacyToken = Any  # spacy.tokens.Token; spaCy is not imported here (the coder also runs without it)


def dep_args(cl: Clause, ti: int) -> dict[str, list[Entity]]:
    """Roles from the dependency parse around the trigger token.

    subj: nsubj (active) of the trigger, or of its governor when the trigger is an xcomp/conj
    sharing it ("Polandia resmi meminta ..."); pass: nsubj:pass; agent: obl with "oleh";
    obj: obj; to: obl/nmod with terhadap/kepada/ke/atas; with: obl with dengan/bersama.
    """
    tok = cl.spacy_at.get(cl.toks[ti].start)  # None without a parse or on a tokenisation mismatch
    out: dict[str, list[Entity]] = {}
    if tok is None:
        return out
    for h in _heads(tok):
        for c in h.children:
            role = _role(c, own=h is tok)
            if role and role not in out:
                ents = _dep_ents(cl, c)
                if ents:
                    out[role] = ents
        if "subj" in out or "pass" in out:
            break
    return out


def _heads(tok: SpacyToken) -> list[SpacyToken]:
    """The trigger, then its governor when the trigger shares that one's subject (xcomp/conj)."""
    heads = [tok]
    own_subj = any(c.dep_.startswith(("nsubj", "csubj")) for c in tok.children)
    if tok.dep_ in ("xcomp", "conj") and tok.head is not tok and not own_subj:
        heads.append(tok.head)
    return heads


def _role(c: SpacyToken, own: bool) -> str | None:
    """The role of dependent c; objects and obliques count only on the trigger's own token."""
    dep = c.dep_
    case = next((x.lower_ for x in c.children if x.dep_ == "case"), "")
    if dep in ("nsubj", "csubj"):
        return "subj"
    if dep == "nsubj:pass":
        return "pass"
    if not own:
        return None
    if dep == "obj":
        return "obj"
    if dep in ("obl", "obl:agent", "nmod") and case == "oleh":
        return "agent"
    if dep in ("obl", "nmod") and case in DEP_RECIP_CASES:
        return "to"
    if dep in ("obl", "nmod") and case in ("dengan", "bersama"):
        return "with"
    return None


def _mention_of(cl: Clause, tok: SpacyToken) -> int | None:
    """The actor mention whose span holds the dependency argument `tok` (or its name parts)."""
    parts = [tok] + [
        c for c in tok.children if c.dep_ in NAME_DEPS and not any(x.dep_ == "case" for x in c.children)
    ]
    for t in parts:
        for k, m in enumerate(cl.ms):
            if m.ent.start <= t.idx < m.ent.end:
                return k
    return None


def _dep_ents(cl: Clause, tok: SpacyToken) -> list[Entity]:
    """Entities of an argument and of its conjuncts ("AS dan Inggris" -> both)."""
    out = []
    for t in [tok] + [c for c in tok.children if c.dep_ == "conj"]:
        k = _mention_of(cl, t)
        if k is not None:
            out.append(cl.ms[k].ent)
    return out
