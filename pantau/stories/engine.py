"""``update(store)``: bring the stories layer up to date, incrementally.

Order of work: articles changed or deleted since they were processed are taken out
(``retract``); articles not yet processed, in publication order (day by day; undated last):
near-duplicates -> story clustering; then events not yet processed -> canonical events; then the
escalation index rows of the days that changed; then the alerts of the dyads that changed.
Nothing already assigned is recomputed: the state needed to continue is read from the DB.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from pantau.stories import db
from pantau.stories.cluster import StoryClusterer, story_rows
from pantau.stories.common import connection, ensure_schema, strip_furniture, words
from pantau.stories.dedup import Deduplicator
from pantau.stories.retract import retract

_FAR = date(9999, 12, 31)


def _fetch(con: Any, ids: list[str], has_entities: bool = False) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT id, title, text, outlet, published, published_date, content_hash, ingested_at FROM articles
           WHERE id IN (SELECT unnest(?))""",
        [ids],
    ).fetchall()
    by_id = {
        r[0]: {"id": r[0], "title": r[1], "text": r[2], "outlet": r[3], "published": r[4],
               "published_date": r[5], "content_hash": r[6], "ingested_at": r[7], "attributions": []}
        for r in rows
    }
    for aid, outlet in con.execute(
        "SELECT article_id, outlet FROM attributions WHERE article_id IN (SELECT unnest(?))", [ids]
    ).fetchall():
        if aid in by_id and outlet:
            by_id[aid]["attributions"].append(outlet)
    if has_entities:  # one query per chunk of days, not one per day
        for aid, codes in _actor_codes(con, ids).items():
            by_id[aid]["_actors"] = codes
    return [by_id[i] for i in ids if i in by_id]


def _actor_codes(con: Any, ids: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for aid, code in con.execute(
        """SELECT DISTINCT article_id, code FROM entities WHERE article_id IN (SELECT unnest(?))
           AND code IS NOT NULL AND code NOT IN ('UNK', 'NGO')""",
        [ids],
    ).fetchall():
        out.setdefault(aid, set()).add(code)
    return out


class _Run:
    """One update run over the pending articles (keeps pending rows until flush)."""

    def __init__(self, con: Any, clusterer: StoryClusterer | None = None) -> None:
        self.con = con
        self.dedup = Deduplicator()
        self.clus = clusterer or StoryClusterer()
        self.sig_rows: list[tuple] = []
        self.dup_rows: dict[str, tuple] = {}
        self.evicted: dict[str, Any] = {}
        self.stats = self.empty_stats()
        self.known_stories: set[str] = set()
        self.has_entities = self._has_entities()
        self.last_day: date | None = None  # the last day processed (a kept run continues from it)
        self.undated = False  # in the phase of the undated articles (after every dated one)
        self.pruned_before: date | None = None  # story_vectors of days before it were deleted

    @staticmethod
    def empty_stats() -> dict[str, int]:
        return {"articles": 0, "duplicates": 0, "stories_new": 0}

    def _has_entities(self) -> bool:
        probe = "SELECT count(*) FROM (SELECT 1 FROM entities LIMIT 1)"
        return bool(self.con.execute(probe).fetchone()[0])

    def new_call(self) -> None:
        """A kept run starts another call (StoriesUpdater): fresh counts; the stories known are those
        still in memory (an evicted story never comes back to memory), so the set stays bounded."""
        self.stats = self.empty_stats()
        self.known_stories = set(self.clus.stories)
        if not self.has_entities:
            self.has_entities = self._has_entities()

    def start(self, day: date | None) -> None:
        self.dedup.load(self.con, day)
        self.clus.load(self.con, day)
        self.known_stories |= set(self.clus.stories)
        self.undated = day is None

    def day(self, day: date | None, arts: list[dict[str, Any]]) -> None:
        self.last_day = day
        self.dedup.prune(day)
        for s in self.clus.evict(day):
            self.evicted[s.id] = s
        copies: dict[str, tuple[str, float]] = {}
        source: dict[str, str] = {}
        for art in arts:
            art["_body"] = strip_furniture(art.get("text") or "")  # once: article_tokens reads it too
            art["_words"] = words(art["_body"])
            blob, dups = self.dedup.add(art, day)
            self.sig_rows.append((art["id"], blob, art["published_date"], art["outlet"]))
            for d in dups:
                self.dup_rows[d.article_id] = (
                    d.article_id, d.original_id, d.similarity, d.relation, d.matched_id
                )
                if d.article_id == art["id"]:
                    copies[art["id"]] = (d.matched_id, d.similarity)
            root = self.dedup.root_of(art["id"])
            source[art["id"]] = self._outlet(root) if root != art["id"] else (art["outlet"] or "")
        self.stats["duplicates"] += len(copies)
        self.stats["articles"] += len(arts)
        actors = {a["id"]: a["_actors"] for a in arts if a.get("_actors")}
        self.clus.process_day(day, arts, copies, source, actors)

    def _outlet(self, aid: str) -> str:
        meta = self.dedup.meta.get(aid)
        if meta is not None:
            return meta.get("outlet") or ""
        row = self.con.execute("SELECT outlet FROM articles WHERE id = ?", [aid]).fetchone()
        return (row[0] or "") if row else ""

    def flush(self, day: date | None) -> None:
        """Write everything pending; drop old member vectors from the DB."""
        con = self.con
        aggs = list(self.evicted.values()) + [s for s in self.clus.stories.values() if s.touched]
        self.stats["stories_new"] += sum(1 for s in aggs if s.id not in self.known_stories)
        self.known_stories |= {s.id for s in aggs}
        stories, states = story_rows(aggs)
        meta = self.clus.meta_rows()  # once: it records what is stored (a retry writes the same rows)
        # vectors are pruned on the news clock, so a thin stream keeps up to window_days of them; the
        # cutoff moves only with the day
        cfg = self.clus.cfg
        cutoff = None if day is None else \
            day - timedelta(days=max(cfg["window_days"], cfg["vector_keep_days"]) + 1)

        def writes(safe: bool) -> None:
            # rows of the articles just processed have new keys (retract.py removed any older ones)
            db.write(con, "article_signatures", self.sig_rows, replace=safe)
            db.write(con, "duplicates", list(self.dup_rows.values()), replace=True)
            db.write(con, "story_articles", self.clus.out_story_articles, replace=safe)
            db.write(con, "story_vectors", self.clus.out_vectors, replace=safe)
            db.write(con, "stories", stories, replace=True)
            db.write(con, "story_state", states, replace=True)
            db.write(con, "story_meta", meta, replace=True)
            if cutoff is not None and cutoff != self.pruned_before:
                con.execute("DELETE FROM story_vectors WHERE day < ?", [cutoff])

        db.transaction(con, writes)
        if cutoff is not None:
            self.pruned_before = cutoff
        self.sig_rows.clear()
        self.dup_rows.clear()
        self.evicted.clear()
        self.clus.out_story_articles.clear()
        self.clus.out_vectors.clear()
        for s in self.clus.stories.values():
            s.touched = False


def update_articles(
    store: Any, *, flush_days: int = 30, chunk: int = 2000,
    progress: Callable[[date | None, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None, clusterer: StoryClusterer | None = None,
) -> dict[str, int]:
    """De-duplicate and cluster the articles not processed yet, in publication order.

    ``should_stop`` is asked after each day: when it answers true the work done so far is flushed and
    the run ends with ``interrupted`` = 1 (why: the API's ingest worker keeps each update within a
    time budget and must stop on shutdown; the next run continues from the stored state).
    ``clusterer``: another merge model or the training oracle (scripts/eval_stories_dev.py)."""
    con = connection(store)
    ensure_schema(con)
    make = (lambda: clusterer) if clusterer is not None else None
    stats, _ = _cluster_pending(con, None, flush_days=flush_days, chunk=chunk, progress=progress,
                                should_stop=should_stop, make_clusterer=make)
    return stats


def _continues(run: _Run | None, first_day: date | None) -> bool:
    """Can a kept run take the pending articles as they come? Only when they do not go back before the
    last day it processed (an older article is clustered from the state loaded for its own day, as a
    fresh run does) and the run is not in its undated phase."""
    return (run is not None and not run.undated and run.last_day is not None and first_day is not None
            and first_day >= run.last_day)


def _cluster_pending(
    con: Any, kept: _Run | None, *, flush_days: int = 30, chunk: int = 2000,
    progress: Callable[[date | None, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    make_clusterer: Callable[[], StoryClusterer] | None = None,
) -> tuple[dict[str, int], _Run | None]:
    """Cluster the pending articles, continuing ``kept`` when it can (see :func:`_continues`); returns the
    stats and the run to keep for the next call (None: nothing worth keeping)."""
    todo = con.execute(
        """SELECT a.id, a.published_date FROM articles a
           WHERE a.id NOT IN (SELECT article_id FROM story_articles)
           ORDER BY a.published_date NULLS LAST, a.published NULLS LAST, a.id"""
    ).fetchall()
    if not todo:
        if kept is not None:
            kept.new_call()
        return (kept.stats if kept is not None else _Run.empty_stats()), kept
    # group into days, keeping order
    days: list[tuple[date | None, list[str]]] = []
    for aid, d in todo:
        if not days or days[-1][0] != d:
            days.append((d, []))
        days[-1][1].append(aid)
    if _continues(kept, days[0][0]):
        run = kept
        assert run is not None
        run.new_call()
    else:
        run = _Run(con, make_clusterer() if make_clusterer is not None else None)
        run.start(days[0][0])
    started_undated = days[0][0] is None
    buffer: dict[str, dict[str, Any]] = {}
    n_days = 0
    for k, (d, ids) in enumerate(days):
        if d is None and not started_undated:
            run.flush(None)
            for s in run.clus.evict(_FAR):
                run.evicted[s.id] = s
            run.flush(None)
            run.start(None)
            started_undated = True
        if not all(i in buffer for i in ids):
            want: list[str] = []
            j = k
            while j < len(days) and len(want) < chunk:
                want.extend(days[j][1])
                j += 1
            buffer = {a["id"]: a for a in _fetch(con, want, run.has_entities)}
        arts = [buffer[i] for i in ids if i in buffer]
        run.day(d, arts)
        n_days += 1
        if progress:
            progress(d, len(arts))
        if should_stop is not None and k + 1 < len(days) and should_stop():
            run.flush(d)
            run.stats["interrupted"] = 1
            return run.stats, run
        if n_days % flush_days == 0:
            run.flush(d)
    run.flush(days[-1][0])
    return run.stats, run


def update(store: Any, should_stop: Callable[[], bool] | None = None, **kw: Any) -> dict[str, Any]:
    """Process everything new: articles -> stories; events -> canonical events -> index -> alerts.

    ``should_stop`` (asked between days, chunks of events, chunks of index days and dyads) makes the
    update bounded: work left over is kept in ``story_pending`` (index days, alert dyads) or found again
    (articles and events not yet processed), the next run continues, and the result says ``partial``.
    Without it everything is done in one run, as before. A long-running process that updates often
    keeps a :class:`StoriesUpdater` instead (the same results without reloading the state each call)."""
    clusterer = kw.pop("clusterer", None)
    make = (lambda: clusterer) if clusterer is not None else None  # one call: the clusterer is used once
    return StoriesUpdater(store, make_clusterer=make).update(should_stop, **kw)


class StoriesUpdater:
    """``update`` for a long-running process (``pantau watch``): the clustering state is kept between calls.

    Why: each ``update`` loads the near-duplicate window, the active stories and their member vectors
    from the store (0.35-0.6 s a call at one article a second, growing with the articles of the current
    day), and the watcher updates after every small batch. This object keeps the run of its previous
    call and continues it, so a call costs about its new articles; it loads from the store as ``update``
    does when the kept state may not match the store any more: another writer touched the stories
    tables since (their fingerprint differs), an article was retracted (changed or deleted), the new
    articles go back before the last processed day, or the last call failed. Continuing a run is what
    one ``update`` over all the articles does between days, so N calls give the stories, canonical
    events and alerts of one run over the same articles (tests/test_watch_stories.py)."""

    def __init__(self, store: Any, make_clusterer: Callable[[], StoryClusterer] | None = None) -> None:
        """``make_clusterer``: a fresh clusterer for each load from the store (default: the standard one)."""
        self.store = store
        self.make_clusterer = make_clusterer
        self.run: _Run | None = None
        self.fingerprint: tuple | None = None
        self.reloads = 0  # calls that had to load the state from the store (for the watcher's status)
        self._schema = False

    def invalidate(self) -> None:
        """Forget the kept state: the next call loads it from the store."""
        self.run = None
        self.fingerprint = None

    def _valid(self, con: Any) -> bool:
        return self.run is not None and self.fingerprint == _fingerprint(con)

    def update(self, should_stop: Callable[[], bool] | None = None, **kw: Any) -> dict[str, Any]:
        """One ``update`` (same arguments and result), continuing the kept state when it is valid."""
        from pantau.stories import canonical

        con = connection(self.store)
        t0 = time.perf_counter()
        if not self._schema:
            ensure_schema(con)
            self._schema = True
        if not self._valid(con):
            self.invalidate()
        gone = retract(con)  # changed or deleted articles are taken out first, then come back as new
        if gone["articles"]:
            self.invalidate()  # their stories' aggregates were recomputed in the store
        kept = self.run
        self.run = None  # until this call has succeeded
        stats_a, run = _cluster_pending(
            con, kept, should_stop=should_stop, make_clusterer=self.make_clusterer, **kw
        )
        if run is not None and run is not kept:
            self.reloads += 1
        stats: dict[str, Any] = dict(stats_a)
        stats["retracted"] = gone["articles"]
        days = set(gone["days"])
        partial = bool(stats.pop("interrupted", 0))
        if not partial:
            ev = canonical.update(con, should_stop=should_stop)
            stats.update({k: v for k, v in ev.items() if k != "days"})
            days |= ev["days"]
            if not ev.get("partial"):
                stats.update(_index_and_alerts(con, days, should_stop))
                self._keep(con, run)
                stats["seconds"] = round(time.perf_counter() - t0, 2)
                return stats
        # the later stages need every article in its story and every event attached: they wait, and the
        # days that changed meanwhile are kept so that nothing is lost
        stats["partial"] = True
        _save_pending(con, *_merge_pending(con, days, {}))
        self._keep(con, run)
        stats["seconds"] = round(time.perf_counter() - t0, 2)
        return stats

    def _keep(self, con: Any, run: _Run | None) -> None:
        self.run = run
        self.fingerprint = _fingerprint(con) if run is not None else None


def _fingerprint(con: Any) -> tuple:
    """What another writer of the stories layer would change: the membership table's size and last row,
    the stories' count and the clustering meta (document count and day of the decayed frequencies)."""
    return tuple(con.execute(
        """SELECT (SELECT count(*) FROM story_articles), (SELECT max(rowid) FROM story_articles),
                  (SELECT count(*) FROM stories), (SELECT count(*) FROM article_signatures),
                  (SELECT value FROM story_meta WHERE key = 'meta')"""
    ).fetchone())


_INDEX_DAYS_CHUNK = 200
_ALERT_DYADS_CHUNK = 20


def _merge_pending(con: Any, days: set[date], dyads: dict[str, date]) -> tuple[set[date], dict[str, date]]:
    """Work left by an earlier, interrupted run, merged with this run's."""
    days = {d for d in days if d is not None}
    dyads = dict(dyads)
    for kind, key, day in con.execute("SELECT kind, key, day FROM story_pending").fetchall():
        if kind == "day":
            days.add(day)
        elif day is not None:
            dyads[key] = min(day, dyads.get(key, day))
    return days, dyads


def _save_pending(con: Any, days: set[date], dyads: dict[str, date]) -> None:
    rows = [("day", None, d) for d in sorted(days)] + [("dyad", k, d) for k, d in sorted(dyads.items())]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM story_pending")
        if rows:
            con.executemany("INSERT INTO story_pending VALUES (?, ?, ?)", rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _index_and_alerts(
    con: Any, days: set[date], should_stop: Callable[[], bool] | None
) -> dict[str, Any]:
    """Index rows of the changed days, then the alerts of the changed dyads (each day and each dyad is
    independent, so doing them in chunks gives the same rows); bounded when ``should_stop`` is given."""
    from pantau.stories import alerting

    todo_days, todo_dyads = _merge_pending(con, days, {})
    out: dict[str, Any] = {"index_rows": 0, "alerts": 0}
    if should_stop is None:  # one run does it all
        changed = _index_update(con, todo_days)
        for dy, d in changed["dyads"].items():
            todo_dyads[dy] = min(d, todo_dyads.get(dy, d))
        out["index_rows"] = changed["rows"]
        out["alerts"] = alerting.update(con, todo_dyads)
        _save_pending(con, set(), {})
        return out
    _save_pending(con, todo_days, todo_dyads)
    ordered = sorted(todo_days)
    while ordered:
        chunk, ordered = ordered[:_INDEX_DAYS_CHUNK], ordered[_INDEX_DAYS_CHUNK:]
        changed = _index_update(con, chunk)
        out["index_rows"] += changed["rows"]
        for dy, d in changed["dyads"].items():
            todo_dyads[dy] = min(d, todo_dyads.get(dy, d))
        _save_pending(con, set(ordered), todo_dyads)
        if ordered and should_stop():
            out["partial"] = True
            return out
    dyads = sorted(todo_dyads)
    while dyads:
        chunk, dyads = dyads[:_ALERT_DYADS_CHUNK], dyads[_ALERT_DYADS_CHUNK:]
        out["alerts"] += alerting.update(con, {dy: todo_dyads[dy] for dy in chunk})
        _save_pending(con, set(), {dy: todo_dyads[dy] for dy in dyads})
        if dyads and should_stop():
            out["partial"] = True
            return out
    return out


_INDEX_COLS = "dyad, day, score, conflict, cooperation, cbrn, n_events, n_conflict, n_cooperation, n_cbrn"


def _index_update(con: Any, days: set[date] | list[date]) -> dict[str, Any]:
    """``index.update`` of ``days``, answering only the dyads whose index rows changed (from the first
    changed day), and those with an alert that cites a canonical event that no longer exists.

    Why: ``index.update`` answers every dyad of the days it recomputed, and the alerts of each are
    recomputed; in a live stream every update recomputes today, so every dyad seen today (67 after 1,800
    articles in the bench) had its series read and scanned on each update. A dyad whose rows did not
    change has the same alerts (they are computed from those rows; their culprits from the same canonical
    events, unless one was dissolved: the second condition)."""
    from pantau.stories import index

    day_list = sorted(d for d in days if d is not None)
    if not day_list:
        return index.update(con, day_list)
    sql = f"SELECT {_INDEX_COLS} FROM escalation_index WHERE day IN (SELECT unnest(?))"
    before = set(con.execute(sql, [day_list]).fetchall())
    res = index.update(con, day_list)
    after = set(con.execute(sql, [day_list]).fetchall())
    dyads: dict[str, date] = {}
    for row in before ^ after:
        dyads[row[0]] = min(row[1], dyads.get(row[0], row[1]))
    for dyad, day in con.execute(
        """SELECT a.dyad, min(a.day) FROM (SELECT dyad, day, unnest(event_ids) AS eid FROM alerts) a
           WHERE a.eid NOT IN (SELECT id FROM canonical_events) GROUP BY 1"""
    ).fetchall():  # from the first alert that cites one
        dyads[dyad] = min(day, dyads.get(dyad, day))
    return {"rows": res["rows"], "dyads": dyads}

