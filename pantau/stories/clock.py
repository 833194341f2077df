"""The news clock: a story's age counted in news, not calendar days (issue 24).

Why: time decay is about how much news has happened since, not about the calendar (TDT systems decay over
the last N stories, Allan, Papka & Lavrenko 1998). In a thin stream (one outlet, a sample: 7 articles a
day) a follow-up three days later has little in between; in a full stream (150 a day) a day is a day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any


def news_ages(day: date | None, day_counts: dict[date, int], cfg: dict[str, Any]
              ) -> Callable[[date | None], float]:
    """Age on ``day`` of a story last reported on a given day: calendar days, shortened where little news
    was published. Age = gap * min(1, max(``clock_min_fraction``, mean articles per day over the gap /
    ``clock_articles_per_day``)); the days counted are the story's last day up to yesterday. The floor
    keeps a day of a thin stream worth something."""
    ref = float(cfg["clock_articles_per_day"])
    memo: dict[date | None, float] = {}

    def age(last: date | None) -> float:
        if day is None or last is None:
            return 0.0
        if last not in memo:
            gap = (day - last).days
            if gap <= 0 or ref <= 0:
                memo[last] = float(max(gap, 0))
            else:
                vol = sum(day_counts.get(last + timedelta(days=k), 0) for k in range(gap)) / gap
                memo[last] = gap * min(1.0, max(cfg["clock_min_fraction"], vol / ref))
        return memo[last]

    return age


def is_thin(day: date | None, n_today: int, day_counts: dict[date, int], cfg: dict[str, Any]) -> bool:
    """Is the stream thin on ``day``: fewer than ``clock_articles_per_day`` articles that day (the news
    clock's measure)? A run that stops inside a day counts only the articles it has seen.

    Why two merge models: the hand-set score was set on full streams (150 articles a day, where stories
    of one conflict share most of their words and must be kept apart); the fitted model was fitted on a
    thin multi-outlet month (12 a day, where one event's follow-ups days later share few words). Each
    is used on the kind of stream it was made for (METHOD.md, issue 24)."""
    if day is None:  # undated articles: no time decay, clustered among themselves as before
        return False
    return n_today + day_counts.get(day, 0) < float(cfg["clock_articles_per_day"])
