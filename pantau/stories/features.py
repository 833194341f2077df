"""Features of the story merge decision: root lemmas, KB-normalised names, and the calibrated model.

Why: two outlets word one event differently ("pembakaran" / "membakar" / "pembakar"; "Korut" /
"Korea Utara"; "Kim Jong-un" / "Kim Jong Un"), so the decision whether an article joins a story
compares root lemmas (``pantau.nlp.morph``) and names normalised through the actor knowledge base,
plus the resolved places of the gazetteer. The decision itself is a logistic model over a few
article-story features (``merge_model.yaml``: coefficients fitted and threshold chosen by
cross-validation over the hand-clustered dev month, ``scripts/eval_stories_dev.py``), so each merge
has a probability and a reason: the contribution of every feature.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

# Order of the columns of the feature matrix (merge_model.yaml names them the same way).
FEATURES = (
    "cent_words",      # cosine of the article's and the story centroid's root-lemma TF-IDF
    "member_words",    # best cosine with one member (root lemmas)
    "cent_names",      # cosine of names / KB actors / places with the centroid's
    "member_names",    # best names cosine with one member
    "rare_names",      # log(1 + number of shared names that are rare: decayed df <= rare_name_df)
    "member_title",    # best cosine of the headlines' root lemmas with one member's headline
    "age",             # days since the story's last article, on the news clock
    "span",            # calendar days since the story's first article (long chains drift off the event)
    "size",            # log(1 + articles in the story): big stories attract everything of their theme
    "country_conflict",  # both sides name countries and none is shared
    "same_outlet",     # the article's (independent) outlet already reports the story
    "actor_jaccard",   # Jaccard of the article's actor codes (entities) and the story's main codes
    "cross_names",     # member_names when the article's outlet does not report the story yet (issue 24:
                       # another outlet words the event differently, but names the same people and places)
    "cross_rare",      # rare_names, likewise only across outlets
)


@lru_cache(maxsize=5_000)
def lemma(word: str) -> str:
    """Root of a lower-case content word ("pembakaran" -> "bakar"); unknown words stay as they are.

    Why not ``morph.root`` directly: for a word with no dictionary decomposition (names, foreign
    words: most of a news vocabulary) it asks PySastrawi, which is slow on new words and, for
    stories, cannot help (a name has no root); so only words with a dictionary analysis are reduced.
    """
    try:
        from pantau.nlp import morph
    except ImportError:  # the NLP layer is optional: surface forms then
        return word
    if len(word) < 5 or morph.in_lexicon(word):
        return word
    if not morph._candidates(word):  # noqa: SLF001 - cheap dictionary check, no Sastrawi call
        return word
    return morph.root(word)


def lemmas(toks: list[str]) -> list[str]:
    """Root lemmas of content words."""
    return [lemma(w) for w in toks]


_SPLIT = re.compile(r"[\s\-‐–_.,'’]+")


def _key(text: str) -> str:
    return " ".join(t for t in _SPLIT.split(text.lower()) if t)


@lru_cache(maxsize=1)
def _kb_aliases() -> dict[str, str]:
    """Lower-case alias (tokens joined by a space) -> a KB key: a state's code, else the entry name."""
    try:
        from pantau.actors.kb import load_kb_cached
    except ImportError:
        return {}
    out: dict[str, str] = {}
    for e in load_kb_cached().entries:
        state = e.kind in ("country", "metonym", "region")
        key = "kb:" + (e.code if state else _key(e.name).replace(" ", "_"))
        for a in e.aliases:
            k = _key(a)
            if len(k) >= 3:  # "AS" (the USA) is too ambiguous lower-cased
                out.setdefault(k, key)
    return out


def kb_names(found: list[str]) -> list[str]:
    """Names of a text normalised through the actor KB: a name run known to the KB becomes its KB key
    ("korut" and "korea_utara" -> "kb:PRK"); other names stay. Why: one actor, one feature, however
    each outlet spells it."""
    return [_kb_name(n) for n in found]


@lru_cache(maxsize=5_000)
def _kb_name(name: str) -> str:
    """One name's KB key, else the name (cached: the same names recur across articles)."""
    return _kb_aliases().get(_key(name)) or name


@dataclass(frozen=True)
class MergeModel:
    """Logistic merge decision: P(article belongs to story) = sigmoid(intercept + coef . features)."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    @staticmethod
    def from_dict(d: dict[str, Any]) -> MergeModel:
        feats = d["features"]
        # a feature the file does not list has weight 0 (model files written before it was added)
        feats = {f: feats.get(f) or {"coef": 0.0} for f in FEATURES}
        return MergeModel(
            coef=tuple(float(feats[f]["coef"]) for f in FEATURES),
            intercept=float(d["intercept"]),
            threshold=float(d["threshold"]),
            mean=tuple(float(feats[f].get("mean", 0.0)) for f in FEATURES),
            scale=tuple(float(feats[f].get("scale", 1.0)) for f in FEATURES),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": round(float(self.intercept), 4),
            "threshold": round(float(self.threshold), 3),
            "features": {f: {"coef": round(float(c), 4), "mean": round(float(m), 4),
                             "scale": round(float(s), 4)}
                         for f, c, m, s in zip(FEATURES, self.coef, self.mean, self.scale, strict=True)},
        }

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Log-odds of rows of features (columns in FEATURES order)."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return self.intercept + z @ np.asarray(self.coef)

    def prob(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

    def reason(self, row: np.ndarray) -> dict[str, Any]:
        """Why: each feature's value and its contribution to the log-odds, the probability."""
        z = (row - np.asarray(self.mean)) / np.asarray(self.scale)
        contrib = z * np.asarray(self.coef)
        logit = self.intercept + float(contrib.sum())
        return {
            "p": round(1.0 / (1.0 + math.exp(-logit)), 3),
            "features": {f: round(float(v), 3) for f, v in zip(FEATURES, row, strict=True)},
            "contributions": {f: round(float(c), 3) for f, c in zip(FEATURES, contrib, strict=True)},
        }


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class EitherModel:
    """Join when any of several merge models would: the margin of a candidate is the largest of each
    model's log-odds minus the log-odds of its own threshold, and it joins when that margin is >= 0.

    Why (issue 24): the hand-set score was set on full news streams (150 articles a day, where stories of
    one conflict share most of their words) and keeps them apart; the fitted model was fitted on a thin,
    multi-outlet month, where follow-ups days later share fewer words. Each is precise on its own kind of
    stream; their union keeps the joins of both (its figures: METHOD.md)."""

    models: tuple[MergeModel, ...]
    names: tuple[str, ...]
    threshold: float = 0.5

    def logits(self, x: np.ndarray) -> np.ndarray:
        return np.max([m.logits(x) - _logit(m.threshold) for m in self.models], axis=0)

    def prob(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

    def reason(self, row: np.ndarray) -> dict[str, Any]:
        """The reason of the model with the largest margin, named, with its own threshold."""
        margins = [float(m.logits(row[None, :])[0]) - _logit(m.threshold) for m in self.models]
        k = int(np.argmax(margins))
        out = self.models[k].reason(row)
        out["model"], out["threshold"] = self.names[k], self.models[k].threshold
        return out


def load_model(name: str) -> MergeModel:
    """One model file (a file of this package, or a path)."""
    raw = yaml.safe_load(resources.files("pantau.stories").joinpath(name).read_text("utf-8"))
    return MergeModel.from_dict(raw)


@lru_cache(maxsize=4)
def _cached(names: tuple[str, ...]) -> MergeModel | EitherModel:
    if len(names) == 1:
        return load_model(names[0])
    return EitherModel(tuple(load_model(n) for n in names), names)


def merge_model(name: str | list[str] | None = None) -> MergeModel | EitherModel:
    """The merge decision in use: ``name``, else escalation.yaml ``clustering.merge_model``: a model file
    of this package (merge_score.yaml: the hand-set score; merge_model.yaml: fitted on the dev month) or a
    list of them (:class:`EitherModel`: an article joins when any of them would)."""
    if name is None:
        from pantau.stories.common import config

        name = config()["clustering"].get("merge_model", "merge_model.yaml")
    return _cached((name,) if isinstance(name, str) else tuple(name))
