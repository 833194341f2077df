"""Tests for the learned event filter experiment (pantau/events/learned.py, scripts/train_event_filter.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pantau.events import learned
from pantau.records import Entity, Event, Span

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _event(code: str = "RUS", factuality: str = "asserted") -> Event:
    text = "Rusia menyerang depot amunisi Ukraina menggunakan rudal jarak jauh."
    return Event(id="a:e0", type="ASSAULT", actor=[Entity(text="Rusia", label="LOC", code=code)],
                 recipient=[Entity(text="Ukraina", label="LOC", code="UKR")], factuality=factuality,
                 evidence=[Span(0, len(text), text)], confidence=0.75,
                 pattern="lexicon:serang/ASSAULT via verb active subject->actor")


def test_features_reflect_rule_output() -> None:
    import dataclasses

    f = learned.features(dataclasses.asdict(_event()))
    assert f["type=ASSAULT"] == 1.0 and f["lex=serang"] == 1.0
    assert f["actor_unk"] == 0.0 and f["no_recipient"] == 0.0 and f["n_evidence"] == 1.0
    g = learned.features(dataclasses.asdict(_event(code="UNK", factuality="future")))
    assert g["actor_unk"] == 1.0 and g["fact=future"] == 1.0


def test_apply_is_noop_without_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_EVENT_FILTER", "0")
    events = [_event(), _event("UNK")]
    assert learned.apply(events) == events


def _script():
    path = ROOT / "scripts" / "train_event_filter.py"
    spec = importlib.util.spec_from_file_location("train_event_filter", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="shared data absent")
def test_labels_follow_scorer_matching() -> None:
    t = _script()
    scorer = t.load_scorer(SHARED)
    gold = [{"type": "ASSAULT", "actor": ["RUS"], "recipient": ["UKR"]},
            {"type": "THREATEN", "actor": ["RUS"], "recipient": [], "optional": True}]
    system = [{"type": "ASSAULT", "actor": [{"code": "RUS"}], "recipient": [{"code": "UKR"}]},
              {"type": "ASSAULT", "actor": [{"code": "USA"}], "recipient": [{"code": "UKR"}]},
              {"type": "THREATEN", "actor": [{"code": "RUS"}], "recipient": []},
              {"type": "ASSAULT", "actor": [{"code": "RUS"}], "recipient": [], "factuality": "negated"}]
    assert t.labels(scorer, gold, system) == [1, 0, None, None]


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="shared data absent")
def test_cross_validation_runs_on_a_synthetic_subset() -> None:
    t = _script()
    scorer = t.load_scorer(SHARED)
    good = {"type": "ASSAULT", "actor": [{"code": "RUS"}], "recipient": [{"code": "UKR"}], "confidence": 0.9,
            "pattern": "lexicon:serang/ASSAULT via verb", "evidence": [{"text": "Rusia menyerang Ukraina."}]}
    bad = {"type": "COERCE", "actor": [{"code": "UNK"}], "recipient": [], "confidence": 0.3,
           "pattern": "lexicon:tekan/COERCE via nominal", "evidence": [{"text": "Tekanan mungkin naik."}]}
    gold = [{"type": "ASSAULT", "actor": ["RUS"], "recipient": ["UKR"]}]
    arts = [(f"a{i}", gold, [dict(good), dict(bad)]) for i in range(6)]
    labs = [t.labels(scorer, g, s) for _, g, s in arts]
    res = t.cross_validate(scorer, arts, labs)
    assert res["rules"][0] == pytest.approx(0.5)
    assert res["filter"][0] >= res["rules"][0]  # separable toy data: the filter must not hurt
    assert res["filter"][1] == pytest.approx(1.0)
