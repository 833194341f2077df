#!/usr/bin/env python
"""Measure the Indonesian pipeline's speed (words/s on one CPU core) and peak memory on corpus text.

Usage: python scripts/bench_nlp.py --shared ../shared [--articles 300] [--model DIR]
"words" are non-space tokens produced by the pipeline's tokenizer. Speed is reported per CPU second
of this process (one thread), and as wall-clock words/s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, as the target says

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pantau import nlp as pnlp  # noqa: E402


def texts(shared: Path, n: int, skip: int) -> list[str]:
    out: list[str] = []
    with gzip.open(shared / "corpus" / "news_id.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < skip:
                continue
            text = json.loads(line).get("text") or ""
            if text.strip():
                out.append(text)
            if len(out) >= n:
                break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--skip", type=int, default=1000, help="start further into the corpus")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--components", action="store_true",
                    help="also print each component's share of CPU time (tokenizer, tok2vec, parser, ...)")
    args = ap.parse_args(argv)
    if args.model:
        os.environ["PANTAU_NLP_MODEL"] = str(args.model)
    t0 = time.perf_counter()
    nlp = pnlp.load()
    load_s = time.perf_counter() - t0
    both = texts(args.shared, 2 * args.articles, args.skip)
    docs_in, docs_next = both[: args.articles], both[args.articles:]
    list(pnlp.pipe(docs_in[:5]))  # warm-up
    t1 = time.perf_counter()
    c1 = time.process_time()
    words = 0
    ents = 0
    for doc in pnlp.pipe(docs_in, batch_size=args.batch_size):
        words += sum(1 for t in doc if not t.is_space)
        ents += len(doc.ents)
    secs = time.perf_counter() - t1
    cpu = time.process_time() - c1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model: {pnlp.model_path() or 'blank fallback'}  pipes: {nlp.pipe_names}")
    print(f"load: {load_s:.2f} s")
    print(f"articles: {len(docs_in)}  words: {words}  entities: {ents}")
    print(f"wall: {secs:.2f} s  ({words / secs:,.0f} words/s wall clock)")
    print(f"cpu: {cpu:.2f} s  speed: {words / cpu:,.0f} words/s per CPU core (1 thread; CPU time, so a"
          " busy machine does not distort it)")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    # Second pass over the same texts: per-word caches (floret vectors, lemmas, tokenizer) are warm, as
    # in a long-running process that has seen a few hundred articles.
    c2 = time.process_time()
    words2 = sum(1 for doc in pnlp.pipe(docs_in, batch_size=args.batch_size) for t in doc if not t.is_space)
    cpu2 = time.process_time() - c2
    print(f"warm pass: {words2 / cpu2:,.0f} words/s per CPU core (same texts again, caches warm)")
    # Steady state: the next, unseen articles after the first ones (a long-running process: the
    # caches hold the common words, every article is new)
    c3 = time.process_time()
    words3 = sum(1 for doc in pnlp.pipe(docs_next, batch_size=args.batch_size) for t in doc if not t.is_space)
    cpu3 = time.process_time() - c3
    print(f"steady state: {words3 / cpu3:,.0f} words/s per CPU core ({len(docs_next)} unseen articles, "
          f"{words3} words, after the first {len(docs_in)})")
    if args.components:
        print_components(nlp, docs_in, args.batch_size)
    return 0


def print_components(nlp, docs_in: list[str], batch_size: int) -> None:  # noqa: ANN001
    """CPU seconds per component (run one after the other over the same texts; caches are warm)."""
    c = time.process_time()
    docs = [nlp.make_doc(t) for t in docs_in]
    times = {"tokenizer": time.process_time() - c}
    for name, proc in nlp.pipeline:
        c = time.process_time()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            docs = [proc(d) for d in docs]
        times[name] = time.process_time() - c
    total = sum(times.values())
    for name, secs in times.items():
        print(f"  {name:20s} {secs:6.2f} s  {100 * secs / total:5.1f}%")


if __name__ == "__main__":
    raise SystemExit(main())
