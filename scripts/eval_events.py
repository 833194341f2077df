#!/usr/bin/env python3
"""Run the whole pipeline on the seed and dev articles and score the events against gold.

    python scripts/eval_events.py [--shared ../shared] [--per-article] [--out DIR]

For each split it runs ``pantau extract`` (the real end-to-end pipeline: clean, NLP, actors,
events) and then ``shared/eval/score.py``; the scorer's report is printed as is.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPLITS = (
    ("seeds", "seeds/seeds.jsonl", "eval/gold/seeds.jsonl"),
    ("dev", "eval/dev_articles.jsonl", "eval/gold/dev.jsonl"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--out", default="/tmp", help="where the system outputs are written")
    ap.add_argument("--per-article", action="store_true")
    ap.add_argument("--split", choices=[s[0] for s in SPLITS], action="append")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    for name, inp, gold in SPLITS:
        if args.split and name not in args.split:
            continue
        out = Path(args.out) / f"{name}.out.jsonl"
        t0 = time.perf_counter()
        with out.open("w", encoding="utf-8") as fh:
            subprocess.run(["pantau", "extract", str(shared / inp)], stdout=fh, check=True, cwd=ROOT)
        took = time.perf_counter() - t0
        print(f"== {name}: pantau extract {shared / inp} > {out}  ({took:.1f}s)")
        cmd = [sys.executable, str(shared / "eval" / "score.py"), str(shared / gold), str(out)]
        if args.per_article:
            cmd.append("--per-article")
        subprocess.run(cmd, check=True)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
