"""Learned event coding: trained trigger and role classifiers over the parsed article.

- ``context``: what one article offers the features (mentions, quotes, rule votes, cues);
- ``features``: sparse features of trigger tokens and of (trigger, mention) pairs;
- ``triggers``: the token classifier (16 PLOVER types or none);
- ``arguments``: candidate mentions, the actor / recipient classifiers and the choice models ranking them;
- ``frames``: factuality from cue words;
- ``coder``: one article's events (dates, quotes, places and merging shared with the rules);
- ``rerank``: the second look at each finished event (its P(right) is the event's confidence);
- ``linear``, ``store``: the shipped weights (``data/events.npz``), trained by
  ``scripts/train_events.py`` (see ``MODEL_CARD.md``).
"""

from pantau.events.model.coder import code
from pantau.events.model.store import Models, load

__all__ = ["Models", "code", "load"]
