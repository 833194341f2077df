"""Worker processes for the per-article pipeline (``pantau ingest|extract --workers N``).

Why processes: the pipeline is CPU-bound Python and spaCy, so threads would share one core.
The parent loads the model and every lazily read table once (``pipeline.warm_up``) and then
forks the workers, which share that memory copy-on-write (``gc.freeze`` keeps the collector
from writing to the shared objects and so copying their pages). The parent reads the inputs,
asks the store which articles it may skip and is the only writer; the workers clean and analyse
chunks of records. Chunks are the unit of ``nlp.pipe`` batching in one process too, so the
output is the same, and it comes back in input order.

A worker that dies (killed, out of memory, a crash in native code) breaks the pool: a new pool
is forked and the unfinished chunks are sent again; a chunk that breaks the pool twice is run
one record per task, and a record that breaks it alone becomes an error naming its file and line.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from pantau import pipeline
from pantau.pipeline import Stages, warm_up
from pantau.records import IngestError, RawRecord, Result

Item = RawRecord | IngestError
Out = Result | IngestError | None  # None: skipped (already stored, unchanged)
Skip = Callable[[list[Result]], list[bool]]
DIED = "worker process died on this record (killed, or a crash such as running out of memory)"


def available_cores() -> int:
    """Cores this process may run on (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def chunks(items: Iterable[Item], size: int | None = None) -> Iterator[list[Item]]:
    """The stream in lists of ``size`` records (default ``pipeline.CHUNK``)."""
    size = size or pipeline.CHUNK
    stream = iter(items)
    while chunk := list(islice(stream, size)):
        yield chunk


# -- one chunk, in any process ------------------------------------------------------------
def todo_flags(cleaned: list[Result | IngestError] | list[Result | None], skip: Skip | None) -> list[bool]:
    """Which cleaned records still need the NLP stage (``skip`` says which are stored unchanged;
    an error or None needs nothing)."""
    results = [r for r in cleaned if isinstance(r, Result)]
    flags = [False] * len(results)
    if skip and results:
        try:
            flags = skip(results)
        except Exception:  # noqa: BLE001 - cannot tell what is stored: analyse all, storing reports failures
            if os.environ.get("PANTAU_DEBUG"):
                raise
    it = iter(flags)
    return [isinstance(r, Result) and not next(it) for r in cleaned]


Cleaned = list[Result | IngestError]


def pairs_todo(items: list[Item], cleaned: Cleaned, todo: list[bool]) -> list[tuple[RawRecord, Result]]:
    return [(i, r) for i, r, do in zip(items, cleaned, todo, strict=True) if do]  # type: ignore[misc]


def merge_chunk(
    items: list[Item], cleaned: Cleaned, todo: list[bool], analysed: Cleaned
) -> list[tuple[Item, Out]]:
    done = iter(analysed)
    return [
        (item, r if isinstance(r, IngestError) else (next(done) if do else None))
        for item, r, do in zip(items, cleaned, todo, strict=True)
    ]


def run_chunk(stages: Stages, items: list[Item], skip: Skip | None = None) -> list[tuple[Item, Out]]:
    """(record, what it became) for one chunk, in this process."""
    cleaned = stages.clean_many(items)
    todo = todo_flags(cleaned, skip)
    return merge_chunk(items, cleaned, todo, stages.analyse_many(pairs_todo(items, cleaned, todo)))


def _clean_task(stages: Stages, items: list[Item]) -> list[Result | IngestError]:
    return stages.clean_many(items)


def _analyse_task(stages: Stages, pairs: list[tuple[RawRecord, Result]]) -> list[Result | IngestError]:
    return stages.analyse_many(pairs)


def _whole_task(stages: Stages, items: list[Item]) -> list[tuple[Item, Out]]:
    return run_chunk(stages, items)


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the parent, which stops the pool (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# -- the pool ---------------------------------------------------------------------------------
@dataclass
class _Chunk:
    """One chunk on its way through the pool: clean, (parent: skip), analyse."""

    items: list[Item]
    stage: str = "clean"  # "clean" -> "analyse" -> "done"; "whole" when there is no skip step
    future: Future[Any] | None = None
    cleaned: list[Result | IngestError] = field(default_factory=list)
    todo: list[bool] = field(default_factory=list)
    out: list[tuple[Item, Out]] | None = None
    breaks: int = 0  # times the pool broke while this chunk was unfinished


class WorkerPool:
    """Chunks through forked workers, results in input order (see the module docstring)."""

    def __init__(self, stages: Stages, workers: int, skip: Skip | None = None) -> None:
        self.stages, self.workers, self.skip = stages, workers, skip
        self.pool: ProcessPoolExecutor | None = None

    def _fork(self) -> None:
        gc.freeze()  # objects made so far stay shared: the collector no longer writes to them
        self.pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupt
        )

    def _submit(self, c: _Chunk) -> None:
        assert self.pool is not None
        if c.stage == "whole":
            c.future = self.pool.submit(_whole_task, self.stages, c.items)
        elif c.stage == "clean":
            c.future = self.pool.submit(_clean_task, self.stages, c.items)
        elif c.stage == "analyse":
            pairs = pairs_todo(c.items, c.cleaned, c.todo)
            if pairs:
                c.future = self.pool.submit(_analyse_task, self.stages, pairs)
            else:  # everything stored or failed already: nothing for a worker
                c.future, c.stage, c.out = None, "done", merge_chunk(c.items, c.cleaned, c.todo, [])

    def _start(self, items: list[Item], window: deque[_Chunk]) -> None:
        c = _Chunk(items, stage="whole" if self.skip is None else "clean")
        window.append(c)  # first, so a broken pool at submission finds it in the window
        self._submit(c)

    def _step(self, c: _Chunk) -> None:
        """Take a finished task's result and move the chunk on (parent side)."""
        assert c.future is not None
        try:
            value = c.future.result()
        except BrokenProcessPool:  # handled by the caller
            raise
        except Exception:  # noqa: BLE001 - the task failed as a whole (e.g. a result that cannot be pickled)
            if os.environ.get("PANTAU_DEBUG"):
                raise
            c.future, c.stage, c.out = None, "done", run_chunk(self.stages, c.items, self.skip)  # run here
            return
        c.future = None
        if c.stage == "whole":
            c.out, c.stage = value, "done"
        elif c.stage == "clean":
            c.cleaned, c.stage = value, "analyse"
            c.todo = todo_flags(c.cleaned, self.skip)
            self._submit(c)
        else:
            c.out, c.stage = merge_chunk(c.items, c.cleaned, c.todo, value), "done"

    def _recover(self, window: deque[_Chunk]) -> None:
        """A worker died: fork a new pool and send every unfinished task again; a chunk that was
        unfinished at two breaks is run record by record (``_isolated``)."""
        assert self.pool is not None
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._fork()
        for c in window:
            finished = c.future is not None and c.future.done() and c.future.exception() is None
            if c.stage == "done" or finished:
                continue  # done, or finished before the break: its result is kept
            if c.future is None:  # its submission met the broken pool: send it now
                self._submit(c)
                continue
            c.breaks += 1
            if c.breaks < 2:
                self._submit(c)
            else:
                c.future, c.stage, c.out = None, "done", self._isolated(c.items)

    def _isolated(self, items: list[Item]) -> list[tuple[Item, Out]]:
        """Each record in a one-worker pool of its own, one after the other: a record that kills
        its worker is then known, and becomes an error naming its file and line."""
        ctx = multiprocessing.get_context("fork")
        out: list[tuple[Item, Out]] = []
        pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=_ignore_interrupt)
        try:
            for item in items:
                try:
                    cleaned = pool.submit(_clean_task, self.stages, [item]).result()
                    todo = todo_flags(cleaned, self.skip)
                    pairs = pairs_todo([item], cleaned, todo)
                    analysed = pool.submit(_analyse_task, self.stages, pairs).result() if pairs else []
                    out += merge_chunk([item], cleaned, todo, analysed)
                except BrokenProcessPool:
                    assert isinstance(item, RawRecord)  # an IngestError is never sent to a worker alone
                    out.append((item, IngestError(item.source, item.line, DIED)))
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=_ignore_interrupt)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return out

    def _advance(self, c: _Chunk) -> None:
        if c.future is not None and c.future.done():
            self._step(c)

    def run(self, batches: Iterable[list[Item]]) -> Iterator[list[tuple[Item, Out]]]:
        """Every chunk's (record, outcome) list, in input order."""
        warm_up(self.stages.with_events)
        self._fork()
        window: deque[_Chunk] = deque()
        source = iter(batches)
        try:
            while True:
                try:
                    while len(window) < 2 * self.workers and (items := next(source, None)) is not None:
                        self._start(items, window)
                    for c in window:
                        self._advance(c)
                except BrokenProcessPool:
                    self._recover(window)
                    continue
                if not window:
                    return
                while window and window[0].stage == "done":
                    head = window.popleft()
                    assert head.out is not None
                    yield head.out
                pending = [c.future for c in window if c.future is not None]
                if pending and not any(f.done() for f in pending):
                    wait(pending, return_when=FIRST_COMPLETED)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)


def results(
    items: Iterable[Item], stages: Stages, *, workers: int = 1, skip: Skip | None = None
) -> Iterator[tuple[Item, Out]]:
    """(record, what it became) for every input record, in order, on ``workers`` processes.

    One chunk or less of input, or ``workers`` 1, runs in this process (forking costs more than
    it saves there), as does everything where processes cannot fork (Windows). ``skip(results)``
    says which cleaned articles need no NLP (ingest: stored unchanged); it runs in this process,
    which owns the store.
    """
    if "fork" not in multiprocessing.get_all_start_methods():  # Windows: no copy-on-write workers
        workers = 1
    source = chunks(items)
    first = next(source, None)
    if first is None:
        return
    second = next(source, None) if workers > 1 else None
    if second is None:
        for chunk in (first, *source):
            yield from run_chunk(stages, chunk, skip)
        return
    pool = WorkerPool(stages, workers, skip)

    def again() -> Iterator[list[Item]]:
        yield first
        yield second
        yield from source

    for out in pool.run(again()):
        yield from out
