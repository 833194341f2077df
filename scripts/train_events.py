#!/usr/bin/env python3
"""Train the learned event coder (pantau/events/model) and measure it by 5-fold cross-validation.

    python scripts/train_events.py --shared ../shared            # CV table, then seeds and dev
    python scripts/train_events.py --shared ../shared --ship     # also write model/data/events.npz

Data: ``shared/eval/gold/train.jsonl`` (336 articles; every event with its evidence and ``trigger``).
Each article runs through the shipped pipeline (cleaning, NLP, the rule coder's reading and votes);
a gold event's trigger is aligned to its head token in the article, which is the positive example of
its type for the trigger classifier (every other content word is "O"); the candidate mentions of that
token are the examples of the actor and recipient classifiers (a mention is positive when its code is
among the gold codes). Folds follow ``shared/eval/README.md`` (``int(id, 16) % 5``); each test fold is
coded by the same code path as ``pantau extract`` (``pantau.events.model.code``) and scored with the
gold scorer's own matching (``shared/eval/score.py``). Seeds and dev are coded by the model trained on
all of train. Runs on a CPU in a few minutes.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from pantau import nlp  # noqa: E402
from pantau.dates.checks import check_event_dates  # noqa: E402
from pantau.events import model, rules  # noqa: E402
from pantau.events.model import arguments, relevance  # noqa: E402
from pantau.events.model.context import ArticleContext, build  # noqa: E402
from pantau.events.model.features import argument_features, candidate_indices, trigger_features  # noqa: E402
from pantau.events.model.linear import LinearModel  # noqa: E402
from pantau.events.model.store import MODEL_PATH, Models  # noqa: E402
from pantau.ingest import read_inputs  # noqa: E402
from pantau.pipeline import process  # noqa: E402
from pantau.records import EVENT_TYPES, Article, IngestError  # noqa: E402

SETS = {"train": ("eval/train_articles.jsonl", "eval/gold/train.jsonl"),
        "dev": ("eval/dev_articles.jsonl", "eval/gold/dev.jsonl"),
        "seeds": ("seeds/seeds.jsonl", "eval/gold/seeds.jsonl")}
NEGATORS = {"tidak", "tak", "bukan", "belum"}
C = 1.0  # inverse L2 strength of the three logistic regressions (chosen by CV among 0.3, 1, 3)
MIN_COUNT = 2  # features seen fewer times in training are not shipped
CHOICE_L2 = 10.0  # L2 of the two choice models (CV with gold triggers, among 0.3, 1, 3, 10, 30, 100)
RERANK_C = 0.3  # the second look's L2 strength (chosen by CV among 0.3 and 1)
RERANK_THRESHOLDS = (0.15, 0.2, 0.25, 0.3)  # compared by CV with no second look
# whether words sharing a gold trigger's root lemma in its article train the trigger classifier as "O"
# (CV event F1 0.509 when they do; left out: see MODEL_CARD.md)
REPEATED_AS_O = False
UNREAL = ("hypothetical", "negated")  # factualities the scorer leaves out
KINDS = (("event", {}), ("type_only", {"use_actors": False}), ("dyad_only", {"use_type": False}))


@dataclass
class Sample:
    """One article ready for training or coding."""

    article: Any
    doc: Any
    reading: Any
    units: list
    rule_events: list
    ctx: ArticleContext
    gold: dict
    anchors: dict[int, list[dict]] = field(default_factory=dict)  # token index -> gold events


def load_scorer(shared: Path) -> Any:
    spec = importlib.util.spec_from_file_location("pantau_gold_score", shared / "eval" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def find(text: str, needle: str, lo: int = 0, hi: int | None = None) -> tuple[int, int] | None:
    """Character span of the gold string in the article text (whitespace may differ)."""
    hi = len(text) if hi is None else hi
    i = text.find(needle, lo, hi)
    if i >= 0:
        return i, i + len(needle)
    m = re.compile(r"\s+".join(re.escape(w) for w in needle.split()), re.I).search(text, lo, hi)
    return (m.start(), m.end()) if m else None


def anchor(doc: Any, start: int, end: int) -> Any:
    """The trigger phrase's head token: the one whose head lies outside the phrase, never a negator
    ("tidak setuju" -> "setuju"); the first token when the parse gives none."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    heads = [t for t in span if not span.start <= t.head.i < span.end or t.head.i == t.i]
    pool = [t for t in heads or list(span) if t.lower_ not in NEGATORS] or list(span)
    return pool[0]


def prepare(shared: Path, name: str) -> list[Sample]:
    """Clean, parse and read every article of a split; align its gold triggers."""
    inp, gold_path = SETS[name]
    gold = {g["id"]: g for g in map(json.loads, (shared / gold_path).open(encoding="utf-8"))}
    raws = [r for r in read_inputs([str(shared / inp)]) if not isinstance(r, IngestError)]
    arts = [process(r, with_events=False).article for r in raws]
    out = []
    for art, doc in zip(arts, nlp.pipe([a.text for a in arts]), strict=True):
        reading, units = rules.read(art, doc)
        rule_events = rules.code_units(art, reading, units)
        ctx = build(art, doc, reading.mentions, reading.quotes, rule_events, reading.lex)
        s = Sample(art, doc, reading, units, rule_events, ctx, gold.get(art.id, {"id": art.id, "events": []}))
        for ev in s.gold["events"]:
            span = find(art.text, ev.get("evidence") or "")
            trig = find(art.text, ev["trigger"], *span) if span and ev.get("trigger") else None
            tok = anchor(doc, *trig) if trig else None
            if tok is not None:
                s.anchors.setdefault(tok.i, []).append(ev)
        out.append(s)
    return out


def _fit(rows: list[dict[str, float]], labels: list, c: float | None = None,
         weights: list[float] | None = None) -> LinearModel:
    counts = Counter(k for r in rows for k in r)
    keep = {k for k, n in counts.items() if n >= MIN_COUNT}
    vec = DictVectorizer()
    x = vec.fit_transform([{k: v for k, v in r.items() if k in keep} for r in rows])
    clf = LogisticRegression(C=C if c is None else c, max_iter=1000)
    clf.fit(x, labels, sample_weight=weights)
    return LinearModel.from_sklearn(vec, clf)


def _fit_choice(groups: list[tuple[list[dict[str, float]], list[bool]]], l2: float) -> LinearModel:
    """A conditional logit: one weight vector scoring each candidate of a group, trained so that the
    softmax over the group puts its mass on the gold candidates (L2 ``l2``, L-BFGS). Groups where every
    or no candidate is gold teach nothing and are left out."""
    groups = [(rows, np.asarray(gold, dtype=bool)) for rows, gold in groups if any(gold) and not all(gold)]
    counts = Counter(k for rows, _ in groups for r in rows for k in r)
    vec = DictVectorizer()
    vec.fit([{k: 1.0 for k, n in counts.items() if n >= MIN_COUNT}])
    x = vec.transform([r for rows, _ in groups for r in rows]).tocsr()
    gid = np.repeat(np.arange(len(groups)), [len(rows) for rows, _ in groups])
    gold = np.concatenate([g for _, g in groups]).astype(float)
    n = len(groups)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, gid, s)
        e = np.exp(s - top[gid])
        z, zg = np.bincount(gid, e, n), np.bincount(gid, e * gold, n)
        grad = x.T @ (e / z[gid] - e * gold / zg[gid]) + l2 * w
        return float(-np.sum(np.log(zg / z)) + 0.5 * l2 * w @ w), grad

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    names = vec.get_feature_names_out()
    return LinearModel(["score"], {str(k): j for j, k in enumerate(names)},
                       w.astype(np.float32)[None, :], np.zeros(1, dtype=np.float32))


RELEVANCE = yaml.safe_load((Path(relevance.__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))


def _corpus(shared: Path, keep) -> list[dict]:
    """Corpus rows outside every eval set for which ``keep(row)`` holds, in a seeded random order."""
    evalids = {json.loads(line)["id"] for inp, _ in SETS.values()
               for line in (shared / inp).open(encoding="utf-8")}
    with gzip.open(shared / "corpus" / "news_id.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [r for r in map(json.loads, fh) if r["id"] not in evalids and keep(r)]
    random.Random(0).shuffle(rows)
    return rows


def weak_negatives(shared: Path, n: int, skip: int = 0) -> list[Article]:
    """Cleaned corpus articles of non-news sections (``relevance.yaml``): ``n`` of them after the first
    ``skip`` (held-out ones come after the training ones)."""
    sections = set(RELEVANCE["sections"])
    rows = _corpus(shared, lambda r: ((r.get("meta") or {}).get("category") or "").lower() in sections)
    return _clean(rows[skip : skip + n])


def unannotated_international(shared: Path, n: int) -> list[Article]:
    """Cleaned international-desk corpus articles outside the eval sets (most report political events)."""
    return _clean(_corpus(shared, lambda r: r.get("topic_guess") == "international")[:n])


def _clean(rows: list[dict]) -> list[Article]:
    """The rows read and cleaned as ``pantau extract`` reads a JSONL file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        raws = [r for r in read_inputs([str(path)]) if not isinstance(r, IngestError)]
        return [process(r, with_events=False).article for r in raws]


def train_relevance(samples: list[Sample], weak: list[Article]) -> LinearModel:
    """Relevance classifier: annotated articles (positive with a required event) plus weak negatives."""
    rows = [relevance.features(s.article) for s in samples] + [relevance.features(a) for a in weak]
    labels = [int(any(not e.get("optional") for e in s.gold["events"])) for s in samples] + [0] * len(weak)
    weights = [1.0] * len(samples) + [float(RELEVANCE["weight"])] * len(weak)
    return _fit(rows, labels, float(RELEVANCE["C"]), weights)


def train(samples: list[Sample], trigger_threshold: float, recipient_threshold: float,
          weak: list[Article] | None = None, relevance_threshold: float = 0.1) -> Models:
    """The four classifiers trained on the samples' gold (relevance only when weak negatives are given)."""
    t_rows, t_labels, a_rows, a_act, a_rec = [], [], [], [], []
    act_groups, rec_groups = [], []
    for s in samples:
        # a word sharing the root lemma of one of the article's gold triggers is mostly a further mention
        # of an event the gold codes once: it is left out rather than taught as "O" (REPEATED_AS_O)
        anchored = {s.ctx.lemmas[ti] for ti in s.anchors}
        for i in candidate_indices(s.ctx):
            evs = s.anchors.get(i)
            if not evs and not REPEATED_AS_O and s.ctx.lemmas[i] in anchored:
                continue
            t_rows.append(trigger_features(s.ctx, i))
            t_labels.append(evs[0]["type"] if evs else "O")
        for ti, evs in s.anchors.items():
            ev, tok = evs[0], s.doc[ti]
            cands = arguments.candidates(s.ctx, tok)
            rows = [argument_features(s.ctx, tok, m, origin, ev["type"]) for m, origin in cands]
            act = [m.code in ev["actor"] for m, _ in cands]
            rec = [m.code in (ev.get("recipient") or []) for m, _ in cands]
            a_rows += rows
            a_act += act
            a_rec += rec
            act_groups.append((rows, act))
            rec_groups.append((rows, rec))
    rel = train_relevance(samples, weak) if weak is not None else None
    return Models(_fit(t_rows, t_labels), _fit(a_rows, a_act), _fit(a_rows, a_rec),
                  trigger_threshold, recipient_threshold, rel, relevance_threshold,
                  _fit_choice(act_groups, CHOICE_L2), _fit_choice(rec_groups, CHOICE_L2))


def code(samples: list[Sample], models: Models,
         collect: dict[str, list] | None = None) -> dict[str, list[dict]]:
    """Event dicts per article id, as ``pantau extract`` would write them; ``collect`` receives each
    article's events before the second look, with their features (``rerank.features``)."""
    out = {}
    for s in samples:
        rel = None if models.relevance is None else relevance.score(s.article, models.relevance)
        if rel is not None and rel < models.relevance_threshold:
            out[s.article.id] = []
            continue
        rows = [] if collect is not None else None
        events = model.code(s.article, s.doc, s.reading, s.units, s.rule_events, models, rel, rows)
        events = check_event_dates(events, s.article.published, s.article.text)
        out[s.article.id] = [asdict(e) for e in events]
        if collect is not None:
            collect[s.article.id] = rows
    return out


def second_look_labels(sc: Any, gold: list[dict], rows: list) -> list[tuple[dict[str, float], int]]:
    """(features, label) of an article's events before the second look: 1 when the scorer pairs the
    event with a required gold event, 0 when it pairs with none; events an optional gold event could
    absorb, and hypothetical or negated ones (never scored), teach nothing."""
    dicts = [asdict(e) for e, _ in rows]
    scored = [d for d in dicts if d["factuality"] not in UNREAL]
    _, _, _, pairs = sc.score_article(gold, scored)
    hit = {id(d) for _, d in pairs}
    out = []
    for d, (_, feats) in zip(dicts, rows, strict=True):
        if d["factuality"] in UNREAL:
            continue
        if id(d) in hit:
            out.append((feats, 1))
        elif not any(g.get("optional") and sc.compatible(g, d) for g in gold):
            out.append((feats, 0))
    return out


def train_second_look(examples: list[tuple[dict[str, float], int]]) -> LinearModel:
    return _fit([f for f, _ in examples], [y for _, y in examples], RERANK_C)


def score(sc: Any, samples: list[Sample], system: dict[str, list[dict]]) -> dict[str, Any]:
    """The gold scorer's figures (event, type-only, dyad-only P/R/F1, date and sector accuracy,
    recall per type) computed with its own one-to-one matching."""
    tot = {k: Counter() for k in ("event", "type_only", "dyad_only")}
    per_type, gold_types, date, sector = Counter(), Counter(), Counter(), Counter()
    for s in samples:
        gold = s.gold["events"]
        gold_types.update(g["type"] for g in gold if not g.get("optional"))
        for name, kw in KINDS:
            tp, fp, fn, pairs = sc.score_article(gold, system.get(s.article.id, []), **kw)
            tot[name].update(tp=tp, fp=fp, fn=fn)
            if name != "event":
                continue
            for g, e in pairs:
                per_type[g["type"]] += 1
                if g.get("date"):
                    date.update(n=1, ok=sc.date_ok(g["date"], e.get("date")))
                if g.get("actor_sector"):
                    common = sc.codes(g.get("actor")) & sc.codes(e.get("actor"))
                    sector.update(n=1, ok=g["actor_sector"].upper() in sc.sectors(e.get("actor"), common))
    fig: dict[str, Any] = {}
    for name, c in tot.items():
        p, r, f = sc.prf(c["tp"], c["fp"], c["fn"])
        fig[name] = {"p": p, "r": r, "f1": f, **c}
    fig["per_type"] = {t: (per_type[t], n) for t, n in sorted(gold_types.items())}
    fig["date"] = date["ok"] / date["n"] if date["n"] else None
    fig["sector"] = sector["ok"] / sector["n"] if sector["n"] else None
    return fig


def line(name: str, f: dict[str, Any]) -> str:
    e, t = f["event"], f["type_only"]
    date = f"{f['date']:.3f}" if f["date"] is not None else "-"
    sector = f"{f['sector']:.3f}" if f["sector"] is not None else "-"
    return (f"{name:8s} event P {e['p']:.3f} R {e['r']:.3f} F1 {e['f1']:.3f} | type F1 {t['f1']:.3f} | "
            f"dyad F1 {f['dyad_only']['f1']:.3f} | date {date} | sector {sector}")


def cross_validate(sc: Any, samples: list[Sample], trigger_threshold: float, rec_threshold: float,
                   weak: list[Article] | None = None, rel_threshold: float = 0.1
                   ) -> tuple[dict[float | None, list], list[tuple[dict[str, float], int]], dict]:
    """The five folds' figures without the second look (key None) and with it at each of
    ``RERANK_THRESHOLDS``, the out-of-fold examples the shipped second look is trained on, and the
    out-of-fold events themselves (per setting, per article id).

    Stacking: each fold's events come from first-look models that never saw the fold; the second look
    that filters a fold is trained on the other four folds' out-of-fold events."""
    folds = {s.article.id: int(s.article.id, 16) % 5 for s in samples}
    results: dict[float | None, list] = defaultdict(list)
    examples: dict[int, list] = defaultdict(list)
    coded: dict[int, dict[str, list]] = {}
    systems: dict[float | None, dict[str, list[dict]]] = defaultdict(dict)
    by_id = {s.article.id: s.article for s in samples}
    for k in range(5):
        train_set = [s for s in samples if folds[s.article.id] != k]
        test_set = [s for s in samples if folds[s.article.id] == k]
        models = train(train_set, trigger_threshold, rec_threshold, weak, rel_threshold)
        auc = None
        if models.relevance is not None:
            truth = [int(any(not e.get("optional") for e in s.gold["events"])) for s in test_set]
            auc = roc_auc_score(truth, [relevance.score(s.article, models.relevance) for s in test_set])
        rows: dict[str, list] = {}
        system = code(test_set, models, rows)
        systems[None].update(system)
        results[None].append({**score(sc, test_set, system), "relevance_auc": auc})
        coded[k] = rows
        for s in test_set:
            examples[k] += second_look_labels(sc, s.gold["events"], rows.get(s.article.id, []))
    for k in range(5):
        look = train_second_look([x for j in range(5) if j != k for x in examples[j]])
        test_set = [s for s in samples if folds[s.article.id] == k]
        for th in RERANK_THRESHOLDS:
            system = {}
            for aid, rows in coded[k].items():
                kept = [e for (e, _), p in zip(rows, _proba(look, rows), strict=True)
                        if p >= th or e.factuality in UNREAL]
                art = by_id[aid]
                system[aid] = [asdict(e) for e in check_event_dates(kept, art.published, art.text)]
            systems[th].update(system)
            auc = results[None][k]["relevance_auc"]
            results[th].append({**score(sc, test_set, system), "relevance_auc": auc})
    return results, [x for k in range(5) for x in examples[k]], systems


def _proba(look: LinearModel, rows: list) -> list[float]:
    return list(look.proba([f for _, f in rows])[:, 1]) if rows else []


def summary(figs: list[dict[str, Any]]) -> dict[str, Any]:
    def stat(get):
        vals = [get(f) for f in figs]
        return round(statistics.mean(vals), 4), round(statistics.pstdev(vals), 4)

    per_type = Counter()
    gold = Counter()
    for f in figs:
        for t, (hit, n) in f["per_type"].items():
            per_type[t] += hit
            gold[t] += n
    verbal = ("ACCUSE", "REQUEST", "REJECT", "THREATEN")
    n_verbal = sum(gold[t] for t in verbal)
    return {
        "event_p": stat(lambda f: f["event"]["p"]), "event_r": stat(lambda f: f["event"]["r"]),
        "event_f1": stat(lambda f: f["event"]["f1"]), "type_f1": stat(lambda f: f["type_only"]["f1"]),
        "dyad_f1": stat(lambda f: f["dyad_only"]["f1"]),
        "date": stat(lambda f: f["date"] or 0.0), "sector": stat(lambda f: f["sector"] or 0.0),
        "recall_by_type": {t: f"{per_type[t]}/{gold[t]}" for t in EVENT_TYPES if gold[t]},
        "verbal_conflict_recall": round(sum(per_type[t] for t in verbal) / max(1, n_verbal), 4),
        "relevance_auc": stat(lambda f: f.get("relevance_auc") or 0.0),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--trigger-threshold", type=float, default=0.2,
                    help="minimum P(trigger type) (chosen by CV among 0.1, 0.15, 0.2, 0.25)")
    ap.add_argument("--recipient-threshold", type=float, default=0.1, help="minimum P(recipient)")
    ap.add_argument("--relevance-threshold", type=float, default=0.1,
                    help="articles less likely than this to report a political event get no events")
    ap.add_argument("--no-relevance", action="store_true", help="code every article (no relevance model)")
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--out", help="write the chosen setting's out-of-fold events here (JSONL for score.py)")
    ap.add_argument("--ship", action="store_true", help=f"write {MODEL_PATH.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    sc = load_scorer(shared)
    t0 = time.time()
    samples = prepare(shared, "train")
    aligned = sum(len(v) for s in samples for v in s.anchors.values())
    total = sum(len(s.gold["events"]) for s in samples)
    print(f"train: {len(samples)} articles, {aligned}/{total} gold triggers aligned, {time.time() - t0:.0f}s")
    weak = None if args.no_relevance else weak_negatives(shared, int(RELEVANCE["sample"]))
    if weak is not None:
        print(f"relevance: {len(weak)} weak negatives from non-news sections ({time.time() - t0:.0f}s)")
    cv: dict[str, Any] = {}
    second, examples = None, []
    if not args.no_cv:
        results, examples, systems = cross_validate(sc, samples, args.trigger_threshold,
                                                    args.recipient_threshold, weak, args.relevance_threshold)
        for th, figs in results.items():
            name = "first look" if th is None else f"second look >= {th}"
            for k, f in enumerate(figs):
                print(line(f"f{k}", f))
            summ = summary(figs)
            print(f"{name}: " + json.dumps(summ))
            if not cv or summ["event_f1"][0] > cv["event_f1"][0]:
                second, cv = th, summ
        print(f"chosen: {'no second look' if second is None else f'second look >= {second}'} "
              f"(best mean CV event F1) ({time.time() - t0:.0f}s)")
        if args.out:
            with open(args.out, "w", encoding="utf-8") as fh:
                for s in samples:
                    row = {"article": {"id": s.article.id}, "events": systems[second].get(s.article.id, [])}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    models = train(samples, args.trigger_threshold, args.recipient_threshold, weak, args.relevance_threshold)
    if second is not None:
        models.rerank, models.rerank_threshold = train_second_look(examples), second
    models.info = {"data": "shared/eval/gold/train.jsonl (336 articles)", "folds": "int(id, 16) % 5",
                   "cross_validation": cv, "C": C, "second_look_C": RERANK_C, "min_count": MIN_COUNT}
    if models.relevance is not None:
        held = {"held-out weak negatives": weak_negatives(shared, 500, skip=len(weak)),
                "unannotated international articles": unannotated_international(shared, 500)}
        for name, arts in held.items():
            gated = sum(relevance.score(a, models.relevance) < models.relevance_threshold for a in arts)
            print(f"relevance: {gated}/{len(arts)} {name} not coded")
            models.info[f"relevance_gated_{name.split()[0]}"] = round(gated / max(1, len(arts)), 3)
    for name in ("seeds", "dev"):
        part = prepare(shared, name)
        f = score(sc, part, code(part, models))
        print(line(name, f))
        models.info[name] = {"event_f1": round(f["event"]["f1"], 4), "event_p": round(f["event"]["p"], 4),
                             "event_r": round(f["event"]["r"], 4)}
    if args.ship:
        models.save()
        print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
