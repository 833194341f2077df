"""The shipped event models and their thresholds in one ``.npz`` file: linear classifiers of triggers,
actors and recipients, two choice models ranking a trigger's candidates for each role, the article's
relevance and the second look at finished events."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from pantau.events.model.linear import LinearModel

MODEL_PATH = Path(__file__).resolve().parent / "data" / "events.npz"


@dataclass
class Models:
    trigger: LinearModel
    actor: LinearModel
    recipient: LinearModel
    trigger_threshold: float = 0.2
    recipient_threshold: float = 0.1
    relevance: LinearModel | None = None  # P(the article has a political event); None: code every article
    relevance_threshold: float = 0.1
    actor_choice: LinearModel | None = None  # ranks a trigger's candidates as its actor (raw scores)
    recipient_choice: LinearModel | None = None
    rerank: LinearModel | None = None  # P(a finished event is right); None: every event is kept
    rerank_threshold: float = 0.5
    info: dict = field(default_factory=dict)  # training data, method and cross-validated figures

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {**self.trigger.to_arrays("trigger"), **self.actor.to_arrays("actor"),
                  **self.recipient.to_arrays("recipient")}
        if self.relevance is not None:
            arrays.update(self.relevance.to_arrays("relevance"))
        for name in ("actor_choice", "recipient_choice", "rerank"):
            part = getattr(self, name)
            if part is not None:
                arrays.update(part.to_arrays(name))
        meta = {"trigger_threshold": self.trigger_threshold, "recipient_threshold": self.recipient_threshold,
                "relevance_threshold": self.relevance_threshold, "rerank_threshold": self.rerank_threshold,
                "info": self.info}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)


def read(path: Path) -> Models:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        def part(name: str) -> LinearModel | None:
            return LinearModel.from_arrays(z, name) if f"{name}.coef" in z.files else None

        return Models(LinearModel.from_arrays(z, "trigger"), LinearModel.from_arrays(z, "actor"),
                      LinearModel.from_arrays(z, "recipient"), meta["trigger_threshold"],
                      meta["recipient_threshold"], part("relevance"), meta.get("relevance_threshold", 0.1),
                      part("actor_choice"), part("recipient_choice"), part("rerank"),
                      meta.get("rerank_threshold", 0.5), meta.get("info", {}))


@lru_cache(maxsize=1)
def load() -> Models | None:
    """The shipped models, or None when none ships or ``PANTAU_EVENT_CODER=rules`` asks for the rules."""
    if os.environ.get("PANTAU_EVENT_CODER", "model") == "rules" or not MODEL_PATH.exists():
        return None
    return read(MODEL_PATH)
