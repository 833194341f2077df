"""Event triggers from the trained token classifier: each content word gets a PLOVER type or none."""

from __future__ import annotations

from dataclasses import dataclass

from pantau.events.model.context import ArticleContext
from pantau.events.model.features import candidate_tokens, trigger_features
from pantau.events.model.linear import LinearModel


@dataclass
class TriggerHit:
    tok: object  # the spaCy token
    type: str
    p: float  # the model's probability of that type


def detect(ctx: ArticleContext, model: LinearModel, threshold: float) -> list[TriggerHit]:
    """Tokens whose most likely event type (other than none, "O") reaches the threshold."""
    toks = list(candidate_tokens(ctx))
    if not toks:
        return []
    probs = model.proba([trigger_features(ctx, t) for t in toks])
    none = model.classes.index("O")
    probs[:, none] = 0.0
    best = probs.argmax(axis=1)
    return [TriggerHit(t, model.classes[k], float(probs[i, k]))
            for i, (t, k) in enumerate(zip(toks, best, strict=True)) if probs[i, k] >= threshold]
