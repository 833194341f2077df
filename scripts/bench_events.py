#!/usr/bin/env python3
"""End-to-end extract speed on one core, and what the learned event coder adds to it.

    OMP_NUM_THREADS=1 python scripts/bench_events.py [--n 300] [--shared ../shared]

Runs the first N corpus articles through the whole pipeline (clean, NLP, rule reading, events) and
times each stage; the learned coder (``pantau.events.model.code``) is timed separately, so its share
of the end-to-end time is the cost of learned coding. Prints articles/s, ms per article per stage,
the model's share, the events per article of both coders and their share of same-country dyads (the
actor's code among the recipient's: domestic acts, and the trivia that non-political news gives).
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()

    from pantau import nlp
    from pantau.dates.checks import check_event_dates
    from pantau.events import model, rules
    from pantau.pipeline import process
    from pantau.records import RawRecord

    models = model.load()
    if models is None:
        raise SystemExit("no event model shipped (pantau/events/model/data/events.npz)")
    raws = []
    with gzip.open(args.shared / "corpus" / "news_id.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            if a.get("text"):
                raws.append(RawRecord(source="corpus", id=a.get("id"), text=a["text"], title=a.get("title"),
                                      published=a.get("published"), url=a.get("url"), outlet=a.get("outlet")))
            if len(raws) >= args.n:
                break
    nlp.load()
    times = dict.fromkeys(("clean", "nlp", "rules", "model"), 0.0)
    n_rule = n_model = self_rule = self_model = 0
    t_all = time.perf_counter()
    for raw in raws:
        t = time.perf_counter()
        art = process(raw, with_events=False).article
        times["clean"] += time.perf_counter() - t
        t = time.perf_counter()
        doc = nlp.parse(art.text)
        times["nlp"] += time.perf_counter() - t
        t = time.perf_counter()
        reading, units = rules.read(art, doc)
        rule_events = rules.code_units(art, reading, units)
        times["rules"] += time.perf_counter() - t
        t = time.perf_counter()
        events = check_event_dates(model.code(art, doc, reading, units, rule_events, models), art.published,
                                   art.text)
        times["model"] += time.perf_counter() - t
        n_rule += len(rule_events)
        n_model += len(events)
        self_rule += sum(_self_dyad(e) for e in rule_events)
        self_model += sum(_self_dyad(e) for e in events)
    total = time.perf_counter() - t_all
    n = len(raws)
    print(f"{n} corpus articles: {n / total:.1f} articles/s end to end ({1000 * total / n:.1f} ms/article)")
    for k, v in times.items():
        print(f"  {k:6s} {1000 * v / n:7.1f} ms/article  ({100 * v / total:4.1f}%)")
    print(f"learned coder adds {100 * times['model'] / (total - times['model']):.1f}% to the rule pipeline; "
          f"events/article: rules {n_rule / n:.2f}, model {n_model / n:.2f}")
    print(f"same country on both sides: rules {self_rule / max(1, n_rule):.0%}, "
          f"model {self_model / max(1, n_model):.0%}")


def _self_dyad(event) -> bool:
    return bool({a.code for a in event.actor} & {r.code for r in event.recipient})


if __name__ == "__main__":
    main()
