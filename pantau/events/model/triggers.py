"""Event triggers from the trained token classifier: each content word gets a PLOVER type or none."""

from __future__ import annotations

from dataclasses import dataclass

from pantau.events.model.context import ArticleContext
from pantau.events.model.features import candidate_indices, trigger_features
from pantau.events.model.linear import LinearModel


@dataclass
class TriggerHit:
    tok: object  # the spaCy token
    type: str
    p: float  # the model's probability of that type


def detect(ctx: ArticleContext, model: LinearModel, threshold: float) -> list[TriggerHit]:
    """Tokens whose most likely event type (other than none, "O") reaches the threshold."""
    idx = candidate_indices(ctx)
    if not idx:
        return []
    probs = model.proba([trigger_features(ctx, i) for i in idx])
    none = model.classes.index("O")
    probs[:, none] = 0.0
    best = probs.argmax(axis=1)
    return [TriggerHit(ctx.doc[i], model.classes[k], float(probs[j, k]))
            for j, (i, k) in enumerate(zip(idx, best, strict=True)) if probs[j, k] >= threshold]
