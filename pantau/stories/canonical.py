"""Event de-duplication: the same real-world event reported by several articles -> one canonical event.

Two event records (from different articles) are the same event when all hold:
- same PLOVER type;
- compatible dyad: the actor code sets intersect (codes that cannot be told, UNK, never match)
  and the recipient code sets intersect or one of them is empty;
- compatible date: both dates known and equal within the coarser precision (day: same day,
  week: at most 6 days apart, month: same month, year: same year) and the same place or the
  same story, or both dated to the same day with actors and recipients both shared and no two different
  places named (the full dyad: the same event reported by outlets whose articles fell into different
  stories); or a date is
  missing and both articles are in the same story.
Two records from one article are never merged (the extractor already decided they differ).
Only factuality asserted / future counts; others are recorded as skipped.

Sources are independent outlets: a syndicated copy counts as its original's outlet.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pantau.stories import db
from pantau.stories.common import config

_PREC = {"day": 0, "week": 1, "month": 2, "year": 3}


def intensity(etype: str | None, mode: str | None) -> float:
    """PLOVER intensity of a type (and mode) from escalation.yaml."""
    cfg = config()
    by_mode = (cfg.get("intensity_by_mode") or {}).get(etype or "", {})
    if mode and mode in by_mode:
        return float(by_mode[mode])
    return float((cfg["intensity"] or {}).get(etype or "", 0.0))


def is_cbrn(context: list[str] | None, mode: str | None) -> bool:
    cfg = config()
    return bool(set(context or []) & set(cfg["cbrn_contexts"])) or (mode in set(cfg["cbrn_modes"]))


def source_weight(n_sources: int) -> float:
    """Diminishing returns: 1 + log2(n) (1 source 1, 2 sources 2, 4 sources 3)."""
    return 1.0 + math.log2(max(1, n_sources))


def dates_compatible(d1: date | None, p1: str | None, d2: date | None, p2: str | None) -> bool | None:
    """True/False when both dates are known, None when either is missing."""
    if d1 is None or d2 is None:
        return None
    prec = max(_PREC.get(p1 or "day", 0), _PREC.get(p2 or "day", 0))
    if prec == 0:
        return d1 == d2
    if prec == 1:
        return abs((d1 - d2).days) <= 6
    if prec == 2:
        return (d1.year, d1.month) == (d2.year, d2.month)
    return d1.year == d2.year


def _codes(xs: list[str] | None) -> set[str]:
    return {c for c in xs or [] if c and c != "UNK"}


def _place(loc: Any) -> str | None:
    if not loc:
        return None
    if isinstance(loc, str):
        try:
            loc = json.loads(loc)
        except ValueError:
            return loc.strip().lower() or None
    if isinstance(loc, dict):
        name = loc.get("name") or loc.get("text")
        return name.strip() if isinstance(name, str) and name.strip() else None
    return None


@dataclass
class Canon:
    """A canonical event while it is being built."""

    id: str
    type: str
    mode: str | None
    actors: set[str]
    recipients: set[str]
    date: date | None
    precision: str | None
    location: str | None
    story_id: str | None
    cbrn: bool
    first_evidence: str | None
    report_day: date | None
    articles: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    stories: set[str] = field(default_factory=set)
    n_mentions: int = 0
    changed: bool = False

    @property
    def day(self) -> date | None:
        """The day it counts on in the index: its own date when known to the day, else first report."""
        if self.date is not None and (self.precision or "day") == "day":
            return self.date
        return self.report_day or self.date

    def row(self) -> tuple:
        sources = sorted(self.sources)
        return (
            self.id, self.type, self.mode, sorted(self.actors), sorted(self.recipients), self.date,
            self.precision, self.location, self.story_id, self.n_mentions, len(sources), sources, self.cbrn,
            intensity(self.type, self.mode), self.first_evidence, self.day,
        )


def matches(c: Canon, ev: dict[str, Any]) -> bool:
    """Is event record ``ev`` a mention of canonical event ``c``? (rules in the module docstring)"""
    if ev["type"] != c.type or ev["article_id"] in c.articles:
        return False
    if not (ev["actors"] & c.actors):
        return False
    if ev["recipients"] and c.recipients and not (ev["recipients"] & c.recipients):
        return False
    same_story = ev["story_id"] is not None and ev["story_id"] in c.stories
    comp = dates_compatible(c.date, c.precision, ev["date"], ev["date_precision"])
    if comp is None:
        return same_story
    if not comp:
        return False
    same_place = ev["location"] is not None and c.location is not None and \
        ev["location"].lower() == c.location.lower()
    return same_place or same_story or _same_dyad_day(c, ev)


def _same_dyad_day(c: Canon, ev: dict[str, Any]) -> bool:
    """Across outlets and stories: the same type, on the same day (both dates to the day), with both
    sides named, different and shared (actors and recipients intersect; not a state acting on itself,
    which on one day covers many unrelated domestic events). Why: two outlets word one strike or one
    meeting differently, so their articles may land in different stories, and one may name no place;
    the full dyad on one day is the event's identity unless both name places and they differ (a war
    has many strikes a day, one per named place)."""
    if (c.precision or "day") != "day" or (ev["date_precision"] or "day") != "day":
        return False
    if ev["location"] and c.location and ev["location"].lower() != c.location.lower():
        return False
    if not (ev["actors"] - ev["recipients"]) or not (ev["recipients"] - ev["actors"]):
        return False  # a state acting on itself (IDN > IDN: police, courts, ministries) is no identity
    return bool(ev["recipients"] and c.recipients and ev["recipients"] & c.recipients
                and ev["date"] == c.date)


class _Blocks:
    """Blocking index so that an event is compared only with canonical events it could match.

    Why: comparing every event with every canonical event of its type was quadratic (a first build of
    100k events ran for over 15 minutes). ``matches`` needs the same type and either the same story, or
    compatible dates (at most a year apart) and the same place; so the candidates are the canonical
    events of the type in one of the event's stories, plus those at the event's place dated in its year
    or a neighbouring one. Keys only ever get added (a canonical event's stories, place or date can
    change when it absorbs a mention); stale keys are harmless because ``matches`` decides.
    """

    def __init__(self) -> None:
        self.by_story: dict[tuple[str, str], dict[str, Canon]] = {}
        self.by_place: dict[tuple[str, str, int], dict[str, Canon]] = {}
        self.by_day: dict[tuple[str, date], dict[str, Canon]] = {}

    def add(self, c: Canon) -> None:
        for sid in c.stories:
            self.by_story.setdefault((c.type, sid), {})[c.id] = c
        if c.location is not None and c.date is not None:
            self.by_place.setdefault((c.type, c.location.lower(), c.date.year), {})[c.id] = c
        if c.date is not None and (c.precision or "day") == "day":
            self.by_day.setdefault((c.type, c.date), {})[c.id] = c

    def candidates(self, e: dict[str, Any]) -> list[Canon]:
        found: dict[str, Canon] = {}
        if e["story_id"] is not None:
            found.update(self.by_story.get((e["type"], e["story_id"]), {}))
        if e["location"] is not None and e["date"] is not None:
            place, year = e["location"].lower(), e["date"].year
            for y in (year - 1, year, year + 1):
                found.update(self.by_place.get((e["type"], place, y), {}))
        if e["date"] is not None:
            found.update(self.by_day.get((e["type"], e["date"]), {}))
        return list(found.values())


def _new_id(event_id: str) -> str:
    return "ce-" + hashlib.sha1(event_id.encode()).hexdigest()[:16]


# Articles with event records not handled yet: no marker, or stored again since it was set (the store
# replaces an article's event records with the article, and the article gets a new ingested_at).
_TODO = """SELECT a.id, a.published_date AS pd, a.published AS pub, a.ingested_at AS ing
           FROM articles a LEFT JOIN story_event_articles m ON m.article_id = a.id
           WHERE m.article_id IS NULL OR m.ingested_at IS DISTINCT FROM a.ingested_at"""


def _pending(con: Any, limit: int | None = None) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """Event records not attached or skipped yet, in report order (at most ``limit``), and the unmarked
    articles that have none (id, ingested_at: to be marked as they are).

    Why the article markers (``story_event_articles``): the records to look at are those of the articles
    without one, i.e. the new articles; before, every record of the store was checked against the mention
    and skip tables on each update (0.4 s CPU a call on a million records). Records whose article is not
    in the store (no outlet, no date: not a report) are left alone.
    Why two steps: the first picks the ``limit`` records by their article's date alone; the joins for
    the story, the outlet and the original of a copy are then done for those records only (on a store
    with a million pending records, the joins over all of them cost more than the ordering).
    Why the markers are written from these lists, not from a query at write time: an article stored
    meanwhile (by another cursor) must not be marked before its records are read."""
    if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM ({_TODO}) LIMIT 1)").fetchone()[0]:
        return [], []
    open_records = """SELECT e.id, e.article_id AS aid, t.pd, t.pub, t.ing
               FROM events e JOIN todo t ON t.id = e.article_id
               WHERE e.id NOT IN (SELECT event_id FROM event_mentions
                                  WHERE article_id IN (SELECT id FROM todo))
                 AND e.id NOT IN (SELECT event_id FROM story_skipped_events
                                  WHERE article_id IN (SELECT id FROM todo))"""
    rows = con.execute(
        f"""WITH todo AS ({_TODO}),
           p AS ({open_records}
               ORDER BY pd NULLS LAST, pub NULLS LAST, aid, e.id
               LIMIT ?)
           SELECT e.id, e.article_id, e.type, e.mode, e.context, e.actor_codes, e.recipient_codes, e.date,
                  e.date_precision, CAST(e.location AS VARCHAR), e.factuality, CAST(e.evidence AS VARCHAR),
                  p.pd, sa.story_id, COALESCE(o.outlet, a.outlet), p.ing
           FROM p JOIN events e ON e.id = p.id
           LEFT JOIN articles a ON a.id = p.aid
           LEFT JOIN story_articles sa ON sa.article_id = p.aid
           LEFT JOIN duplicates d ON d.article_id = p.aid
           LEFT JOIN articles o ON o.id = d.original_id
           ORDER BY p.pd NULLS LAST, p.pub NULLS LAST, p.aid, p.id""",
        [limit],
    ).fetchall()
    settled: list[tuple[str, Any]] = []
    if limit is None or len(rows) < limit:  # the last chunk: the unmarked articles left without a record
        settled = con.execute(
            f"""WITH todo AS ({_TODO}), p AS ({open_records})
                SELECT t.id, t.ing FROM todo t WHERE t.id NOT IN (SELECT aid FROM p)"""
        ).fetchall()
    out = []
    for (eid, aid, etype, mode, ctx, acts, recs, d, prec, loc, fact, evid, pub, sid, outlet, ing) in rows:
        first = None
        if evid:
            try:
                spans = json.loads(evid)
                first = spans[0].get("text") if spans else None
            except (ValueError, AttributeError, IndexError):
                first = None
        out.append({
            "id": eid, "article_id": aid, "type": etype, "mode": mode, "context": list(ctx or []),
            "actors": _codes(acts), "recipients": _codes(recs), "date": d, "date_precision": prec,
            "location": _place(loc), "factuality": fact or "asserted", "evidence": first,
            "published_date": pub, "story_id": sid, "outlet": outlet or "", "ingested_at": ing,
        })
    return out, settled


def _load(con: Any, lo: date | None, hi: date | None, stories: list[str],
          places: list[str] | None = None) -> dict[str, Canon]:
    """Existing canonical events that new records could join: those of the same stories, those within
    a week of the new records' dates (same-day matches across outlets, week precision), and those at
    one of the new records' places within a year either side (month / year precision by place).

    Why not every event within +-400 days: on a full store that read most of the table for each chunk,
    while a place match is the only way an event a year away can still be matched."""
    near_lo = lo - timedelta(days=7) if lo else None
    near_hi = hi + timedelta(days=7) if hi else None
    far_lo = lo - timedelta(days=400) if lo else None
    far_hi = hi + timedelta(days=400) if hi else None
    rows = con.execute(
        """SELECT id, type, mode, actor_codes, recipient_codes, date, date_precision, location_name, story_id,
                  n_mentions, sources, cbrn, first_evidence, day
           FROM canonical_events
           WHERE (day BETWEEN ? AND ?)
              OR (lower(location_name) IN (SELECT unnest(?)) AND day BETWEEN ? AND ?)
              OR story_id IN (SELECT unnest(?))
              OR id IN (SELECT m.canonical_id FROM event_mentions m JOIN story_articles s
                        ON s.article_id = m.article_id WHERE s.story_id IN (SELECT unnest(?)))""",
        [near_lo, near_hi, places or [], far_lo, far_hi, stories, stories],
    ).fetchall()
    out: dict[str, Canon] = {}
    for (cid, t, mode, acts, recs, d, prec, loc, sid, n, sources, cbrn, fe, day) in rows:
        c = Canon(cid, t, mode, set(acts or []), set(recs or []), d, prec, loc, sid, bool(cbrn), fe, day)
        c.n_mentions, c.sources = n or 0, set(sources or [])
        out[cid] = c
    if out:
        for cid, aid, sid in con.execute(
            """SELECT m.canonical_id, m.article_id, s.story_id FROM event_mentions m
               LEFT JOIN story_articles s ON s.article_id = m.article_id
               WHERE m.canonical_id IN (SELECT unnest(?))""",
            [list(out)],
        ).fetchall():
            out[cid].articles.add(aid)
            if sid:
                out[cid].stories.add(sid)
    for c in out.values():
        if c.story_id:
            c.stories.add(c.story_id)
        if c.report_day is None:
            c.report_day = c.day
    return out


def update(con: Any, *, chunk: int = 20_000, should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Attach every new event record to a canonical event (existing or new), ``chunk`` records at a time
    in report order, each chunk written in its own transaction like an incremental run.

    Why chunks: a store with a million pending records was read into memory at once (minutes, and the
    API's reads starved). ``should_stop`` is asked between chunks and, every ``_STOP_EVERY`` records,
    inside one: the records matched so far are written like a smaller chunk and the rest stay pending.
    With ``should_stop`` the chunks start at ``_FIRST_CHUNK`` records and double while it lets them go on:
    a time-boxed slice (the watcher's, the API ingest worker's) stops near its budget even when a
    backlog is pending (before, its first chunk of 20k records read and matched for 2-9 s while holding
    the write lock), and a long catch-up still reaches full chunks. The result says ``partial`` when it
    stopped with records left (the next run continues)."""
    total: dict[str, Any] = {"events": 0, "events_skipped": 0, "canonical_new": 0, "canonical_updated": 0,
                             "days": set()}
    size = chunk if should_stop is None else min(chunk, _FIRST_CHUNK)
    while True:
        res = _update_chunk(con, size, should_stop)
        for k in ("events", "events_skipped", "canonical_new", "canonical_updated"):
            total[k] += res[k]
        total["days"] |= res["days"]
        if res.get("stopped"):
            total["partial"] = True
            return total
        if res["events"] < size:
            return total
        if should_stop is not None and should_stop():
            total["partial"] = True
            return total
        size = min(chunk, 2 * size)


_STOP_EVERY = 500  # records matched between two should_stop questions inside a chunk
_FIRST_CHUNK = 250  # records of a bounded run's first chunk (doubling up to ``chunk``)


def _update_chunk(con: Any, chunk: int, should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    pend, settled = _pending(con, chunk)
    counted = set(config()["count_factuality"])
    counts = [e for e in pend if e["factuality"] in counted and e["type"]]
    res: dict[str, Any] = {"events": 0, "events_skipped": 0, "canonical_new": 0,
                           "canonical_updated": 0, "days": set()}
    if not pend:  # articles without records (or whose records are all handled): nothing left to do for them
        if settled:
            db.transaction(con, lambda _safe: db.write(con, "story_event_articles", settled, replace=True))
        return res
    days = [e["date"] or e["published_date"] for e in counts if (e["date"] or e["published_date"])]
    lo = min(days) if days else None
    hi = max(days) if days else None
    stories = sorted({e["story_id"] for e in counts if e["story_id"]})
    places = sorted({e["location"].lower() for e in counts if e["location"]})
    canon = _load(con, lo, hi, stories, places)
    old_days = {cid: c.day for cid, c in canon.items()}
    blocks = _Blocks()
    for c in canon.values():
        blocks.add(c)
    mentions: list[tuple] = []
    new_ids: set[str] = set()
    skipped: list[tuple] = []
    n_done = len(pend)  # records of the chunk handled (report order): all, unless asked to stop
    for i, e in enumerate(pend):
        if should_stop is not None and i and i % _STOP_EVERY == 0 and should_stop():
            n_done = i
            res["stopped"] = True
            break
        if e["factuality"] not in counted or not e["type"]:
            skipped.append((e["id"], f"factuality:{e['factuality']}" if e["type"] else "no type",
                            e["article_id"]))
            continue
        best: Canon | None = None
        best_key: tuple = ()
        for c in blocks.candidates(e):
            if matches(c, e):
                key = (e["story_id"] in c.stories, c.date == e["date"], len(e["actors"] & c.actors), c.id)
                if best is None or key > best_key:
                    best, best_key = c, key
        if best is None:
            best = Canon(
                _new_id(e["id"]), e["type"], e["mode"], set(), set(), e["date"], e["date_precision"],
                e["location"], e["story_id"], False, e["evidence"], e["published_date"],
            )
            canon[best.id] = best
            new_ids.add(best.id)
        _absorb(best, e)
        blocks.add(best)
        mentions.append((best.id, e["id"], e["article_id"]))
    res["events"], res["events_skipped"] = n_done, len(skipped)
    # the articles of the handled records are done, but the one of the first record not handled and, when
    # the chunk was full, the last one (it may have more records after it); and those that had none left
    cut = pend[n_done]["article_id"] if n_done < len(pend) else \
        (pend[-1]["article_id"] if len(pend) >= chunk else None)
    done = dict(settled)
    done.update((e["article_id"], e["ingested_at"]) for e in pend[:n_done] if e["article_id"] != cut)
    marks = list(done.items())
    changed = [c for c in canon.values() if c.changed]
    for c in changed:
        res["days"].add(c.day)
        if c.id in old_days and old_days[c.id] != c.day:
            res["days"].add(old_days[c.id])
    res["days"].discard(None)
    res["canonical_new"] = len(new_ids)
    res["canonical_updated"] = len(changed) - len(new_ids)
    rows = [c.row() for c in changed]

    def writes(safe: bool) -> None:  # the records were pending: their mention / skip rows are new
        db.write(con, "canonical_events", rows, replace=True)
        db.write(con, "event_mentions", mentions, replace=safe)
        db.write(con, "story_skipped_events", skipped, replace=safe)
        db.write(con, "story_event_articles", marks, replace=True)

    db.transaction(con, writes)
    return res


def _absorb(c: Canon, e: dict[str, Any]) -> None:
    """Add one mention: union of codes, the most precise date, evidence and sources kept."""
    c.actors |= e["actors"]
    c.recipients |= e["recipients"]
    if e["date"] is not None and (
        c.date is None or _PREC.get(e["date_precision"] or "day", 0) < _PREC.get(c.precision or "day", 0)
    ):
        c.date, c.precision = e["date"], e["date_precision"]
    c.location = c.location or e["location"]
    c.mode = c.mode or e["mode"]
    c.story_id = c.story_id or e["story_id"]
    if e["story_id"]:
        c.stories.add(e["story_id"])
    c.cbrn = c.cbrn or is_cbrn(e["context"], e["mode"])
    c.first_evidence = c.first_evidence or e["evidence"]
    if e["published_date"] is not None and (c.report_day is None or e["published_date"] < c.report_day):
        c.report_day = e["published_date"]
    c.articles.add(e["article_id"])
    if e["outlet"]:
        c.sources.add(e["outlet"])
    c.n_mentions += 1
    c.changed = True
