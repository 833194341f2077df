#!/usr/bin/env python3
"""Throughput of the ingest path on the shared corpus, on one core.

    OMP_NUM_THREADS=1 python scripts/bench.py --shared ../shared [--n 2000] [--events]

Stages are timed separately on the same N articles of shared/corpus/news_id.jsonl.gz:
read (parse JSON lines), read+clean+metadata (``clean_article``), with ``--events`` the
NLP + event stage, and store upsert into a fresh DuckDB file (first insert, then a
re-ingest where everything is unchanged; with ``--events`` the rows include the events).
One-off loading (lexicons, language detector, NLP model) happens before the timed loops.
Peak memory is the process's maximum resident set size so far (``resource.getrusage``),
read after each stage.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402 - thread limits must be set before numeric libraries load
import itertools  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from pantau.records import IngestError, RawRecord, Result  # noqa: E402


def peak_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


class Timer:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared", help="path to the shared folder (default ../shared)")
    ap.add_argument("--n", type=int, default=2000, help="articles to use (default 2000)")
    ap.add_argument("--events", action="store_true", help="also time the NLP + event stage")
    ap.add_argument("--batch-size", type=int, default=256, help="articles per store transaction")
    args = ap.parse_args(argv)

    corpus = Path(args.shared) / "corpus" / "news_id.jsonl.gz"
    if not corpus.exists():
        print(f"bench: no corpus at {corpus}", file=sys.stderr)
        return 2

    from pantau.clean import clean_article
    from pantau.ingest import read_inputs
    from pantau.store import Store

    rows: list[tuple[str, int, Timer]] = []

    def report(name: str, n: int, t: Timer) -> None:
        rows.append((name, n, t))
        rate = n / t.wall if t.wall else float("inf")
        print(f"  {name}: {n} articles, {t.wall:.2f} s wall, {rate:,.0f}/s, peak {peak_mb():.0f} MB",
              file=sys.stderr, flush=True)
        peaks.append(peak_mb())

    peaks: list[float] = []
    with Timer() as t_read:
        raws = [r for r in itertools.islice(read_inputs([str(corpus)]), args.n)]
    records = [r for r in raws if isinstance(r, RawRecord)]
    read_errors = sum(isinstance(r, IngestError) for r in raws)
    report("read (JSON lines, gzip)", len(raws), t_read)

    results: list[Result] = []
    clean_errors = 0
    if records:  # load lexicons and detectors once, outside the timed loop
        clean_article(records[0])
    with Timer() as t_clean:
        for raw in itertools.islice(read_inputs([str(corpus)]), args.n):
            if isinstance(raw, IngestError):
                continue
            try:
                results.append(Result(article=clean_article(raw)))
            except ValueError:
                clean_errors += 1
    report("read + clean + metadata", len(records), t_clean)

    n_events = 0
    if args.events:
        from pantau.pipeline import BATCH, analyse, parse_many

        if results:  # load the NLP model outside the timed loop
            analyse(Result(article=results[0].article))
        with Timer() as t_ev:
            for i in range(0, len(results), BATCH):  # as the CLI does: nlp.pipe batches
                batch = results[i : i + BATCH]
                for res, doc in zip(batch, parse_many(batch), strict=True):
                    n_events += len(analyse(res, doc).events)
        report("NLP + events (batched parse + analyse)", len(results), t_ev)

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        store.con.execute("SET threads TO 1")  # one core, like the rest
        with Timer() as t_ins:
            for i in range(0, len(results), args.batch_size):
                store.upsert_many(results[i : i + args.batch_size])
        report("store upsert (insert)", len(results), t_ins)
        with Timer() as t_same:
            for i in range(0, len(results), args.batch_size):
                store.upsert_many(results[i : i + args.batch_size])
        report("store upsert (unchanged)", len(results), t_same)
        store.close()
        size_mb = sum(p.stat().st_size for p in Path(tmp).glob("bench.duckdb*")) / 1e6

    print()
    print(f"Pantau ingest benchmark: {corpus} (first {args.n} lines), one core "
          f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')})")
    print(f"{'stage':<26} {'articles':>8} {'wall s':>8} {'cpu s':>8} {'per wall s':>11} {'per cpu s':>10}"
          f" {'peak MB':>8}")
    for (name, n, t), peak in zip(rows, peaks, strict=True):
        rate = n / t.wall if t.wall else float("inf")
        cpu_rate = n / t.cpu if t.cpu else float("inf")
        print(f"{name:<26} {n:>8} {t.wall:>8.2f} {t.cpu:>8.2f} {rate:>11,.0f} {cpu_rate:>10,.0f}"
              f" {peak:>8.0f}")
    print("(per cpu s = articles per second of CPU time on one core: the figure that does not depend on"
          " how busy the machine is)")
    print(f"read errors {read_errors}, clean errors {clean_errors}, database {size_mb:.1f} MB"
          + (f", {n_events} events" if args.events else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
