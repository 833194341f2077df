"""Consistency checks of event dates against the article's publication date.

Why: news reports what has happened, so an *asserted* event dated after its own article's publication
is a resolution error (a weekday or a day/month resolved into the wrong week or year) or an announced
event whose future wording the coder missed. Such dates produced false alerts in the stories stage.

Rule (:func:`check_event_dates`), for each asserted event whose date lies after the publication date,
compared at the event's precision (a week after the publication's week, a month after its month, ...):

* a future cue ("akan", "dijadwalkan", ...; ``future_cues`` in ``data/calendar.yaml``) in the event's
  evidence, or just before it in the same clause of the article text: the event is an announced one, so
  ``factuality`` becomes ``future`` and the date is kept;
* otherwise the date cannot be right: ``date`` and ``date_precision`` become null (EVENTS.md §4: null
  where the article gives no usable time) and the event is kept.

Either way ``pattern`` records why. Events that are not asserted, undated events and articles without a
usable publication date are left alone (nothing to compare with). Inputs are not modified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from pantau.dates import _CAL, FUTURE_CUE, _future_cue, monday
from pantau.dates.published import normalise_published
from pantau.records import Event

TOLERANCE = dt.timedelta(days=int(_CAL.get("after_publication_days", 0)))


def _publication_day(published: str | None) -> dt.date | None:
    try:
        got = normalise_published(published)
    except ValueError:
        return None
    return dt.date.fromisoformat(got[:10]) if got else None


def is_after(date: str, precision: str | None, published: dt.date) -> bool:
    """Whether an event date (at its precision) lies after the publication day."""
    d = dt.date.fromisoformat(date[:10])
    limit = published + TOLERANCE
    if precision == "week":
        return monday(d) > monday(limit)
    if precision == "month":
        return (d.year, d.month) > (limit.year, limit.month)
    if precision == "year":
        return d.year > limit.year
    return d > limit


def _has_future_cue(ev: Event, text: str | None) -> bool:
    if any(FUTURE_CUE.search(s.text or "") for s in ev.evidence):
        return True
    if text and ev.evidence:
        first = min(ev.evidence, key=lambda s: s.start)
        return _future_cue(text, first.start)
    return False


def check_event_dates(events: list[Event], published: str | None, text: str | None = None) -> list[Event]:
    """The events with no asserted event dated after publication (see module docstring).

    ``published`` is the article's publication value (``Article.published``); ``text`` the article text,
    used to look for a future cue just before the evidence.
    """
    pub = _publication_day(published)
    if pub is None:
        return list(events)
    out: list[Event] = []
    for ev in events:
        if ev.factuality != "asserted" or not ev.date:
            out.append(ev)
            continue
        try:
            after = is_after(ev.date, ev.date_precision, pub)
        except ValueError:  # not an ISO date: not ours to judge here (the schema check reports it)
            after = False
        if not after:
            out.append(ev)
        elif _has_future_cue(ev, text):
            note = f"; dated {ev.date} after publication {pub} with a future cue: future"
            out.append(replace(ev, factuality="future", pattern=ev.pattern + note))
        else:
            note = f"; date {ev.date} after publication {pub} dropped"
            out.append(replace(ev, date=None, date_precision=None, pattern=ev.pattern + note))
    return out


__all__ = ["check_event_dates", "is_after"]
