"""Ingest jobs: queued by ``POST /api/ingest``, run one at a time by a background worker thread.

Why: running the pipeline and the stories update inside the request held the write lock for as long as
they took (over 15 minutes on a 100k-event store), later requests queued behind it and SIGTERM could
not stop the server. Now a request only validates and enqueues; the worker stores a job's articles a
chunk at a time, one transaction each (done when stored), and updates the stories layer between jobs
in slices of about ``stories_budget_s`` seconds, resting as long as each slice ran; the stop flag is
checked between chunks of articles and between the chunks of a slice, so shutdown waits at most one.

Why the NLP runs in a child process (``isolate``): spaCy holds the GIL for most of an article, so in a
thread of the server it starved the read handlers (p95 seconds under load while ingests arrived). While
reads go on (:meth:`Database.busy`), stories slices are kept short and rest four times as long as they ran.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import queue
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pantau.api.db import Database
from pantau.api.deps import plain

log = logging.getLogger("pantau.api")
STORIES_MAX_WAIT_S = 30.0  # the longest waiting ingest jobs hold back stories work
# the longest a stream of reads holds it back: a stories slice can run seconds past its budget (a chunk
# of canonical events is not interruptible) and holds the GIL for much of it, which reads would feel
STORIES_BUSY_WAIT_S = 120.0
NLP_CHUNK = 8  # records per call to the NLP process
NLP_TIMEOUT_S = 600.0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One ingest request and what became of it."""

    id: str
    records: int
    articles: list[dict[str, Any]] | None = None
    file: tuple[str, bytes] | None = None
    status: str = "queued"
    submitted: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stories: dict[str, Any] | None = None

    def view(self) -> dict[str, Any]:
        """The job's public status (no payload)."""
        counts: dict[str, int] = {"records": self.records, "stored": 0, "errors": len(self.errors)}
        for r in self.results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
            counts["stored"] += r["status"] != "unchanged"
        return {
            "id": self.id,
            "status": self.status,
            "submitted": self.submitted,
            "started": self.started,
            "finished": self.finished,
            "records": self.records,
            "counts": counts,
            "results": self.results[:1000],
            "errors": self.errors[:100],
            "stories": self.stories,
        }


def _renamed(record: Any, path: str, name: str) -> Any:
    source = getattr(record, "source", None)
    if dataclasses.is_dataclass(record) and isinstance(source, str) and path in source:
        return dataclasses.replace(record, source=source.replace(path, name))
    return record


def _child_init(preload: bool = True) -> None:
    """In the NLP process: a lower CPU priority (reads are interactive, ingest is background work: on a
    machine with few cores the analysis would otherwise take a core from the reads), then the models."""
    try:
        os.nice(10)
    except OSError:  # not permitted here: run at the server's priority
        pass
    if preload:
        from pantau.nlp import load

        load()


def _child_analyse(records: list[Any]) -> list[Any]:
    """In the NLP process: the pipeline over a few records (results and IngestErrors, pickled back)."""
    from pantau.pipeline import process_all

    return list(process_all(iter(records)))


class QueueFull(Exception):
    """Too many jobs waiting: the client should retry later (429 with Retry-After)."""


class IngestWorker:
    """The only writer: a queue of jobs and one thread that runs them, with a stop flag."""

    def __init__(
        self,
        db: Database,
        *,
        max_queued: int = 16,
        keep: int = 1000,
        stories_budget_s: float = 2.0,
        preload: bool = True,
        isolate: bool = True,
        busy_budget_s: float = 0.25,
        busy_rest: float = 4.0,
    ) -> None:
        self.db = db
        self.isolate = isolate
        self.busy_budget_s = busy_budget_s
        self.busy_rest = busy_rest
        self._pool: Any = None  # the NLP process (multiprocessing.Pool of one), when isolated
        self.max_queued = max_queued
        self.keep = keep
        self.stories_budget_s = stories_budget_s
        self.preload = preload
        self.queue: queue.Queue[Job] = queue.Queue()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.stop = threading.Event()
        self.stories_pending = False
        self.store: Any = None
        self._stories_updater: Any = None  # pantau.stories.engine.StoriesUpdater, made on first use
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._resume_at = 0.0  # background stories work rests as long as its last slice ran
        self._deferred_since = 0.0  # when pending stories work was first held back (0: not held)

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        """Start the worker thread. With ``preload``, import the stories stage first, here (server
        start-up, before any request): importing it (scikit-learn) took 7 s of GIL-holding CPU on a busy
        2-core machine, and in the first stories slice it stalled every read for as long."""
        if self.preload:
            try:
                import pantau.stories.engine  # noqa: F401
            except ImportError:  # the stories stage is optional; _stories says so
                pass
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="pantau-ingest", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Ask the worker to stop after the current article or stories slice, and wait for it (at most
        ``timeout``: a write cut short by the process exit is rolled back by DuckDB)."""
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.terminate()  # an article half analysed is not stored; the job says so
            self._pool = None
        if self.store is not None:
            try:
                self.store.close()
            except Exception:  # noqa: BLE001 - closing on shutdown; nothing left to report to
                log.exception("closing the store")
            self.store = None
            self._stories_updater = None

    def submit(
        self, *, articles: list[dict[str, Any]] | None = None, file: tuple[str, bytes] | None = None
    ) -> Job:
        """Queue a job; ``QueueFull`` when ``max_queued`` jobs already wait."""
        records = len(articles) if articles is not None else 1
        job = Job(id=uuid.uuid4().hex, records=records, articles=articles, file=file)
        with self._lock:
            if self.queue.qsize() >= self.max_queued:
                raise QueueFull
            self.jobs[job.id] = job
            while len(self.jobs) > self.keep:
                oldest = next(iter(self.jobs))
                if self.jobs[oldest].status in ("queued", "running"):
                    break
                self.jobs.popitem(last=False)
            self.queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def stats(self) -> dict[str, int]:
        by: dict[str, int] = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        for j in list(self.jobs.values()):
            by[j.status] = by.get(j.status, 0) + 1
        return by

    def wait(self, timeout: float = 60.0) -> bool:
        """Until no job is queued or running and no stories work is pending (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = any(j.status in ("queued", "running") for j in list(self.jobs.values()))
            if not busy and not self.stories_pending:
                return True
            time.sleep(0.05)
        return False

    # ------------------------------------------------------------------ work
    def _nlp_pool(self) -> Any:
        """The NLP process, started on first use (spawned: a fork of a server with threads is unsafe)."""
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ctx.Pool(1, initializer=_child_init, initargs=(self.preload,))
        return self._pool

    def _loop(self) -> None:
        if self.preload:  # load the NLP models now, not in the first job (they take seconds of CPU)
            try:
                if self.isolate:
                    self._nlp_pool()  # the child loads them
                else:
                    from pantau.nlp import load

                    load()
            except Exception:  # noqa: BLE001 - the first job will report it
                log.exception("preloading the NLP models")
        while not self.stop.is_set():
            # stories work goes in slices between jobs, resting as long as each slice ran; waiting jobs
            # come first, and while reads come in it waits for a pause in them; but neither defers it
            # for longer than ``STORIES_MAX_WAIT_S`` / ``STORIES_BUSY_WAIT_S``
            now = time.monotonic()
            if self.stories_pending and now >= self._resume_at:
                self._deferred_since = self._deferred_since or now
                deferred = now - self._deferred_since
                jobs_wait = not self.queue.empty() and deferred <= STORIES_MAX_WAIT_S
                reads_wait = self.db.busy(1.0) and deferred <= STORIES_BUSY_WAIT_S
                if not (jobs_wait or reads_wait):
                    self._deferred_since = 0.0
                    self._stories()
                    continue
            try:
                job = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self._run(job)
        # jobs still queued at shutdown are reported, not silently lost
        while True:
            try:
                job = self.queue.get_nowait()
            except queue.Empty:
                break
            job.status, job.finished = "failed", _now()
            job.errors.append("server shut down before the job ran; send it again")
            job.articles = job.file = None

    def _run(self, job: Job) -> None:
        job.status, job.started = "running", _now()
        try:
            items = self._records(job)
            self._store(job, items)
            if any(r["status"] != "unchanged" for r in job.results):
                # stories, canonical events and the index follow in the background (GET /api/health)
                self.stories_pending = True
                job.stories = {"scheduled": True}
            job.status = "failed" if self.stop.is_set() and len(job.results) < len(items) else "done"
            if job.status == "failed":
                job.errors.append("server shut down during the job; the articles not listed were not stored")
        except Exception as exc:  # noqa: BLE001 - a job's failure is reported in its status
            log.exception("ingest job %s failed", job.id)
            job.status = "failed"
            job.errors.append(f"{type(exc).__name__}: the job failed (see the server log)")
            self.db.invalidate()  # whatever it wrote is out of every cache
        finally:
            job.finished = _now()
            job.articles = job.file = None

    def _records(self, job: Job) -> list[Any]:
        from pantau.records import RawRecord

        if job.articles is not None:
            return [RawRecord(source="api", line=i + 1, **a) for i, a in enumerate(job.articles)]
        from pantau.ingest import read_inputs

        assert job.file is not None
        name, data = job.file
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            # the temporary path means nothing to the client (and tells about the server): name the upload
            records = [_renamed(r, str(path), name) for r in read_inputs([str(path)])]
        job.records = len(records)
        return records

    def _open_store(self) -> Any:
        if self.store is None:
            from pantau.store import Store

            self.store = Store(self.db.path)
        return self.store

    def _store(self, job: Job, items: list[Any]) -> None:
        """Store the analysed articles a chunk at a time, each chunk in one transaction.

        Why chunks: one transaction per article cost ~30 ms of server CPU each on a 1M-event store, a
        chunk of 20 about 8 ms an article, and each write drops cached replies; readers see a chunk's
        articles together. The store falls back to one transaction per article when a chunk fails, so
        one bad article is an error in the job's status, never the chunk's loss."""
        store = self._open_store()
        for chunk in self._analysed(items):
            stored = [r for r in chunk if hasattr(r, "article")]
            with self.db.write_lock:
                outcomes = store.upsert_many(stored) if stored else []
                changed = [o.status for o in outcomes if o.status in ("inserted", "replaced")]
                if changed:
                    # new articles leave the stories stage's replies as they are (pantau.api.db)
                    self.db.invalidate(stories="replaced" in changed)
            for res, outcome in zip(stored, outcomes, strict=True):
                if outcome.status == "failed":
                    job.errors.append(f"{outcome.article_id}: {outcome.error}"[:500])
                else:
                    job.results.append(
                        {"id": res.article.id, "status": outcome.status, "events": len(res.events)}
                    )
            job.errors += [str(r)[:500] for r in chunk if not hasattr(r, "article")]
            if self.stop.is_set():
                break

    def _analysed(self, items: list[Any]) -> Iterator[list[Any]]:
        """Results of the pipeline (and IngestErrors), in order, in chunks of up to ``NLP_CHUNK``.
        Isolated: in the NLP process, so that the server's own threads (the reads) never wait for the GIL
        behind spaCy; the stop flag is checked while waiting (a chunk half analysed is not stored). In
        process: a chunk ends early when the stop flag is set, so shutdown stores what is analysed."""
        if not self.isolate:
            from pantau.pipeline import process_all

            chunk: list[Any] = []
            for res in process_all(iter(items)):
                chunk.append(res)
                if len(chunk) >= NLP_CHUNK or self.stop.is_set():
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
            return
        for start in range(0, len(items), NLP_CHUNK):
            pending = self._nlp_pool().apply_async(_child_analyse, (items[start : start + NLP_CHUNK],))
            deadline = time.monotonic() + NLP_TIMEOUT_S
            while True:
                if self.stop.is_set():
                    return
                try:
                    results = pending.get(timeout=0.2)
                    break
                except multiprocessing.TimeoutError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the NLP process did not answer") from None
            yield results

    def _stories(self) -> dict[str, Any] | None:
        """One slice of the stories update (at most ``stories_budget_s`` of article clustering).

        The updater keeps its clustering state between slices (``StoriesUpdater``, as ``pantau watch``
        does): a slice costs its new articles, not a reload of the day's stories from the store (0.35-0.6 s
        of GIL-holding Python a call), which the reads would feel; it reloads by itself when needed."""
        try:
            from pantau.stories.engine import StoriesUpdater
        except ImportError:
            self.stories_pending = False
            return None
        if self._stories_updater is None:
            self._stories_updater = StoriesUpdater(self._open_store())
        started = time.monotonic()
        busy = self.db.busy()  # reads going on: short slices, long rests
        budget = min(self.stories_budget_s, self.busy_budget_s) if busy else self.stories_budget_s
        deadline = started + budget

        def should_stop() -> bool:
            return self.stop.is_set() or time.monotonic() > deadline

        try:
            with self.db.write_lock:
                stats = self._stories_updater.update(should_stop=should_stop)
                self._open_store().sync_sources()  # the events' copy of their canonical events
        except Exception as exc:  # noqa: BLE001 - the articles are stored; report, don't fail the job
            log.exception("stories update failed")
            self.stories_pending = False
            return {"error": f"{type(exc).__name__}: the stories update failed (see the server log)"}
        self.stories_pending = bool(stats.get("partial"))
        # at most half the time for left-over stories work (a fifth while reads go on), so that reads keep
        # the CPU they need
        elapsed = time.monotonic() - started
        self._resume_at = time.monotonic() + elapsed * (self.busy_rest if busy else 1.0)
        self.db.invalidate()
        return plain(stats)
