#!/usr/bin/env python3
"""Throughput of the who/where/when resolvers on real corpus articles.

    OMP_NUM_THREADS=1 python scripts/bench_resolve.py [--n 500] [--corpus ../shared/corpus/news_id.jsonl.gz]

Prints load times, then for actors (pantau.actors), places (pantau.places.find_places on raw text,
gazetteer mode) and dates (pantau.dates.find_dates): articles/s, mentions/s and mean ms per article.
Reads the corpus at run time; nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news_id.jsonl.gz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="articles to use (the first N with text)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()

    arts = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            if a.get("text"):
                arts.append(a)
            if len(arts) >= args.n:
                break
    chars = sum(len(a["text"]) for a in arts)
    print(f"{len(arts)} articles, {chars / 1e6:.2f} M characters")

    t = time.perf_counter()
    from pantau.actors import get_resolver

    resolver = get_resolver()
    t_actor_load = time.perf_counter() - t
    t = time.perf_counter()
    from pantau.places import find_places, get_gazetteer

    get_gazetteer()
    t_place_load = time.perf_counter() - t
    from pantau.dates import find_dates

    print(f"load: actors {t_actor_load:.2f}s, places {t_place_load:.2f}s")

    def ref(a: dict) -> dt.date | None:
        p = a.get("published")
        return dt.date.fromisoformat(p[:10]) if p else None

    rows = []
    for name, fn in (
        ("actors", lambda a: resolver.mentions(a["text"], ref(a))),
        ("places", lambda a: find_places(a["text"])),
        ("dates", lambda a: find_dates(a["text"], ref(a))),
    ):
        fn(arts[0])  # warm caches that are per-process, not per-article
        t = time.perf_counter()
        n = sum(len(fn(a)) for a in arts)
        el = time.perf_counter() - t
        rows.append((name, len(arts) / el, n / el, 1000 * el / len(arts), n))
    print(f"{'stage':8s} {'articles/s':>11s} {'mentions/s':>11s} {'ms/article':>11s} {'mentions':>9s}")
    for name, aps, mps, ms, n in rows:
        print(f"{name:8s} {aps:11.1f} {mps:11.0f} {ms:11.2f} {n:9d}")


if __name__ == "__main__":
    main()
