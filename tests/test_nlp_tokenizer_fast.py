"""The fast-loading tokenizer (hyphenated special cases as a word set) equals spaCy's full tokenizer."""

from __future__ import annotations

import gzip
import itertools
import json
import pickle
from pathlib import Path

import pytest
import spacy
import srsly
from spacy.tokenizer import Tokenizer

from pantau import nlp
from pantau.nlp import fast_tokenizer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus" / "news_id.jsonl.gz"
needs_model = pytest.mark.skipif(nlp.model_path() is None, reason="no trained model shipped")


def signature(doc) -> list[tuple[str, str, int, str]]:
    return [(t.text, t.whitespace_, t.idx, t.norm_) for t in doc]


@pytest.fixture(scope="module")
def pair() -> tuple[Tokenizer, fast_tokenizer.NewsTokenizer]:
    if nlp.model_path() is None:
        pytest.skip("no trained model shipped")
    vocab = spacy.blank("id").vocab
    path = nlp.model_path() / "tokenizer"
    return Tokenizer(vocab).from_disk(path), fast_tokenizer.load(vocab, path)


@needs_model
def test_cache_is_current() -> None:
    """The shipped word list belongs to the shipped tokenizer (else every load recomputes it)."""
    raw = (nlp.model_path() / "tokenizer").read_bytes()
    cached = fast_tokenizer.read_cache(fast_tokenizer._digest(raw))
    assert cached is not None, "refresh with: python -m pantau.nlp.fast_tokenizer"
    assert cached == fast_tokenizer.convertible(srsly.msgpack_loads(raw))


@needs_model
def test_words_in_contexts_tokenize_as_the_full_tokenizer(pair) -> None:
    old, new = pair
    words = ["".join(p) for p in new.words]
    assert len(words) > 10_000
    contexts = ["({w})", "{w},", "{w}-nya", "x-{w}", "{w}-{w}", "{w}/ab", "{w}—x", "{w} - {w}"]
    for k, context in enumerate(contexts):  # every word in one context, a share in every context
        for i in range(0, len(words), 200) if k == 0 else range(k * 200, len(words), 1600):
            text = " ".join(context.format(w=w) for w in words[i : i + 200])
            assert signature(new(text)) == signature(old(text)), (context, i)


@needs_model
@pytest.mark.skipif(not CORPUS.is_file(), reason="shared corpus not available")
def test_corpus_text_tokenizes_as_the_full_tokenizer(pair) -> None:
    old, new = pair
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, 200):
            row = json.loads(line)
            text = f"{row.get('title') or ''}\n{row.get('text') or ''}"
            assert signature(new(text)) == signature(old(text)), row.get("id")


@needs_model
def test_merge_inside_a_longer_hyphenated_chunk(pair) -> None:
    """A known word inside a chunk split at its hyphens is merged back, as spaCy's matcher does."""
    old, new = pair
    word = next("".join(p) for p in new.words if len(p) == 3 and p[0].islower())
    text = f"para {word}-nya dan {word}-{word}-an serta {word} - x"
    assert signature(new(text)) == signature(old(text))
    assert word in [t.text for t in new(text)]


@needs_model
def test_serialises_and_pickles_with_every_rule(pair) -> None:
    old, new = pair
    assert new.rules == old.rules
    saved = srsly.msgpack_loads(new.to_bytes())
    assert saved == srsly.msgpack_loads(old.to_bytes())  # every rule, the plain token_match pattern
    text = "Kerja-sama anak-anak di Jl. Sudirman (20/11/2024)."
    assert signature(pickle.loads(pickle.dumps(new))(text)) == signature(old(text))


@needs_model
def test_pipeline_uses_it() -> None:
    assert isinstance(nlp.load().tokenizer, fast_tokenizer.NewsTokenizer)
