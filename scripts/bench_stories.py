"""Benchmark and evaluate the stories layer on the shared corpus.

    OMP_NUM_THREADS=1 python scripts/bench_stories.py --shared ../shared [--days-per-report 100]

Loads all corpus articles (raw text, no NLP) into an in-memory store, then runs the incremental
update in publication order, reporting wall time, peak RSS every N processed days (memory must
stay flat), duplicate counts, and the clustering scores on shared/eval/stories/same_story_pairs.tsv.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

import duckdb

from pantau.stories import engine
from pantau.stories.evaluate import gold_clusters, load_articles, pair_recall, read_corpus, read_pairs, scores


def rss_mb() -> float:
    """Peak resident set size of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cur_rss_mb() -> float:
    """Current resident set size (MiB) from /proc, 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def dump(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Write the clustering's results in a stable order: two runs with equal files decided alike."""
    with path.open("w", encoding="utf-8") as f:
        for row in con.execute(
            """SELECT sa.article_id, sa.story_id, sa.reason, d.original_id, d.matched_id, d.relation
               FROM story_articles sa LEFT JOIN duplicates d ON d.article_id = sa.article_id
               ORDER BY sa.article_id"""
        ).fetchall():
            f.write("\t".join("" if v is None else str(v) for v in row) + "\n")
        for row in con.execute(
            """SELECT id, title, first_date, last_date, n_articles, n_outlets, outlets, main_actors
               FROM stories ORDER BY id"""
        ).fetchall():
            f.write("\t".join("" if v is None else str(v) for v in row) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--days-per-report", type=int, default=200)
    ap.add_argument("--international", action="store_true", help="only international articles")
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--dump", metavar="FILE",
                    help="write each article's story, duplicate link and reason (sorted) to FILE: "
                         "two runs that decided alike give equal files")
    ap.add_argument("--profile", metavar="FILE", help="cProfile the clustering run into FILE (pstats)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a clustering parameter of escalation.yaml (merge_model=merge_score.yaml)")
    args = ap.parse_args(argv)
    import yaml

    from pantau.stories.common import config

    for kv in args.set:
        key, value = kv.split("=", 1)
        config()["clustering"][key] = yaml.safe_load(value)
    shared = Path(args.shared)
    corpus = shared / "corpus" / "news_id.jsonl.gz"
    if not corpus.exists():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    con = duckdb.connect(args.db)
    t0 = time.perf_counter()
    rows = read_corpus(corpus, international_only=args.international)
    load_articles(con, rows)
    del rows
    gc.collect()
    t_load = time.perf_counter() - t0
    print(f"loaded {con.execute('SELECT count(*) FROM articles').fetchone()[0]} articles in {t_load:.1f}s; "
          f"peak RSS {rss_mb():.0f} MiB")
    n_days = [0]
    n_arts = [0]

    def progress(day: object, n: int) -> None:
        n_days[0] += 1
        n_arts[0] += n
        if n_days[0] % args.days_per_report == 0:
            print(f"  day {n_days[0]:5d} ({day}) articles {n_arts[0]:6d} "
                  f"t={time.perf_counter() - t1:6.1f}s RSS {cur_rss_mb():.0f} MiB (peak {rss_mb():.0f})")

    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
    c1 = time.process_time()
    t1 = time.perf_counter()
    if prof is not None:
        prof.enable()
    stats = engine.update_articles(con, progress=progress)
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
    t_upd = time.perf_counter() - t1
    print(f"de-dup + clustering: {stats} in {t_upd:.1f}s (CPU {time.process_time() - c1:.1f}s clustering, "
          f"{time.process_time():.1f}s with loading), "
          f"{n_days[0]} days, peak RSS {rss_mb():.0f} MiB")
    if args.dump:
        dump(con, Path(args.dump))
    rel = con.execute("SELECT relation, count(*) FROM duplicates GROUP BY 1 ORDER BY 1").fetchall()
    sizes = con.execute(
        """SELECT count(*), sum(CASE WHEN n_articles > 1 THEN 1 ELSE 0 END), max(n_articles),
                  sum(CASE WHEN n_outlets > 1 THEN 1 ELSE 0 END) FROM stories"""
    ).fetchall()[0]
    print(f"duplicates by relation: {rel}")
    print(f"stories: {sizes[0]} ({sizes[1]} with >1 article, largest {sizes[2]}, {sizes[3]} multi-outlet)")
    pairs_path = shared / "eval" / "stories" / "same_story_pairs.tsv"
    if pairs_path.exists():
        pairs = read_pairs(pairs_path)
        assign = dict(con.execute("SELECT article_id, story_id FROM story_articles").fetchall())
        hit, n = pair_recall(pairs, assign)
        sc = scores(gold_clusters(pairs), assign)
        print(f"same_story_pairs.tsv: {hit}/{n} listed pairs clustered together")
        print("  pairwise P={precision:.3f} R={recall:.3f} F1={f1:.3f} "
              "(tp={pairs_tp} fp={pairs_fp} fn={pairs_fn})".format(**sc))
        print("  BCubed P={bcubed_precision:.3f} R={bcubed_recall:.3f} F1={bcubed_f1:.3f} "
              "over {n_items} articles".format(**sc))
        # "same_story_loose" pairs are, by their own note, different events of one crisis: the
        # story definition (one event or a tightly connected development) does not require them
        firm = [p for p in pairs if p["relation"] != "same_story_loose"]
        if len(firm) < len(pairs):
            sc2 = scores(gold_clusters(firm), assign)
            print(f"  without the {len(pairs) - len(firm)} same_story_loose pair(s): pairwise "
                  "P={precision:.3f} R={recall:.3f} F1={f1:.3f}; BCubed F1={bcubed_f1:.3f}".format(**sc2))
        for p in pairs:
            ok = assign.get(p["id_a"]) == assign.get(p["id_b"])
            mark = "OK  " if ok else "MISS"
            print(f"   {mark} {p['relation']:<20} {p['title_a'][:45]:<45} | {p['title_b'][:45]}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
