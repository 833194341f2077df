"""Escalation demo: seeds + international corpus articles -> events -> stories -> index -> chart.

    OMP_NUM_THREADS=1 python scripts/demo_escalation.py out/escalation.png [--shared ../shared]
        [--years 2022,2024] [--db FILE] [--limit N]

Runs the full pipeline (clean -> NLP -> events) on the 5 seed articles and on the corpus articles
marked international that were published in ``--years`` (the pipeline is slow: restrict it), stores
them in a temporary store, updates stories / canonical events / index / alerts, prints the
RUS-UKR and RUS-USA series with the nuclear channel, the alerts and the largest stories, and
writes the chart to the PNG path given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pantau import stories
from pantau.records import IngestError, RawRecord
from pantau.stories.evaluate import read_corpus

DYADS = ("RUS-UKR", "RUS-USA")


def _raws(shared: Path, years: set[str], limit: int | None) -> list[RawRecord]:
    from pantau.ingest import read_inputs

    raws: list[RawRecord] = [r for r in read_inputs([str(shared / "seeds" / "seeds.jsonl")])
                             if isinstance(r, RawRecord)]
    corpus = shared / "corpus" / "news_id.jsonl.gz"
    if corpus.exists():
        rows = [r for r in read_corpus(corpus, international_only=True)
                if (r.get("published") or "")[:4] in years]
        rows.sort(key=lambda r: (r["published"], r["id"]))
        for r in rows[:limit]:
            raws.append(RawRecord(source="corpus", id=r["id"], url=r.get("url"), title=r.get("title"),
                                  published=r.get("published"), outlet=r.get("outlet"), text=r.get("text")))
    return raws


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("png", help="where to write the chart")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--years", default="2022,2024", help="publication years of corpus articles to add")
    ap.add_argument("--db", default=None, help="store path (default: a temporary file)")
    ap.add_argument("--limit", type=int, default=None, help="at most N corpus articles")
    ap.add_argument("--no-events", action="store_true", help="skip NLP/events (stories only; fast)")
    args = ap.parse_args(argv)
    from pantau.pipeline import process_all
    from pantau.store import Store

    shared = Path(args.shared)
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="pantau-demo-"), "demo.duckdb")
    raws = _raws(shared, {y.strip() for y in args.years.split(",")}, args.limit)
    print(f"store {db}: {len(raws)} articles (5 seeds + international corpus {args.years})", flush=True)
    t0 = time.perf_counter()
    n_err = 0
    with Store(db) as store:
        batch = []
        for k, res in enumerate(process_all(raws, with_events=not args.no_events), 1):
            if isinstance(res, IngestError):
                n_err += 1
                continue
            batch.append(res)
            if len(batch) >= 25:
                store.upsert_many(batch)
                batch.clear()
            if k % 25 == 0:
                print(f"  processed {k}/{len(raws)} in {time.perf_counter() - t0:.0f}s", flush=True)
        store.upsert_many(batch)
        n_ev = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
        print(f"pipeline: {len(raws) - n_err} stored, {n_err} errors, {n_ev} events, "
              f"{time.perf_counter() - t0:.0f}s", flush=True)
        stats = stories.update(store)
        print(f"stories.update: {stats}")
        con = store.con
        for dy in DYADS:
            rows = stories.index_series(con, dy)
            print(f"\n{dy}: {len(rows)} days with events "
                  "(score = sum of intensity x (1 + log2 sources); cbrn = nuclear channel)")
            print(f"  {'day':<10} {'score':>7} {'conflict':>8} {'coop':>6} {'cbrn':>6} {'n':>3}")
            for r in rows:
                if r["day"].year in (2022, 2024) or len(rows) < 40:
                    print(f"  {r['day']!s:<10} {r['score']:>7.1f} {r['conflict']:>8.1f} "
                          f"{r['cooperation']:>6.1f} {r['cbrn']:>6.1f} {r['n_events']:>3}")
        print("\nalerts:")
        for a in stories.alerts(con, limit=20):
            print(f"  {a['day']} {a['dyad']:<9} {a['channel']:<11} value={a['value']:.1f} "
                  f"baseline={a['baseline']:.1f} z={a['z']:.1f} events={a['event_ids'][:4]}")
        print("\nlargest stories:")
        for s in stories.list_stories(con, limit=8, order="size"):
            print(f"  {s['id']} {s['first_date']}..{s['last_date']} {s['n_articles']} art "
                  f"{s['n_outlets']} outlets {s['n_events']} ev  {(s['title'] or '')[:70]}")
        from pantau.stories.plot import plot_index

        Path(args.png).parent.mkdir(parents=True, exist_ok=True)
        plot_index(con, list(DYADS), args.png)
        print(f"\nchart: {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
