"""Clustering evaluation: pairwise precision/recall/F1 and BCubed against hand-checked pairs,
and a loader that puts corpus articles into a DuckDB with the store schema (benchmarks, tests)."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterable
from datetime import date
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

import pyarrow as pa

from pantau.stories.common import run_sql


def read_corpus(path: str | Path, *, international_only: bool = False) -> list[dict[str, Any]]:
    """Rows of shared/corpus/news_id.jsonl.gz (read at run time; never copied into the repo)."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if international_only and r.get("topic_guess") != "international":
                continue
            out.append(r)
    return out


def _day(s: str | None) -> date | None:
    try:
        return date.fromisoformat(s[:10]) if s else None
    except ValueError:
        return None


def load_articles(con: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert raw corpus rows as articles (id, title, published, outlet, text) into a store-schema DB."""
    sql = resources.files("pantau.store").joinpath("schema.sql").read_text("utf-8")
    run_sql(con, sql)
    rows = list(rows)
    tbl = pa.table({
        "id": pa.array([r["id"] for r in rows], pa.string()),
        "url": pa.array([r.get("url") for r in rows], pa.string()),
        "title": pa.array([r.get("title") for r in rows], pa.string()),
        "published": pa.array([r.get("published") for r in rows], pa.string()),
        "published_date": pa.array([_day(r.get("published")) for r in rows], pa.date32()),
        "outlet": pa.array([r.get("outlet") for r in rows], pa.string()),
        "text": pa.array([r.get("text") or "" for r in rows], pa.string()),
    })
    con.register("_corpus_tmp", tbl)
    con.execute(
        """INSERT INTO articles (id, url, title, published, published_date, outlet, text)
           SELECT * FROM _corpus_tmp WHERE id NOT IN (SELECT id FROM articles)"""
    )
    con.unregister("_corpus_tmp")
    return len(rows)


def read_pairs(path: str | Path) -> list[dict[str, str]]:
    """Hand-checked pairs (shared/eval/stories/same_story_pairs.tsv)."""
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def gold_clusters(pairs: list[dict[str, str]]) -> list[set[str]]:
    """Connected components of the positive pairs: the gold stories."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p["id_a"])] = find(p["id_b"])
    comps: dict[str, set[str]] = {}
    for x in list(parent):
        comps.setdefault(find(x), set()).add(x)
    return list(comps.values())


def scores(gold: list[set[str]], assign: dict[str, str]) -> dict[str, float]:
    """Pairwise P/R/F1 and BCubed P/R/F1 over the articles in ``gold`` (their predicted story ids).

    Every pair of gold articles in different gold stories is a negative, so merging two gold
    stories costs precision; splitting one costs recall.
    """
    items = sorted(set().union(*gold)) if gold else []
    g = {x: k for k, c in enumerate(gold) for x in c}
    p = {x: assign.get(x, f"missing:{x}") for x in items}
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        same_g, same_p = g[a] == g[b], p[a] == p[b]
        tp += same_g and same_p
        fp += same_p and not same_g
        fn += same_g and not same_p
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    bp = br = 0.0
    for x in items:
        pc = {y for y in items if p[y] == p[x]}
        gc = {y for y in items if g[y] == g[x]}
        bp += len(pc & gc) / len(pc)
        br += len(pc & gc) / len(gc)
    n = max(1, len(items))
    bp, br = bp / n, br / n

    def f(a: float, b: float) -> float:
        return 2 * a * b / (a + b) if a + b else 0.0

    return {"pairs_tp": tp, "pairs_fp": fp, "pairs_fn": fn, "precision": prec, "recall": rec,
            "f1": f(prec, rec), "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": f(bp, br),
            "n_items": len(items)}


def pair_recall(pairs: list[dict[str, str]], assign: dict[str, str]) -> tuple[int, int]:
    """How many listed pairs were put in one story."""
    hit = sum(1 for p in pairs if assign.get(p["id_a"]) and assign.get(p["id_a"]) == assign.get(p["id_b"]))
    return hit, len(pairs)
