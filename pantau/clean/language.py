"""Language of an article: Indonesian ("id"), Malay ("ms"), English ("en") or "other".

Why not one lingua call on the whole text: lingua 2.x judged a three-sentence
Indonesian paragraph Malay at 0.995 although each sentence alone came out
Indonesian, and a two-sentence Indonesian wire item ("Pada hari Senin, Rusia ...")
Malay. So we (1) restrict lingua to a few candidate languages (built once
per process), (2) let up to ``MAX_SENTENCES`` sampled sentences vote on the
family (Indonesian/Malay vs English vs other), and (3) choose between Indonesian
and Malay by counts of standard-specific words from ``language.yaml``, not by
lingua: Malay needs clear Malay markers (more for a known Indonesian outlet);
ties, short texts and texts without markers are Indonesian, the corpus language.
Text the Indonesian rules will not code gets flags that say so (:func:`flags_for`).
Lingua runs in low-accuracy mode on sentences: it is 2-3x faster and the vote
over several sentences makes up for it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pantau.clean.rules import load_yaml

DATA = Path(__file__).with_name("language.yaml")
MAX_SENTENCES = 3
MIN_SENTENCE_CHARS = 30
MAX_SENTENCE_CHARS = 160

_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(A-Z0-9])|\n+")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class _Model:
    detector: Any
    codes: dict[Any, str]
    id_words: frozenset[str]
    ms_words: frozenset[str]


@lru_cache(maxsize=1)
def _model() -> _Model:
    from lingua import Language, LanguageDetectorBuilder

    data = load_yaml(DATA.read_text(encoding="utf-8"))
    langs = [getattr(Language, name) for name in data["candidates"]]
    detector = (
        LanguageDetectorBuilder.from_languages(*langs)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )
    codes = {getattr(Language, k): v for k, v in data["codes"].items()}

    markers = data["markers"]
    return _Model(detector, codes, frozenset(markers["id"]), frozenset(markers["ms"]))


def _malay_rules() -> tuple[dict[str, float], str]:
    """The Malay thresholds and the not-coded flag template (YAML only: no lingua model is built)."""
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data["malay"].items()}, data["not_coded_flag"]


def is_malay(n_id: int, n_ms: int, indonesian_outlet: bool = False) -> bool:
    """Malay only on clear Malay markers; Indonesian is the default for ties, short and marker-less text."""
    rules, _ = _RULES
    if indonesian_outlet:
        return n_ms >= rules["min_markers_indonesian_outlet"] and n_ms > rules["outlet_ratio"] * n_id
    return n_ms >= rules["min_markers"] and n_ms > n_id


def flags_for(code: str | None) -> list[str]:
    """Article.flags for a detected language: none for Indonesian; otherwise why it is not coded."""
    if code in (None, "id"):
        return []
    return ["non_indonesian", _RULES[1].format(code=code)]


_RULES = _malay_rules()


def count_markers(text: str, words: frozenset[str]) -> int:
    """How many tokens (or two-word phrases) of text are in words."""
    tokens = _WORD.findall(text.lower())
    n = sum(1 for t in tokens if t in words)
    if any(" " in w for w in words):
        n += sum(1 for a, b in zip(tokens, tokens[1:], strict=False) if f"{a} {b}" in words)
    return n


def _cut(sentence: str) -> str:
    """At most MAX_SENTENCE_CHARS, cut at a word boundary (lingua's time grows with length)."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0]


def sample_sentences(text: str, k: int = MAX_SENTENCES) -> list[str]:
    """Up to k sentences spread evenly over the text (long enough to judge, not too long to be slow)."""
    sents = [s.strip() for s in _SENT_SPLIT.split(text[:5_000])]
    sents = [_cut(s) for s in sents if len(s) >= MIN_SENTENCE_CHARS]
    if len(sents) <= k:
        return sents
    step = len(sents) / k
    return [sents[int(i * step)] for i in range(k)]


def detect(text: str, indonesian_outlet: bool = False) -> tuple[str, float]:
    """(code, confidence) with code in id/ms/en/other; "und" with 0.0 for text with no letters."""
    if not re.search(r"[^\W\d_]", text):
        return "und", 0.0
    m = _model()
    sents = sample_sentences(text) or [text[:MAX_SENTENCE_CHARS]]
    sample = text[:4_000]
    n_id = count_markers(sample, m.id_words)
    n_ms = count_markers(sample, m.ms_words)
    clearly_id = n_id >= 3 and n_ms == 0
    votes: Counter[str] = Counter()
    tops: list[tuple[str, float]] = []
    for s in sents:
        values = m.detector.compute_language_confidence_values(s)
        if not values:
            continue
        top = (m.codes.get(values[0].language, "other"), values[0].value)
        votes[top[0]] += top[1]
        tops.append(top)
        # Stop early when the evidence is already plain (saves lingua calls, the main cost):
        # one confident Indonesian sentence in a text full of Indonesian-only words,
        # or two confident sentences that agree.
        if len(tops) == 1 and clearly_id and top[0] == "id" and top[1] >= 0.9:
            break
        if len(tops) == 2 and tops[0][0] == tops[1][0] and min(tops[0][1], tops[1][1]) >= 0.8:
            break
    if indonesian_outlet:  # a known Indonesian outlet counts as one confident Indonesian sentence
        votes["id"] += 1.0
    total = sum(votes.values()) or 1.0
    family = (votes["id"] + votes["ms"]) / total
    if family >= 0.5:
        # Indonesian or Malay: the markers decide (lingua confuses the two); the confidence also
        # weighs lingua's vote and the outlet, and is at least 0.5 of the family share.
        code = "ms" if is_malay(n_id, n_ms, indonesian_outlet) else "id"
        score_id = votes["id"] + 0.5 * n_id + (1.5 if indonesian_outlet else 0.0)
        score_ms = votes["ms"] + 0.5 * n_ms
        share = (score_id if code == "id" else score_ms) / ((score_id + score_ms) or 1.0)
        return code, round(family * max(share, 0.5), 3)
    best, value = max(votes.items(), key=lambda kv: kv[1])
    return best, round(value / total, 3)
