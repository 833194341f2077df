"""Factuality of a model-coded event from cue words around its trigger (lexicon.yaml ``factuality``).

The trigger model already learned to skip most hypothetical and negated mentions (gold codes none);
these rules label the ones it keeps so that analysts and the scorer can set them apart:
- a conditional ("jika", "apabila") before the trigger: hypothetical, except for threats, whose
  content is conditional by nature;
- a negator right before it or among its dependents: negated, except for the verbal-conflict types
  whose trigger often carries the negation ("tidak setuju" is a refusal, "tak becus" an accusation);
- a future cue ("akan", "berencana"): future.
"""

from __future__ import annotations

from pantau.events.model.context import ArticleContext

NEGATION_IS_THE_ACT = {"REJECT", "ACCUSE", "REQUEST", "THREATEN"}


def factuality(ctx: ArticleContext, tok, etype: str) -> tuple[str, list[str]]:
    """(factuality, the cue classes that decided it)."""
    cues = ctx.factuality_cues(tok.i)
    if "conditional" in cues and etype != "THREATEN":
        return "hypothetical", ["conditional"]
    if "negation" in cues and etype not in NEGATION_IS_THE_ACT:
        return "negated", ["negation"]
    if "future" in cues:
        return "future", ["future"]
    return "asserted", []
