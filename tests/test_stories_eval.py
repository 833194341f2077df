"""The dev-month evaluation's error listing (scripts/eval_stories_dev.py --errors, issue 24): each wrong pair
once, counted as pair_counts counts it, with whether any merge decision could have joined it."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "eval_stories_dev.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_stories_dev", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_error_pairs_are_the_wrong_pairs_touching_the_fold() -> None:
    ev = _script()
    # gold: s1 = {a, b, c}, s2 = {d}; clustered: {a, b}, {c, d}; the window cut c off its story; "a" is
    # published last, so its pairs are listed the other way round
    gold = {"a": "s1", "b": "s1", "c": "s1", "d": "s2"}
    assign = {"a": "x", "b": "x", "c": "y", "d": "y"}
    reach = {"a": "g1", "b": "g1", "c": "g2", "d": "g3"}
    info = {"a": (date(2017, 8, 14), "A", "t1"), "b": (date(2017, 8, 1), "B", "t2"),
            "c": (date(2017, 8, 13), "A", "t3"), "d": (date(2017, 8, 11), "A", "t4")}
    errs = ev.error_pairs(gold, assign, {"c", "d"}, reach, info, fold=3)
    got = {(e["a"], e["b"]): e for e in errs}
    assert set(got) == {("c", "a"), ("b", "c"), ("d", "c")}  # earlier article first
    assert got[("b", "c")]["kind"] == "missed" and got[("b", "c")]["gap_days"] == 12
    assert got[("c", "a")]["gap_days"] == 1 and got[("d", "c")]["gap_days"] == 2
    assert got[("c", "a")]["reachable"] is False and got[("c", "a")]["same_outlet"] is True
    assert got[("b", "c")]["same_outlet"] is False
    assert got[("d", "c")]["kind"] == "false_join" and got[("d", "c")]["reachable"] is None
    assert all(e["fold"] == 3 for e in errs)
    # the same pairs pair_counts counts as errors, no more
    c = ev.pair_counts(gold, assign, {"c", "d"})
    assert c["pairs_fn"] + c["pairs_fp"] == len(errs)
    # a pair of two articles outside the fold is not listed
    assert not ev.error_pairs(gold, assign, set(), reach, info, fold=0)
