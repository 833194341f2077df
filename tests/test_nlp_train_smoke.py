"""`scripts/train_nlp.py --smoke` trains a tiny pipeline end to end and the result loads and parses."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _teacher_output(d: Path) -> Path:
    """A teacher dir (scripts/teacher_parser.py) holding one parsed corpus sentence."""
    (d / "out").mkdir(parents=True)
    words = ["Rusia", "menyerang", "Ukraina", "."]
    with gzip.open(d / "sentences.json.gz", "wt", encoding="utf-8") as fh:
        json.dump({"silver": [{"words": words, "spaces": [True, True, False, False]}]}, fh)
    with gzip.open(d / "out" / "silver.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"heads": [2, 0, 2, 2], "deps": ["nsubj", "root", "obj", "punct"],
                             "upos": ["PROPN", "VERB", "PROPN", "PUNCT"], "tree": True}) + "\n")
    return d


@pytest.mark.skipif(not (SHARED / "data" / "ud").is_dir(), reason="shared training data not available")
@pytest.mark.parametrize(
    "options", [[], ["--final", "parser,ner"], ["--silver"], ["--ner-silver-ratio", "0.5"]],
    ids=["dev-selected", "final-on-train-dev", "with-teacher-parses", "with-ner-teacher-tags"],
)
def test_smoke_training(tmp_path: Path, options: list[str]) -> None:
    out = tmp_path / "model"
    if options == ["--silver"]:
        options = ["--silver", str(_teacher_output(tmp_path / "teacher"))]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_nlp.py"), "--shared", str(SHARED), "--smoke",
         "--work", str(tmp_path / "work"), "--out", str(out), *options],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    if options[:1] == ["--silver"]:
        assert "'silver_docs': 1" in proc.stdout
    if options[:1] == ["--ner-silver-ratio"]:  # one teacher trained, corpus sentences tagged by it
        assert (tmp_path / "work" / "ner_teacher_s45" / "model-best").is_dir()
        assert re.search(r"ner silver: [1-9]\d* sentences", proc.stdout)
    assert json.loads((out / "vocab" / "strings.json").read_text()) == []  # no training text ships
    import spacy

    nlp = spacy.load(out)
    assert nlp.pipe_names == ["tok2vec", "morphologizer", "parser", "ner"]
    doc = nlp("Kementerian Luar Negeri Jepang menyatakan pada hari Kamis (6/3/2025), konsulat dibuka.")
    assert "6/3/2025" in [t.text for t in doc]  # the news tokenizer was saved with the model
    assert all(t.pos_ for t in doc) and all(t.dep_ for t in doc)
    assert not list(out.parent.glob(".tmp-*"))  # written atomically, no leftovers
    if options[:1] == ["--final"]:  # trained on train+dev; the last models, not dev-selected ones, assembled
        assert nlp.meta["sources"] == ["parser_final/model-last", "ner_final/model-last"]


def _train_module():  # noqa: ANN202
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_nlp", ROOT / "scripts" / "train_nlp.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_csui_is_relabelled_the_gsd_21_way() -> None:
    t = _train_module()
    # "Pemerintah akan membangun rumah sakit Jakarta" in CSUI style: aux, caseless nmod, flat:name
    sent = [
        {"form": "Pemerintah", "upos": "NOUN", "head": 3, "dep": "nsubj", "misc": "_"},
        {"form": "akan", "upos": "AUX", "head": 3, "dep": "aux", "misc": "_"},
        {"form": "membangun", "upos": "VERB", "head": 0, "dep": "root", "misc": "_"},
        {"form": "rumah", "upos": "NOUN", "head": 3, "dep": "obj", "misc": "_"},
        {"form": "sakit", "upos": "NOUN", "head": 4, "dep": "nmod", "misc": "_"},
        {"form": "di", "upos": "ADP", "head": 7, "dep": "case", "misc": "_"},
        {"form": "Jakarta", "upos": "PROPN", "head": 4, "dep": "nmod", "misc": "_"},
        {"form": "Utara", "upos": "PROPN", "head": 7, "dep": "flat:name", "misc": "_"},
        {"form": "dibangun", "upos": "VERB", "head": 3, "dep": "nsubj:pass", "misc": "_"},
    ]
    got = t.harmonise_csui(sent)
    assert [(w["dep"], w["upos"]) for w in got] == [
        ("nsubj", "NOUN"), ("advmod", "ADV"), ("root", "VERB"), ("obj", "NOUN"),
        ("compound", "NOUN"),  # caseless noun modifier: compound in GSD 2.1
        ("case", "ADP"), ("nmod", "PROPN"),  # with a case marker it stays nmod
        ("flat", "PROPN"), ("nsubj:pass", "VERB"),  # GSD's own subtype is kept
    ]
    assert sent[1]["dep"] == "aux"  # the input is not changed


def test_untagged_country_names_become_missing_not_outside() -> None:
    import spacy

    t = _train_module()
    vocab = spacy.blank("id").vocab
    unsure = {("AS",), ("Amerika", "Serikat")}
    words = ["Presiden", "AS", "tiba", "di", "Amerika", "Serikat", "dan", "Israel"]
    doc = t.ner_doc(vocab, words, ["O", "O", "O", "O", "B-LOC", "I-LOC", "O", "O"], unsure)
    assert [tok.ent_iob_ for tok in doc] == ["O", "", "O", "O", "B", "I", "O", "O"]
    assert [(e.text, e.label_) for e in doc.ents] == [("Amerika Serikat", "LOC")]


def test_aux_pos_docs_carry_only_tags_and_leave_out_held_out_sentences(tmp_path: Path) -> None:
    import spacy

    t = _train_module()
    path = tmp_path / "pos.txt"
    rows = "Rusia\tNNP\nmenyerang\tVB\n.\tSYM\n\nIni\tPR\nkalimat\tNN\nuji\tnn\n\n"
    path.write_text(rows, encoding="utf-8")
    docs = t.aux_pos_docs(spacy.blank("id").vocab, path, held_out={"rusiamenyerang."}, tokens=100)
    assert [[(tok.text, tok.tag_) for tok in d] for d in docs] == [
        [("Ini", "PR"), ("kalimat", "NN"), ("uji", "NN")]
    ]
    doc = docs[0]  # no UPOS, heads or entities: spaCy treats them as missing, so only the tagger learns
    assert not any(doc.has_annotation(a) for a in ("POS", "DEP", "ENT_IOB"))


def test_ner_teacher_vote() -> None:
    """Majority entities are kept; where teachers disagree the words are missing (""), else O."""
    t = _train_module()
    found = [{(0, 2, "PER"), (4, 5, "LOC")}, {(0, 2, "PER")}, {(0, 2, "PER"), (3, 5, "LOC")}]
    assert t.vote_tags(found, 6) == ["B-PER", "I-PER", "O", "", "", "O"]
    # two of three say "Rusia" ORG; the third's longer span leaves its extra words missing
    assert t.vote_tags([{(0, 1, "ORG")}, {(0, 1, "ORG")}, {(0, 3, "ORG")}], 4) == ["B-ORG", "", "", "O"]
    # a label split 1:1:1 has no majority: the words are missing, not O
    assert t.vote_tags([{(1, 2, "ORG")}, {(1, 2, "LOC")}, {(1, 2, "PER")}], 3) == ["O", "", "O"]
