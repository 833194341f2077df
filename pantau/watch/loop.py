"""The monitor: pollers and watchers find new items, one writer analyses, stores and updates the stories.

Threads: a scheduler hands each feed's poll to its host's queue (:class:`~pantau.watch.fetch.HostPool`,
so one slow host never blocks the others); folder watchers and the stdin reader put items on the same
queue; the single writer (the NLP is CPU-bound and DuckDB has one writer) takes them in small batches:
clean and analyse (:mod:`pantau.watch.analysis`: here, or in ``workers`` child processes; articles stored
unchanged are skipped), store (``Store.upsert_many``), one bounded slice of the incremental stories update
(stories, canonical events, index days, alerts; its clustering state kept between slices by a
``StoriesUpdater``; deferred up to ``stories_every_s`` while more items wait),
then the items are marked seen and new alerts delivered. So an article's events and alerts are visible
seconds after its poll, not after a batch run.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import queue
import sys
import threading
import time
from collections import Counter, deque
from pathlib import Path
from typing import IO, Any

from pantau.records import IngestError, Result
from pantau.watch.analysis import Analyser
from pantau.watch.config import WatchConfig
from pantau.watch.delivery import Delivery
from pantau.watch.fetch import Fetcher, HostPool, host_of
from pantau.watch.sources import FeedPoller, FolderSource, Item, read_stdin
from pantau.watch.state import WatchState
from pantau.watch.status import memory, percentile, snapshot, status_path, tune_malloc

log = logging.getLogger("pantau.watch")
STATUS_EVERY_S = 2.0
MAX_QUEUED = 256  # items waiting for the writer before the sources wait


class Watcher:
    """One watch process over one store. ``db``: the API's :class:`~pantau.api.db.Database` when the
    dashboard is served from this process (its write lock, and its read cache dropped after each write)."""

    def __init__(
        self,
        cfg: WatchConfig,
        *,
        db: Any = None,
        stdin: IO[bytes] | None = None,
        out: IO[str] | None = None,
        stages: Any = None,
    ) -> None:
        from pantau.pipeline import Stages
        from pantau.store import Store

        self.cfg, self.db, self.stdin = cfg, db, stdin
        tune_malloc()  # a process that runs for days: its C heap held flat (see the function)
        self.stop = threading.Event()
        self.queue: queue.Queue[Item] = queue.Queue()
        self.store = Store(cfg.db)
        # DuckDB's block cache bounded (it keeps what it read up to 80% of the machine's memory by default)
        self.store.con.execute(f"SET memory_limit = '{int(cfg.duckdb_memory_mb)}MB'")
        self.write_lock = db.write_lock if db is not None else threading.Lock()
        self.state = WatchState(self.store.con)
        self.fetcher = Fetcher(cfg, self.stop)
        self.hosts = HostPool(self.stop)
        self._lock = threading.Lock()
        self.inflight: set[str] = set()
        self.feeds = [
            FeedPoller(f.url, self.fetcher, self.hosts, self.state, self.emit, self.inflight, self._lock)
            for f in cfg.feeds
        ]
        self.intervals = {f.url: f.interval_s for f in cfg.feeds}
        self.folders = [FolderSource(p, self.state, self.emit) for p in cfg.folders]
        if cfg.stdin:
            self.state.source("<stdin>", "stdin")
        self.delivery = Delivery(cfg, self.state, self.stop, out if out is not None else sys.stdout)
        self.stages = stages or Stages(with_events=cfg.events)
        self.analyser = Analyser(self.stages, cfg.workers)
        self.stories_pending = True  # articles stored by other means are taken up at start
        self.lags: deque[float] = deque(maxlen=2000)
        self.counts: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()  # wall seconds per stage (where the lag goes)
        self.started = time.time()
        self.baselined = self.state.baseline_alerts()
        self._threads: list[threading.Thread] = []
        self._status_at = 0.0
        self._warm = False
        self._stories_at = 0.0  # when the last stories update ended (monotonic)
        self._awaiting: list[tuple[str, str, float]] = []  # stored articles waiting for the stories update
        self._stories: Any = None  # the StoriesUpdater (its state kept between updates), made on first use
        # for the status: stories updates (how many, state reloads, the slowest), full garbage collections
        self.stories_calls: dict[str, float] = {"updates": 0, "reloads": 0, "max_s": 0.0}
        self.gc_full: dict[str, float] = {"n": 0, "seconds": 0.0, "max_s": 0.0}
        self._gc_at: float | None = None

    # -- items in --------------------------------------------------------------------
    def emit(self, item: Item) -> None:
        """Queue an item; a source waits while ``MAX_QUEUED`` items wait already (memory stays bounded
        when a large file or a burst arrives; the feeds of other hosts are not held, only this source)."""
        while self.queue.qsize() >= MAX_QUEUED and not self.stop.is_set():
            time.sleep(0.05)
        self.queue.put(item)

    def _take(self, timeout: float) -> list[Item]:
        """The next item (waiting up to ``timeout``) and whatever else is queued, up to a batch."""
        try:
            items = [self.queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        n = len(items[0].records)
        while n < self.cfg.batch_size * max(1, self.cfg.workers):
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            items.append(item)
            n += len(item.records)
        return items

    # -- the writer ------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load the NLP model once (here, or in each analysis process), before an article waits for it."""
        if not self._warm:
            self.analyser.start()
            import pantau.stories  # noqa: F401 - its imports (scikit-learn) take seconds: not in the first lag

            # The model's objects (about 300k) would be scanned by every full garbage collection (0.15-0.2 s
            # of CPU each, measured): they live as long as the process, so they are moved out of the
            # collector's sight; the collections that remain are timed for the status (``seconds.gc``).
            gc.collect()
            gc.freeze()
            if self._gc_timer not in gc.callbacks:
                gc.callbacks.append(self._gc_timer)
            self._warm = True

    def _gc_timer(self, phase: str, info: dict[str, int]) -> None:
        """gc callback: wall seconds spent in full (generation 2) collections."""
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_at = time.perf_counter()
        elif self._gc_at is not None:
            took = time.perf_counter() - self._gc_at
            self.gc_full["n"] += 1
            self.gc_full["seconds"] += took
            self.gc_full["max_s"] = max(self.gc_full["max_s"], took)
            self._gc_at = None

    def _skip(self, results: list[Result]) -> list[bool]:
        return self.store.unchanged(results, analysed=self.stages.with_events)

    def _invalidate(self, *, stories: bool = True) -> None:
        """Drop the API's cached replies; new articles alone leave the stories replies as they are."""
        if self.db is not None:
            self.db.invalidate(stories=stories)

    def process(self, items: list[Item]) -> None:
        """Analyse and store the items' records, update the stories, mark the items, deliver alerts."""
        pairs = [(item, rec) for item in items for rec in item.records]
        new: Counter[int] = Counter()
        kept: Counter[int] = Counter()
        step = self.cfg.batch_size * max(1, self.cfg.workers)
        for start in range(0, len(pairs), step):
            chunk = pairs[start : start + step]
            t0 = time.perf_counter()
            outs = self.analyser.run([rec for _, rec in chunk], self._skip)
            self.seconds["analyse"] += time.perf_counter() - t0
            results: list[tuple[Item, Result]] = []
            for (item, _), (_, out) in zip(chunk, outs, strict=True):
                if isinstance(out, IngestError):
                    self._error(item, str(out))
                elif out is None:
                    kept[id(item)] += 1
                else:
                    results.append((item, out))
            if results:
                t0 = time.perf_counter()
                with self.write_lock:
                    outcomes = self.store.upsert_many([r for _, r in results])
                    # readers see the articles now, the stories a moment later
                    self._invalidate(stories=any(o.status == "replaced" for o in outcomes))
                self.seconds["store"] += time.perf_counter() - t0
                for (item, _), oc in zip(results, outcomes, strict=True):
                    if oc.status == "failed":
                        self._error(item, f"{item.key}: {oc.error or 'cannot store'}")
                    else:
                        (new if oc.status != "unchanged" else kept)[id(item)] += 1
                        self.counts[oc.status] += 1
            if self.stop.is_set():
                return  # the rest is not marked seen: found again after the restart
        if new:
            self.stories_pending = True
        # a stories update still has a part that does not depend on its articles (the canonical events,
        # index and alerts of the day, the writes: about 0.1 s of CPU on a day of 1,800 articles): while
        # more items wait it is deferred, for at most ``stories_every_s``, so that one takes several
        waited = time.monotonic() - self._stories_at
        if self.stories_pending and (self.queue.empty() or waited >= self.cfg.stories_every_s):
            self.update_stories()
        self._finish(items, new, kept)
        self.delivery.new_alerts()

    def _finish(self, items: list[Item], new: Counter[int], kept: Counter[int]) -> None:
        """Mark the items seen (their articles are stored: the stories update finds them in any case);
        their lag is taken when the stories update that includes them is done."""
        for item in items:
            good = new[id(item)] + kept[id(item)]
            status = "stored" if good or not item.records else "rejected"
            if item.kind in ("feed", "folder"):  # stdin records and parts of a file are not remembered
                article = next((r.id for r in item.records if not isinstance(r, IngestError)), None)
                self.state.mark(
                    item.key,
                    item.source,
                    item_hash=item.item_hash,
                    content_hash=item.content_hash,
                    article_id=article,
                    status=status,
                )
            if item.done is not None:
                item.done(True)
            if new[id(item)]:
                self._awaiting.append((item.source, item.kind, item.detected))
        if not self.stories_pending:
            self._settle()

    def _settle(self) -> None:
        """The stories layer holds every stored article: their lags (poll to stories updated) are known."""
        done = time.time()
        by_source: dict[tuple[str, str], list[float]] = {}
        for source, kind, detected in self._awaiting:
            self.lags.append(done - detected)
            by_source.setdefault((source, kind), []).append(done - detected)
        self._awaiting.clear()
        for (source, kind), lags in by_source.items():
            self.state.stored(source, kind, len(lags), max(lags))

    def _error(self, item: Item, message: str) -> None:
        log.warning("%s", message)
        self.state.update_source(item.source, item.kind, error=message)

    def update_stories(self) -> dict[str, Any]:
        """One slice of the incremental stories update (at most about ``stories_budget_s``). The updater
        keeps the clustering state between slices (a slice costs its new articles, not a reload of the
        day's stories); it reloads from the store by itself when something else wrote there."""
        from pantau.stories.engine import StoriesUpdater

        if self._stories is None:
            self._stories = StoriesUpdater(self.store)
        deadline = time.monotonic() + self.cfg.stories_budget_s
        t0 = time.perf_counter()
        self.stories_calls["updates"] += 1
        try:
            with self.write_lock:
                stats = self._stories.update(
                    should_stop=lambda: self.stop.is_set() or time.monotonic() > deadline
                )
                self.store.sync_sources()  # the events' copy of their canonical events (store/sources.py)
                self._invalidate()
        except Exception as exc:  # noqa: BLE001 - the articles are stored; the next slice tries again
            log.exception("stories update failed")
            self.counts["stories_errors"] += 1
            self.stories_pending = False
            return {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            took = time.perf_counter() - t0
            self.seconds["stories"] += took
            self.stories_calls["reloads"] = self._stories.reloads
            self.stories_calls["max_s"] = max(self.stories_calls["max_s"], took)
        self._stories_at = time.monotonic()
        self.stories_pending = bool(stats.get("partial"))
        if not self.stories_pending:
            self._settle()
        return stats

    def _writer(self) -> None:
        try:
            self.warm_up()
        except Exception:  # noqa: BLE001 - every article will report the failure then
            log.exception("loading the NLP model")
        while not self.stop.is_set():
            try:
                items = self._take(0.25)
                if items:
                    self.process(items)
                elif self.stories_pending:
                    self.update_stories()
                    self.delivery.new_alerts()
            except Exception:  # noqa: BLE001 - the writer must go on; the items come back next poll
                log.exception("watch writer")
                self.counts["internal_errors"] += 1
                self.stop.wait(1.0)
            if time.monotonic() - self._status_at > STATUS_EVERY_S:
                self.write_status()

    # -- schedules ---------------------------------------------------------------------
    def _scheduler(self) -> None:
        due = {f.url: 0.0 for f in self.feeds}
        busy: set[str] = set()
        guard = threading.Lock()

        def poll(feed: FeedPoller) -> None:
            try:
                feed.poll()
            finally:
                with guard:
                    busy.discard(feed.url)

        while not self.stop.is_set():
            now = time.monotonic()
            for feed in self.feeds:
                with guard:
                    if now < due[feed.url] or feed.url in busy:
                        continue
                    busy.add(feed.url)
                due[feed.url] = now + self.intervals[feed.url]
                self.hosts.submit(host_of(feed.url), lambda f=feed: poll(f))
            self.stop.wait(0.2)

    def _folder(self, folder: FolderSource) -> None:
        try:
            folder.scan()
            folder.watch(self.stop, self.cfg.folder_interval_s)
        except Exception as exc:  # noqa: BLE001 - reported in the status; the other sources go on
            log.exception("watching %s", folder.path)
            self.state.update_source(
                folder.path, "folder", error=f"{folder.path}: {type(exc).__name__}: {exc}"
            )

    def _stdin(self) -> None:
        if self.stdin is not None:
            read_stdin(self.stdin, self.emit, self.stop)

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    # -- running ---------------------------------------------------------------------
    def start(self) -> None:
        """Start every thread and return (``close`` stops them)."""
        self.delivery.start()
        self._spawn("watch-writer", self._writer)
        self._spawn("watch-scheduler", self._scheduler)
        for folder in self.folders:
            self._spawn(f"watch-folder-{folder.path}", self._folder, folder)
        if self.cfg.stdin:
            self._spawn("watch-stdin", self._stdin)

    def run_once(self) -> dict[str, Any]:
        """One poll of every source, everything found analysed and stored, the stories brought up to
        date and the alerts delivered (cron, tests)."""
        self.warm_up()
        for feed in self.feeds:
            self.hosts.submit(host_of(feed.url), feed.poll)
        readers = [
            threading.Thread(target=f.scan, name=f"watch-scan-{f.path}", daemon=True) for f in self.folders
        ]
        readers.append(threading.Thread(target=self._stdin, name="watch-stdin", daemon=True))
        for t in readers:  # in threads: they wait while the queue is full, and this thread empties it
            t.start()
        while not self.stop.is_set():
            items = self._take(0.1)
            if items:
                self.process(items)
            elif not any(t.is_alive() for t in readers) and self.hosts.idle() and self.queue.empty():
                break  # in this order: a reader or host task queues its items before it ends
        while self.stories_pending and not self.stop.is_set():
            self.update_stories()
        self.delivery.new_alerts()
        self.delivery.webhook_pending()
        self.write_status()
        return self.status()

    def close(self) -> None:
        """Stop the threads (the writer finishes its current batch first) and close the store."""
        self.stop.set()
        for t in self._threads:
            t.join(30 if t.name == "watch-writer" else 3)
        self.hosts.close()
        self.delivery.close()
        self.fetcher.close()
        self.analyser.close()
        self.write_status(running=False)
        if self._gc_timer in gc.callbacks:
            gc.callbacks.remove(self._gc_timer)
        with self.write_lock:
            self.state.close()
            self.store.close()

    # -- status ----------------------------------------------------------------------
    def status(self, running: bool = True) -> dict[str, Any]:
        lags = sorted(self.lags)
        return snapshot(
            list(self.state.sources.values()),
            running=running,
            pid=os.getpid(),
            started=self.started,
            queue=self.queue.qsize(),
            stories_pending=self.stories_pending,
            counts={**self.counts, **({"errors": self.state.run_errors} if self.state.run_errors else {})},
            delivered=dict(self.delivery.sent),
            lag={"n": len(lags), "p50_s": percentile(lags, 50), "p95_s": percentile(lags, 95)},
            seconds={k: round(v, 1) for k, v in self.seconds.items()},
            stories_updates={
                "n": int(self.stories_calls["updates"]),
                "reloads": int(self.stories_calls["reloads"]),
                "mean_s": round(self.seconds["stories"] / max(1, self.stories_calls["updates"]), 3),
                "max_s": round(self.stories_calls["max_s"], 2),
            },
            gc_full={k: round(v, 3) for k, v in self.gc_full.items()},
            memory=memory(self.store.con if running else None),
        )

    def write_status(self, running: bool = True) -> None:
        """The status as a JSON file next to the store, for ``pantau watch --status`` while this process
        holds the store (DuckDB lets one process open it)."""
        self._status_at = time.monotonic()
        if self.cfg.db == ":memory:":
            return
        path = status_path(self.cfg.db)
        tmp = Path(f"{path}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self.status(running), default=str, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write %s: %s", path, exc)
