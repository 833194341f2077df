"""`scripts/train_nlp.py --smoke` trains a tiny pipeline end to end and the result loads and parses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.mark.skipif(not (SHARED / "data" / "ud").is_dir(), reason="shared training data not available")
def test_smoke_training(tmp_path: Path) -> None:
    out = tmp_path / "model"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_nlp.py"), "--shared", str(SHARED), "--smoke",
         "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    import spacy

    nlp = spacy.load(out)
    assert nlp.pipe_names == ["tok2vec", "morphologizer", "parser", "ner"]
    doc = nlp("Departemen Luar Negeri AS mengumumkan pada hari Rabu (20/11/2024), kedutaan ditutup.")
    assert "20/11/2024" in [t.text for t in doc]  # the news tokenizer was saved with the model
    assert all(t.pos_ for t in doc) and all(t.dep_ for t in doc)
    assert not list(out.parent.glob(".tmp-*"))  # written atomically, no leftovers
