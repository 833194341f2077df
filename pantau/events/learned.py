"""Learned filter over rule-coded events (issue #5 item 7).

Why: the rule coder has higher precision than recall; a small classifier on features of its own
output (event type, pattern trace, confidence, factuality, actor codes...) could drop the events
it gets wrong.  It is only used when a model file is shipped in ``pantau/events/models/`` and
``PANTAU_EVENT_FILTER`` is not ``0``; ``scripts/train_event_filter.py`` trains and evaluates it by
cross-validation grouped by article and ships it only when the gain is real.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).resolve().parent / "models" / "event_filter.pkl"
HEDGES = ("akan", "bisa", "dapat", "mungkin", "jika", "kalau", "apabila", "rencana", "berencana",
          "ingin", "harus", "perlu", "diduga", "dikabarkan", "disebut", "potensi", "ancaman")
_WORD = re.compile(r"[a-z]+")


def _codes(entities: list[dict[str, Any]] | None) -> list[str]:
    return [str(e.get("code") or "") for e in entities or [] if isinstance(e, dict)]


def features(event: dict[str, Any]) -> dict[str, float]:
    """Sparse features of one event given as its output dict (``dataclasses.asdict`` of an Event)."""
    f: dict[str, float] = {"bias": 1.0}
    f[f"type={event.get('type')}"] = 1.0
    f[f"fact={event.get('factuality')}"] = 1.0
    f[f"mode={event.get('mode')}"] = 1.0
    f["confidence"] = float(event.get("confidence") or 0.0)
    pattern = str(event.get("pattern") or "")
    f["n_alternatives"] = float(pattern.count(" | "))
    for tok in set(re.findall(r"[a-z_>\-]+", pattern.lower())):
        f[f"pat:{tok}"] = 1.0
    m = re.match(r"lexicon:([^/\s]+)", pattern)
    if m:
        f[f"lex={m.group(1)}"] = 1.0
    actors, recips = _codes(event.get("actor")), _codes(event.get("recipient"))
    f["actor_unk"] = float(not actors or any(c in ("", "UNK") for c in actors))
    f["n_actor"] = float(len(actors))
    f["no_recipient"] = float(not recips)
    f["recipient_unk"] = float(any(c in ("", "UNK") for c in recips))
    f["self_dyad"] = float(bool(set(actors) & set(recips)))
    f["quote"] = float(bool(event.get("quote")))
    f["has_date"] = float(bool(event.get("date")))
    f["has_location"] = float(bool(event.get("location")))
    f["n_context"] = float(len(event.get("context") or []))
    evidence = event.get("evidence") or []
    f["n_evidence"] = float(len(evidence))
    text = " ".join(str(s.get("text") or "") for s in evidence if isinstance(s, dict)).lower()
    f["evidence_len"] = len(text) / 200.0
    words = set(_WORD.findall(text))
    for h in HEDGES:
        if h in words:
            f[f"hedge={h}"] = 1.0
    return f


@lru_cache(maxsize=1)
def load_model() -> dict[str, Any] | None:
    """The shipped model ({"vectorizer", "classifier", "threshold"}), or None when none is shipped."""
    if not MODEL_PATH.exists():
        return None
    with MODEL_PATH.open("rb") as fh:
        return pickle.load(fh)  # noqa: S301 - our own file shipped in the package


def enabled() -> bool:
    """The filter runs when a model is shipped and PANTAU_EVENT_FILTER is not set to 0."""
    return os.environ.get("PANTAU_EVENT_FILTER", "1") != "0" and load_model() is not None


def scores(events: list[dict[str, Any]], model: dict[str, Any]) -> list[float]:
    """Probability that each event is correct."""
    if not events:
        return []
    x = model["vectorizer"].transform([features(e) for e in events])
    return [float(p) for p in model["classifier"].predict_proba(x)[:, 1]]


def apply(events: list, article: Any = None) -> list:
    """Drop rule events the shipped classifier scores below its threshold (no-op without a model)."""
    if not events or not enabled():
        return events
    model = load_model()
    assert model is not None
    probs = scores([dataclasses.asdict(e) for e in events], model)
    return [e for e, p in zip(events, probs, strict=True) if p >= model["threshold"]]
