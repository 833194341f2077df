"""The analysis of a batch: in the watch process, or (``workers`` > 0) in child processes.

Why children: the NLP is CPU-bound and holds the GIL, so in a process that also serves the dashboard
(``--serve``) it would starve the reads, and one process uses one core. With workers, a batch is split
over the children: each cleans its part, the parent asks the store which articles are stored unchanged
(it alone holds the store), and the children parse and code the rest. At one article a second each batch
is one article; when items queue up, batches grow and the children work in parallel. Children are
spawned (a fork of a process with threads is unsafe) and load the model once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pantau.pipeline import Stages
from pantau.records import IngestError, RawRecord, Result

log = logging.getLogger("pantau.watch")
Record = RawRecord | IngestError
Out = Result | IngestError | None  # None: stored unchanged, not analysed again
Skip = Callable[[list[Result]], list[bool]]


def _child_init(with_events: bool) -> None:
    """In a child: a lower priority than the watcher's fetching and serving, then the model."""
    try:
        os.nice(5)
    except OSError:
        pass
    from pantau.pipeline import warm_up

    warm_up(with_events)


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    parts = max(1, min(parts, len(items)))
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


class Analyser:
    """Clean and analyse records, skipping the articles the store holds unchanged."""

    def __init__(self, stages: Stages, workers: int = 0) -> None:
        self.stages = stages
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the children (each loads the model: seconds), or load it here."""
        if self.workers > 0:
            if self.pool is None:
                ctx = multiprocessing.get_context("spawn")
                self.pool = ProcessPoolExecutor(
                    self.workers, mp_context=ctx, initializer=_child_init, initargs=(self.stages.with_events,)
                )
                # one trivial task per child makes them load the model now, not on the first article
                list(self.pool.map(Stages.clean_many, [self.stages] * self.workers, [[]] * self.workers))
        else:  # the cleaner's tables too, without events
            from pantau.pipeline import warm_up

            warm_up(self.stages.with_events)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def run(self, records: list[Record], skip: Skip | None) -> list[tuple[Record, Out]]:
        """(record, what it became) for each record, in order."""
        if self.workers <= 0:
            from pantau.scale.workers import run_chunk

            return run_chunk(self.stages, records, skip)
        try:
            return self._pooled(records, skip)
        except BrokenProcessPool:  # a child died (killed, out of memory): new children, this batch here
            log.warning("an analysis process died; restarting them, and analysing this batch in the watcher")
            self.close()
            self.start()
            from pantau.scale.workers import run_chunk

            return run_chunk(self.stages, records, skip)

    def _pooled(self, records: list[Record], skip: Skip | None) -> list[tuple[Record, Out]]:
        if self.pool is None:
            self.start()
        assert self.pool is not None
        parts = _split(records, self.workers)
        cleaned: list[Result | IngestError] = [
            r for part in self.pool.map(Stages.clean_many, [self.stages] * len(parts), parts) for r in part
        ]
        results = [r for r in cleaned if isinstance(r, Result)]
        unchanged = skip(results) if skip and results else [False] * len(results)
        flags = iter(unchanged)
        todo = [isinstance(r, Result) and not next(flags) for r in cleaned]
        pairs = [(rec, res) for rec, res, do in zip(records, cleaned, todo, strict=True) if do]
        analysed: list[Result | IngestError] = []
        if pairs:
            chunks = _split(pairs, self.workers)
            for part in self.pool.map(Stages.analyse_many, [self.stages] * len(chunks), chunks):
                analysed.extend(part)
        done = iter(analysed)
        out: list[tuple[Record, Out]] = []
        for rec, res, do in zip(records, cleaned, todo, strict=True):
            out.append((rec, res if isinstance(res, IngestError) else (next(done) if do else None)))
        return out
