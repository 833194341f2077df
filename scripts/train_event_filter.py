#!/usr/bin/env python3
"""Train and cross-validate the learned event filter (pantau/events/learned.py).

    python scripts/train_event_filter.py [--shared ../shared] [--outputs DIR] [--ship] [--limit N]

Runs ``pantau extract`` on the seed and dev articles (or reuses DIR/{seeds,dev}.out.jsonl), labels each
rule-coded event correct/incorrect with the gold scorer's own one-to-one matching, then measures
leave-one-article-out F1 of the rules alone vs rules + filter (threshold chosen inside each training
fold by inner grouped CV).  ``--ship`` writes the model only when the gain clears the bar.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pantau.events import learned  # noqa: E402

SPLITS = (("seeds", "seeds/seeds.jsonl", "eval/gold/seeds.jsonl"),
          ("dev", "eval/dev_articles.jsonl", "eval/gold/dev.jsonl"))
THRESHOLDS = [0.0] + [round(0.05 * i, 2) for i in range(2, 13)]
SKIPPED = {"hypothetical", "negated"}


def load_scorer(shared: Path) -> Any:
    """The gold scorer module, loaded from shared/eval/score.py (training time only)."""
    spec = importlib.util.spec_from_file_location("pantau_gold_score", shared / "eval" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_data(shared: Path, outputs: Path) -> list[tuple[str, list[dict], list[dict]]]:
    """[(article id, gold events, system events)] for seeds + dev."""
    data = []
    for name, inp, gold in SPLITS:
        out = outputs / f"{name}.out.jsonl"
        if not out.exists():
            with out.open("w", encoding="utf-8") as fh:
                subprocess.run(["pantau", "extract", str(shared / inp)], stdout=fh, check=True, cwd=ROOT)
        system = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                system[str(row.get("article", row).get("id"))] = row.get("events", [])
        for line in (shared / gold).read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                data.append((str(g["id"]), g["events"], system.get(str(g["id"]), [])))
    return data


def labels(scorer: Any, gold: list[dict], system: list[dict]) -> list[int | None]:
    """1 if matched to required gold, 0 if a false positive, None if unscored or absorbed by optional gold.

    Re-runs the scorer's own assignment (same weights as ``score_article``) to know which event went where.
    """
    kept = [i for i, s in enumerate(system) if s.get("factuality") not in SKIPPED]
    weights = []
    for g in gold:
        row = []
        for i in kept:
            s = system[i]
            if not scorer.compatible(g, s):
                row.append(0)
            elif g.get("optional"):
                row.append(100)
            else:
                dated = not g.get("date") or scorer.date_ok(g["date"], s.get("date"))
                row.append(10000 + (1 if dated else 0))
        weights.append(row)
    match = scorer.assign(weights) if kept else {}
    out: list[int | None] = [None] * len(system)
    for i in kept:
        out[i] = 0
    for gi, j in match.items():
        out[kept[j]] = None if gold[gi].get("optional") else 1
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def counts(scorer: Any, arts: list, probs: dict[int, list[float]] | None, t: float) -> tuple[int, int, int]:
    """Summed (tp, fp, fn) over articles after dropping scored events with probability < t."""
    tp = fp = fn = 0
    for k, (_, gold, system) in enumerate(arts):
        if probs is not None:
            system = [s for s, p in zip(system, probs[k], strict=True) if p >= t]
        a, b, c, _ = scorer.score_article(gold, system)
        tp, fp, fn = tp + a, fp + b, fn + c
    return tp, fp, fn


def fit(arts: list, labs: list[list[int | None]], c: float = 1.0) -> dict[str, Any] | None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for (_, _, system), lab in zip(arts, labs, strict=True):
        for s, lb in zip(system, lab, strict=True):
            if lb is not None:
                x.append(learned.features(s))
                y.append(lb)
    if len(set(y)) < 2:
        return None
    vec = DictVectorizer()
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(vec.fit_transform(x), y)
    return {"vectorizer": vec, "classifier": clf, "threshold": 0.0}


def predict(model: dict[str, Any] | None, system: list[dict]) -> list[float]:
    """Scores for every event; unscored (hypothetical/negated) events and no-model get 1.0 (kept)."""
    if model is None or not system:
        return [1.0] * len(system)
    ps = learned.scores(system, model)
    return [1.0 if s.get("factuality") in SKIPPED else p for s, p in zip(system, ps, strict=True)]


def choose_threshold(scorer: Any, arts: list, labs: list, folds: int = 5) -> float:
    """Threshold maximising F1 of out-of-fold predictions inside the training articles."""
    probs: dict[int, list[float]] = {}
    idx = list(range(len(arts)))
    for f in range(folds):
        test = [i for i in idx if i % folds == f]
        train = [i for i in idx if i % folds != f]
        model = fit([arts[i] for i in train], [labs[i] for i in train])
        for i in test:
            probs[i] = predict(model, arts[i][2])
    best = max(THRESHOLDS, key=lambda t: (prf(*counts(scorer, arts, probs, t))[2], -t))
    return best


def cross_validate(scorer: Any, arts: list, labs: list) -> dict[str, Any]:
    """Leave-one-article-out: rules alone vs rules + filter, micro-averaged over articles."""
    probs: dict[int, list[float]] = {}
    chosen = []
    for k in range(len(arts)):
        train = [i for i in range(len(arts)) if i != k]
        tr_arts, tr_labs = [arts[i] for i in train], [labs[i] for i in train]
        t = choose_threshold(scorer, tr_arts, tr_labs)
        model = fit(tr_arts, tr_labs)
        chosen.append(t)
        probs[k] = [1.0 if p >= t else 0.0 for p in predict(model, arts[k][2])]
    rules = prf(*counts(scorer, arts, None, 0.0))
    filt = prf(*counts(scorer, arts, probs, 0.5))
    return {"rules": rules, "filter": filt, "thresholds": chosen,
            "rules_counts": counts(scorer, arts, None, 0.0),
            "filter_counts": counts(scorer, arts, probs, 0.5)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--outputs", default="/tmp", help="where {seeds,dev}.out.jsonl are (or are written)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N articles (quick test)")
    ap.add_argument("--ship", action="store_true", help="write the model if the CV gain clears the bar")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    scorer = load_scorer(shared)
    arts = load_data(shared, Path(args.outputs))
    if args.limit:
        arts = arts[: args.limit]
    labs = [labels(scorer, g, s) for _, g, s in arts]
    n_pos = sum(lb == 1 for lab in labs for lb in lab)
    n_neg = sum(lb == 0 for lab in labs for lb in lab)
    print(f"articles {len(arts)}  scored events {n_pos + n_neg} (correct {n_pos}, wrong {n_neg})")
    res = cross_validate(scorer, arts, labs)
    (rp, rr, rf), (fp_, fr, ff) = res["rules"], res["filter"]
    print(f"rules          P {rp:.3f} R {rr:.3f} F1 {rf:.3f}  (tp, fp, fn) {res['rules_counts']}")
    print(f"rules+filter   P {fp_:.3f} R {fr:.3f} F1 {ff:.3f}  (tp, fp, fn) {res['filter_counts']}")
    print(f"thresholds chosen per fold: {res['thresholds']}")
    gain_ok = ff - rf >= 0.01 and fp_ > rp and rr - fr <= 0.01
    print("decision:", "ship" if gain_ok else "no gain (nothing shipped)")
    if args.ship and gain_ok:
        model = fit(arts, labs)
        assert model is not None
        model["threshold"] = choose_threshold(scorer, arts, labs)
        learned.MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        with learned.MODEL_PATH.open("wb") as fh:
            pickle.dump(model, fh)
        print(f"wrote {learned.MODEL_PATH} (threshold {model['threshold']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
