"""The up-training teacher (scripts/teacher_parser.py) and its parses as parser training data."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str):  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


# "Rusia menyerang Ukraina ." and "Pemerintah akan membangun rumah sakit ."
GOLD = [
    {"words": ["Rusia", "menyerang", "Ukraina", "."], "upos": ["PROPN", "VERB", "PROPN", "PUNCT"],
     "heads": [2, 0, 2, 2], "deps": ["nsubj", "root", "obj", "punct"]},
    {"words": ["Pemerintah", "akan", "membangun", "rumah", "sakit", "."],
     "upos": ["NOUN", "ADV", "VERB", "NOUN", "NOUN", "PUNCT"],
     "heads": [3, 3, 0, 3, 4, 3], "deps": ["nsubj", "advmod", "root", "obj", "compound", "punct"]},
]  # fmt: skip


def test_only_a_single_rooted_acyclic_head_list_is_a_tree() -> None:
    t = _module("teacher_parser")
    assert t.is_tree([2, 0, 2, 2])
    assert not t.is_tree([0, 0, 2])  # two roots
    assert t.is_tree([0, 1, 2, 3])  # a chain
    assert not t.is_tree([3, 0, 4, 3])  # 3 -> 4 -> 3


def _teacher_dir(tmp_path: Path, silver: list[dict], parses: list[dict] | None) -> Path:
    words = sorted({w for s in GOLD + silver for w in s["words"]})
    rng = np.random.default_rng(0)
    q = rng.integers(-127, 127, size=(len(words), 8), dtype=np.int8)
    np.savez(tmp_path / "vectors.npz", q=q, scale=np.full((len(words), 1), 0.01, dtype=np.float32))
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    sets = {"train": GOLD * 10, "dev": GOLD, "test": GOLD, "silver": silver}
    with gzip.open(tmp_path / "sentences.json.gz", "wt", encoding="utf-8") as fh:
        json.dump(sets, fh)
    if parses is not None:
        (tmp_path / "out").mkdir()
        with gzip.open(tmp_path / "out" / "silver.jsonl.gz", "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(p) + "\n" for p in parses)
    return tmp_path


def test_silver_docs_keep_tree_parses_and_leave_upos_missing(tmp_path: Path) -> None:
    import spacy

    silver = [{"words": s["words"], "spaces": [True] * (len(s["words"]) - 1) + [False]} for s in GOLD]
    parses = [
        {"heads": [2, 0, 2, 2], "deps": ["nsubj", "root", "obj", "punct"], "upos": ["X"] * 4, "tree": True},
        {"heads": [0, 0, 0, 0, 0, 0], "deps": ["root"] * 6, "upos": ["X"] * 6, "tree": False},
    ]
    teacher = _teacher_dir(tmp_path, silver + silver, parses + parses)
    t = _module("train_nlp")
    docs = t.silver_docs(spacy.blank("id").vocab, teacher, tokens=100, per_doc=10)
    assert len(docs) == 1
    doc = docs[0]
    assert [tok.text for tok in doc] == ["Rusia", "menyerang", "Ukraina", "."] * 2  # non-trees left out
    assert [tok.head.i for tok in doc] == [1, 1, 1, 1, 5, 5, 5, 5]
    assert [tok.dep_ for tok in doc][:4] == ["nsubj", "ROOT", "obj", "punct"]
    assert [tok.is_sent_start for tok in doc] == [True, False, False, False] * 2
    assert not doc.has_annotation("POS")  # missing: the morphologizer learns nothing from them
    assert t.silver_docs(spacy.blank("id").vocab, teacher, tokens=3)[0].__len__() == 4  # token budget


def test_the_teacher_trains_scores_and_parses_corpus_sentences(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    t = _module("teacher_parser")
    silver = [{"words": ["Ukraina", "menyerang", "Rusia", "."], "spaces": [True, True, False, False]}]
    data = _teacher_dir(tmp_path, silver, None)
    t.main(["train", "--data", str(data), "--seeds", "1,2", "--epochs", "2", "--batch-tokens", "30"])
    scores = json.loads((data / "out" / "scores.json").read_text())
    assert set(scores) == {"seed 1", "seed 2", "ensemble"}
    assert 0 <= scores["ensemble"]["dev"]["las"] <= scores["ensemble"]["dev"]["uas"] <= 100
    with gzip.open(data / "out" / "silver.jsonl.gz", "rt", encoding="utf-8") as fh:
        (parse,) = [json.loads(line) for line in fh]
    assert len(parse["heads"]) == len(parse["deps"]) == len(parse["upos"]) == 4
    assert all(0 <= h <= 4 for h in parse["heads"]) and parse["tree"] == t.is_tree(parse["heads"])
    assert set(parse["deps"]) <= {d for s in GOLD for d in s["deps"]}


def test_attachment_scores_count_every_token_and_universal_relations() -> None:
    """The pipeline (scripts/eval_nlp.py) and the teacher are scored by one function."""
    score = _module("eval_nlp").attachment_scores([
        (2, "nsubj:pass", "PROPN", 2, "nsubj", "PROPN"),  # subtype stripped: labelled match
        (0, "ROOT", "VERB", 0, "root", "VERB"),  # spaCy's ROOT is root
        (2, "obj", "NOUN", 2, "obl", "PROPN"),  # right head, wrong relation and UPOS
        (1, "punct", "PUNCT", 2, "punct", "PUNCT"),  # punctuation counts; wrong head
    ])  # fmt: skip
    assert score == {"tokens": 4, "UPOS": 75.0, "UAS": 75.0, "LAS": 50.0}
