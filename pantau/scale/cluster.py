"""The per-article pipeline on a Dask cluster (``pantau ingest --dask ADDRESS|local:N``).

Why Dask (dask.distributed): a maintained scheduler that already does what a cluster run needs:
it places tasks on workers, moves results, restarts a worker that dies and runs its tasks again
elsewhere (up to ``distributed.scheduler.allowed-failures`` times). Pantau adds three things:

* shards: the inputs cut into tasks (``plan_shards``): a JSON-lines file in ranges of
  ``shard_size`` lines, other files (HTML, text, feeds) grouped ``shard_size`` to a task, a WARC
  file one task (a WARC set: one task per file);
* a worker plugin (``LoadModel``) that loads the NLP model and its tables once per worker, when the
  worker starts, not per task;
* results as Parquet shards (``pantau.scale.parquet``), loaded by the client, the store's only
  writer, with the store's idempotent upsert: a task run twice (its worker died after finishing)
  or a shard loaded twice stores each article once;
* with a store to ask (``skip``, as a plain ingest has), each shard runs in two steps so articles
  stored with the same content are not parsed again: ``clean_shard`` reads and cleans it and keeps
  the result on its worker, the client asks the store about the cleaned articles (only they travel),
  and ``analyse_shard`` parses what is left there. A worker that dies between the steps loses its
  cleaned shard; Dask recomputes it from the shard (its lineage).

Shards are taken in input order, so the store ends as a plain ``pantau ingest`` leaves it.
"""

from __future__ import annotations

import gzip
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from pantau.ingest.formats import JSONL_EXT, KNOWN_EXT, WARC_EXT, _ext
from pantau.pipeline import CHUNK, Stages, warm_up
from pantau.records import IngestError, RawRecord, Result
from pantau.scale.parquet import decode_shard, encode_shard
from pantau.scale.workers import Skip, merge_chunk, pairs_todo, todo_flags

SHARD_SIZE = 256  # records per task: ~10 s of work on one core, small next to Dask's per-task cost
Row = tuple[RawRecord | IngestError, Result | IngestError | None]  # None: stored unchanged
Cleaned = list[tuple[RawRecord | IngestError, Result | IngestError]]


@dataclass(frozen=True)
class Part:
    """A file, or the lines ``start``..``stop`` (1-based, inclusive) of a JSON-lines file."""

    path: str
    start: int | None = None
    stop: int | None = None


Shard = tuple[Part, ...]


def _lines(path: Path) -> int:
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    n, last = 0, b"\n"
    with opener(path, "rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _files(arg: str, warn: Callable[[str], None]) -> list[Path] | None:
    """The article files an INPUT names (a file, a directory walked as ``read_inputs`` walks it, a
    glob); None when it names nothing (``read_inputs`` then reports it)."""
    path = Path(arg)
    if path.is_dir():
        found = []
        for f in sorted(path.rglob("*")):
            if any(p.startswith(".") for p in f.relative_to(path).parts) or not f.is_file():
                continue
            if _ext(f.name) in KNOWN_EXT:
                found.append(f)
            else:
                warn(f"{f}: skipped: unknown file type")
        return found or None
    if path.exists():
        return [path]
    hits = sorted(Path().glob(arg)) if not path.is_absolute() else sorted(Path("/").glob(arg.lstrip("/")))
    return [f for f in hits if f.is_file()] or None


def plan_shards(inputs: tuple[str, ...] | list[str], shard_size: int = SHARD_SIZE,
                warn: Callable[[str], None] | None = None) -> list[Shard]:
    """The inputs as tasks, in input order (see the module docstring)."""
    warn = warn or (lambda message: None)
    shards: list[Shard] = []
    small: list[Part] = []

    def close_small() -> None:
        if small:
            shards.append(tuple(small))
            small.clear()

    for arg in inputs:
        files = _files(arg, warn)
        if files is None:  # let the reader name the problem, in its own task
            close_small()
            shards.append((Part(arg),))
            continue
        for f in files:
            ext = _ext(f.name)
            if ext in JSONL_EXT:
                close_small()
                n = _lines(f)
                for start in range(1, max(n, 1) + 1, shard_size):
                    shards.append((Part(str(f), start, start + shard_size - 1),))
            elif ext in WARC_EXT:
                close_small()
                shards.append((Part(str(f)),))
            else:
                small.append(Part(str(f)))
                if len(small) >= shard_size:
                    close_small()
    close_small()
    return shards


def _read_part(part: Part) -> Iterator[RawRecord | IngestError]:
    from pantau.ingest import read_inputs

    for item in read_inputs([part.path]):
        if part.start is None:
            yield item
        elif item.line is None:
            if part.start == 1:  # a whole-file error belongs to the file's first shard only
                yield item
        elif item.line > part.stop:  # type: ignore[operator]
            return
        elif item.line >= part.start:
            yield item


def run_shard(shard: Shard, stages: Stages) -> bytes:
    """One task, on a worker: the shard's records through the pipeline, as a Parquet shard."""
    from pantau.scale.workers import results

    items = (item for part in shard for item in _read_part(part))
    return encode_shard(results(items, stages, workers=1))


def clean_shard(shard: Shard, stages: Stages) -> Cleaned:
    """First step of a shard when the store is asked (kept on the worker): every record cleaned."""
    items = [item for part in shard for item in _read_part(part)]
    return list(zip(items, stages.clean_many(items), strict=True))


def shard_articles(cleaned: Cleaned) -> list[Result | None]:
    """What the client needs to ask the store: each cleaned article (None for a failed record)."""
    return [r if isinstance(r, Result) else None for _, r in cleaned]


def analyse_shard(cleaned: Cleaned, todo: list[bool], stages: Stages) -> bytes:
    """Second step: NLP and events for the records still to do, in the chunks a plain run uses."""
    rows: list[Row] = []
    for k in range(0, len(cleaned), CHUNK):
        items = [item for item, _ in cleaned[k : k + CHUNK]]
        results = [r for _, r in cleaned[k : k + CHUNK]]
        flags = todo[k : k + CHUNK]
        rows += merge_chunk(items, results, flags, stages.analyse_many(pairs_todo(items, results, flags)))
    return encode_shard(rows)


class LoadModel(WorkerPlugin):
    """Loads the NLP model and its tables once, when a worker starts (and again in a worker that
    replaces one that died), so tasks only parse."""

    name = "pantau-model"

    def __init__(self, with_events: bool = True) -> None:
        self.with_events = with_events

    def setup(self, worker: Any) -> None:
        warm_up(self.with_events)


def _client(address: str) -> tuple[Any, Any]:
    """(client, cluster or None) for ``tcp://...``/``host:port`` or ``local:N``."""
    from distributed import Client, LocalCluster

    if address.startswith("local"):
        _, _, n = address.partition(":")
        cluster = LocalCluster(n_workers=int(n or 0) or None, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    return Client(address), None


def _window(client: Any) -> int:
    """Shards in flight: two per worker thread (one running, one ready), at least four."""
    try:
        return max(4, 2 * sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001 - the scheduler cannot say: a small window still works
        return 4


def cluster_results(
    address: str | Any, inputs: tuple[str, ...] | list[str], stages: Stages, *, shard_size: int | None = None,
    warn: Callable[[str], None] | None = None, task: Callable[[Shard, Stages], bytes] = run_shard,
    skip: Skip | None = None, analyse: Callable[[Cleaned, list[bool], Stages], bytes] = analyse_shard,
) -> Iterator[Row]:
    """(where, result, error or None) for every input record, computed on a Dask cluster.

    ``address``: a scheduler address, ``local:N``, or a ``distributed.Client``. With ``skip`` (see
    ``workers.results``), articles it calls stored and unchanged are not parsed and come back as None.
    A shard that fails for good (its task raised three times, or killed ``allowed-failures`` workers)
    becomes one error naming its file and lines; the other shards go on.
    """
    from distributed import Client

    shards = plan_shards(inputs, shard_size or SHARD_SIZE, warn)
    own = not isinstance(address, Client)
    client, cluster = _client(address) if own else (address, None)
    try:
        client.register_plugin(LoadModel(stages.with_events))
        if skip is None:
            yield from _one_step(client, shards, stages, task)
        else:
            yield from _two_steps(client, shards, stages, skip, analyse)
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()


def _one_step(client: Any, shards: list[Shard], stages: Stages,
              task: Callable[[Shard, Stages], bytes]) -> Iterator[Row]:
    run = uuid.uuid4().hex[:8]
    keys = [f"pantau-shard-{run}-{i}" for i in range(len(shards))]
    futures = client.map(task, shards, stages=stages, key=keys, retries=2, pure=False)
    for shard, future in zip(shards, futures, strict=True):
        yield from _collect(shard, future)


def _collect(shard: Shard, future: Any) -> Iterator[Row]:
    """A finished shard's rows, or one error for it."""
    try:
        data = future.result()
    except Exception as exc:  # noqa: BLE001 - one shard's failure is reported, the run goes on
        yield from _failed(shard, exc)
        return
    finally:
        future.release()
    yield from decode_shard(data)


@dataclass
class _InFlight:
    """One shard between its two steps (``_two_steps``)."""

    index: int
    shard: Shard
    cleaned: Any  # the future of clean_shard's result, on a worker
    articles: Any  # the future of shard_articles, for the client
    analysed: Any = None  # the future of the Parquet shard, once the store has been asked
    error: BaseException | None = None  # the clean step failed for good

    @property
    def done(self) -> bool:
        return self.error is not None or (self.analysed is not None and self.analysed.done())


def _two_steps(client: Any, shards: list[Shard], stages: Stages, skip: Skip,
               analyse: Callable[[Cleaned, list[bool], Stages], bytes]) -> Iterator[Row]:
    """Clean, ask the store, analyse what is left; a window of shards in flight, rows in input order.

    The analyse step has the higher priority, so cleaned shards do not pile up on the workers."""
    from distributed import wait

    run = uuid.uuid4().hex[:8]
    window: deque[_InFlight] = deque()
    todo = iter(enumerate(shards))
    size = _window(client)
    while True:
        while len(window) < size and (nxt := next(todo, None)) is not None:
            i, shard = nxt
            cleaned = client.submit(clean_shard, shard, stages, key=f"pantau-clean-{run}-{i}", retries=2,
                                    pure=False)
            articles = client.submit(shard_articles, cleaned, key=f"pantau-articles-{run}-{i}", retries=2)
            window.append(_InFlight(i, shard, cleaned, articles))
        if not window:
            return
        for f in window:
            if f.analysed is None and f.error is None and f.articles.done():
                _ask_store(client, f, stages, skip, analyse, key=f"pantau-analyse-{run}-{f.index}")
        while window and window[0].done:
            head = window.popleft()
            if head.error is not None:
                yield from _failed(head.shard, head.error)
            else:
                yield from _collect(head.shard, head.analysed)
        pending = [f.analysed if f.analysed is not None else f.articles for f in window if f.error is None]
        if pending and not any(p.done() for p in pending):
            wait(pending, return_when="FIRST_COMPLETED")


def _ask_store(client: Any, f: _InFlight, stages: Stages, skip: Skip,
               analyse: Callable[[Cleaned, list[bool], Stages], bytes], key: str) -> None:
    """Ask the store about a cleaned shard's articles and submit its analyse step (or note why not)."""
    try:
        articles = f.articles.result()
    except Exception as exc:  # noqa: BLE001 - the clean step failed for good: the shard is reported
        f.error = exc
        f.cleaned.release()
        return
    finally:
        f.articles.release()
    todo = todo_flags(articles, skip)
    f.analysed = client.submit(analyse, f.cleaned, todo, stages, key=key, retries=2, pure=False, priority=1)
    f.cleaned.release()  # the analyse task holds it now


def _failed(shard: Shard, exc: BaseException) -> Iterator[Row]:
    for part in shard:
        lines = f"lines {part.start}-{part.stop}: " if part.start is not None else ""
        err = IngestError(part.path, part.start, f"{lines}failed on the cluster: {type(exc).__name__}: {exc}")
        yield err, err
