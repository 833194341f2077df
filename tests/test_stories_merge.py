"""The story merge decision: root lemmas, KB-normalised names, the calibrated model and its reasons,
canonical events across outlets, and real corpus pairs outside the dev month (read at test time)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pantau.stories import engine, story_reasons
from pantau.stories.canonical import Canon, matches
from pantau.stories.common import ensure_schema
from pantau.stories.evaluate import load_articles, read_corpus
from pantau.stories.features import FEATURES, MergeModel, kb_names, lemma, merge_model

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus" / "news_id.jsonl.gz"


def test_root_lemmas_unify_derivations() -> None:
    pytest.importorskip("Sastrawi")
    assert lemma("pembakaran") == lemma("membakar") == lemma("pembakar") == "bakar"
    assert lemma("kecelakaan") == "celaka"
    assert lemma("serangan") == lemma("diserang")
    assert lemma("rohingya") == "rohingya"  # a name has no root: left alone


def test_kb_normalises_spellings_of_one_actor() -> None:
    got = kb_names(["korut", "korea_utara", "kim_jong_un", "kim_jong-un", "saracen"])
    assert got[0] == got[1] == "kb:PRK"
    assert got[2] == got[3] and got[2].startswith("kb:")
    assert got[4] == "saracen"  # unknown to the KB: kept as written


def test_model_reason_adds_up_to_its_probability() -> None:
    m = merge_model()
    assert len(m.coef) == len(FEATURES) and 0.0 < m.threshold < 1.0
    row = np.array([0.5, 0.6, 0.4, 0.4, 1.0, 0.5, 1.0, 0.0, 1.0])[: len(FEATURES)]
    why = m.reason(row)
    logit = m.intercept + sum(why["contributions"].values())
    assert why["p"] == pytest.approx(1 / (1 + math.exp(-logit)), abs=2e-3)
    assert why["p"] == pytest.approx(float(m.prob(row[None, :])[0]), abs=1e-3)
    # more shared words make a merge more likely; more days in between less likely
    more = row.copy()
    more[FEATURES.index("member_words")] += 0.3
    older = row.copy()
    older[FEATURES.index("age")] += 5
    assert m.prob(more[None, :])[0] > m.prob(row[None, :])[0] > m.prob(older[None, :])[0]


def test_model_round_trips_through_its_yaml_form() -> None:
    m = MergeModel((1.0,) * len(FEATURES), -2.0, 0.4, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES))
    assert MergeModel.from_dict(m.to_dict()) == m


def test_pending_table_is_in_the_schema() -> None:
    con = duckdb.connect()
    ensure_schema(con)
    cols = [r[0] for r in con.execute("DESCRIBE story_pending").fetchall()]
    assert cols == ["kind", "key", "day"]
    assert "reason" in [r[0] for r in con.execute("DESCRIBE story_articles").fetchall()]


def _canon(**kw: object) -> Canon:
    c = Canon("c", "ASSAULT", None, {"RUS"}, {"UKR"}, date(2024, 11, 20), "day", "Kharkiv", "st-1", False,
              None, None)
    c.stories, c.articles = {"st-1"}, {"a1"}
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def test_same_dyad_same_day_across_stories_is_one_event() -> None:
    ev = {"type": "ASSAULT", "article_id": "a2", "actors": {"RUS"}, "recipients": {"UKR"}, "story_id": "st-2",
          "date": date(2024, 11, 20), "date_precision": "day", "location": "Kyiv"}
    assert matches(_canon(), ev)  # another outlet's story, another place name: the full dyad that day
    assert not matches(_canon(), {**ev, "date": date(2024, 11, 21)})  # the next day: another strike
    assert not matches(_canon(), {**ev, "recipients": set()})  # one side unknown: not enough
    assert not matches(_canon(precision="week"), {**ev, "date": date(2024, 11, 22)})


# ----- real corpus articles outside the dev month (August 2017) ----------------------------------------

# Cross-outlet reports of one event (published within days, different outlets, different wording).
SAME_EVENT = [
]
# One theme, different events (same outlet or not): must stay in different stories.
DIFFERENT_EVENT = [
]


@pytest.fixture(scope="module")
def clustered() -> dict[str, str]:
    if not CORPUS.exists():
        pytest.skip("shared corpus not available")
    rows = read_corpus(CORPUS)
    wanted = {a for pair in SAME_EVENT + DIFFERENT_EVENT for a in pair[:2]}
    days = {r["published"][:10] for r in rows if r["id"] in wanted and r.get("published")}
    lo, hi = min(days), max(days)
    from datetime import timedelta

    lo = (date.fromisoformat(lo) - timedelta(days=14)).isoformat()
    keep = [r for r in rows if r.get("published") and lo <= r["published"][:10] <= hi]
    con = duckdb.connect()
    load_articles(con, keep)
    engine.update_articles(con)
    out = dict(con.execute("SELECT article_id, story_id FROM story_articles").fetchall())
    out["_reasons"] = json.dumps({sid: story_reasons(con, sid) for sid in {out[a] for a in wanted if a in out}},
                                 default=str)
    return out


@pytest.mark.parametrize(("a", "b", "what"), SAME_EVENT)
def test_same_event_across_outlets_joins(clustered: dict[str, str], a: str, b: str, what: str) -> None:
    assert clustered[a] == clustered[b], what


@pytest.mark.parametrize(("a", "b", "what"), DIFFERENT_EVENT)
def test_same_theme_different_event_stays_apart(clustered: dict[str, str], a: str, b: str, what: str) -> None:
    assert clustered[a] != clustered[b], what


def test_every_member_has_a_reason(clustered: dict[str, str]) -> None:
    reasons = json.loads(clustered["_reasons"])
    assert reasons
    for rows in reasons.values():
        assert rows[0]["reason"].get("new") or "copy_of" in rows[0]["reason"]  # the first started it
        for r in rows[1:]:
            why = r["reason"]
            assert "copy_of" in why or why.get("p", 0) >= merge_model().threshold or why.get("new")
