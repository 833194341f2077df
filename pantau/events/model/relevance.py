"""Political relevance of an article: is there anything here for the event coder to code?

About one article in four on an international desk has no political event (sport, markets, gadgets,
disasters, private crime), and the trigger model still finds "attacks" in a football match. A linear
classifier over the article's words (a bag of body and title words, no NLP needed) gives
P(political event); below the shipped threshold the article's events are not coded and the output says
so (``not_coded:relevance``). Trained by ``scripts/train_events.py`` on ``train.jsonl`` (an article is
positive when it has a required event) plus articles of non-news sections of the corpus as weak
negatives (``relevance.yaml``).
"""

from __future__ import annotations

import re

from pantau.events.model.linear import LinearModel
from pantau.records import Article

WORD = re.compile(r"[a-z]{3,}")
NOT_CODED_FLAG = "not_coded:relevance={score:.2f}"


def features(article: Article) -> dict[str, float]:
    """Binary body ("w=") and title ("t=") words, scaled so long and short articles weigh alike."""
    # sorted: the score's sum runs in one order whatever the hash seed, so reruns agree to the last digit
    f = {"w=" + w: 1.0 for w in sorted(set(WORD.findall(article.text.lower())))}
    f.update({"t=" + w: 1.0 for w in sorted(set(WORD.findall((article.title or "").lower())))})
    scale = max(1, len(f)) ** -0.5
    return {k: v * scale for k, v in f.items()}


def score(article: Article, model: LinearModel) -> float:
    """P(the article reports a political event)."""
    return round(float(model.proba([features(article)])[0, 1]), 4)
