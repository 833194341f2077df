"""Gazetteer features for the NER's tok2vec, from the Indonesian DBpedia name lists
(``models/gazetteer.tsv.gz``, the lists ``pantau_gazetteer`` uses after the model).

Why: the NER corpora are small (6k sentences) and many names need world knowledge (bands, firms,
schools, foreign places) that the lists' 190k names hold. Given to the network as input, the lists
are one more signal the model learns to weigh against the context, where the rules after the
model can only take or leave them. Per word, for each type (PER, ORG, LOC):
* its place (Begin, Inside, Last, Unit) in the longest listed name of that type that covers it;
* the share of that type among the listed names that contain the word, each list weighted by its
  size ("Sungai", "Kecamatan" -> LOC; "FC", "Partai" -> ORG; "Sergei" -> PER), so that names the
  lists lack still show their kind.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import numpy
import spacy
from spacy.attrs import ORTH
from spacy.ml.models.tok2vec import MultiHashEmbed
from spacy.tokens import Doc
from thinc.api import Maxout, Model, Ragged, chain, concatenate, list2ragged, ragged2list, with_array

TYPES = ("PER", "ORG", "LOC")
_BILU = 4  # columns per type for the word's place in a listed name
N_FEATURES = len(TYPES) * _BILU + len(TYPES)
_SHARES = len(TYPES) * _BILU  # first column of the word's type shares


TABLES = Path(__file__).parent / "models" / "gazetteer_tables.npz"


def _digest() -> str:
    from pantau.nlp import GAZETTEER

    return hashlib.sha256(GAZETTEER.read_bytes()).hexdigest() if GAZETTEER.is_file() else ""


def _text_array(words: list[str]) -> numpy.ndarray:
    return numpy.frombuffer("\n".join(words).encode("utf-8"), dtype="uint8")


def _words(array: numpy.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n") if array.size else []


@functools.lru_cache(maxsize=1)
def _cached() -> dict[str, numpy.ndarray] | None:
    """The tables saved for the shipped gazetteer (``models/gazetteer_tables.npz``), or None if absent
    or made from another gazetteer file. Why: computing them takes 0.7 s of every start; reading, 0.05 s.
    Refresh after ``make models`` with ``python -m pantau.nlp.name_features``."""
    if not TABLES.is_file():
        return None
    with numpy.load(TABLES, allow_pickle=False) as z:
        if str(z["digest"]) != _digest():
            return None
        return {k: z[k] for k in z.files}


@functools.lru_cache(maxsize=1)
def name_lengths() -> dict[str, int]:
    """First word of each gazetteer name -> the word count of the longest name it begins (for
    matching names longest first, here and in ``pantau.nlp.known_names``)."""
    cached = _cached()
    if cached is not None:
        return dict(zip(_words(cached["length_words"]), cached["lengths"].tolist(), strict=True))
    return _name_lengths()


def _name_lengths() -> dict[str, int]:
    from pantau.nlp import gazetteer

    longest: dict[str, int] = {}
    for name in gazetteer():
        first, _, rest = name.partition(" ")
        size = rest.count(" ") + 2 if rest else 1
        if size > longest.get(first, 0):
            longest[first] = size
    return longest


@functools.lru_cache(maxsize=1)
def _word_shares() -> dict[str, numpy.ndarray]:
    """Each word found in 2+ gazetteer names -> the type shares of those names, each list weighted
    by its size."""
    cached = _cached()
    if cached is not None:
        return dict(zip(_words(cached["share_words"]), cached["shares"], strict=True))
    return _compute_shares()


def _compute_shares() -> dict[str, numpy.ndarray]:
    from pantau.nlp import gazetteer

    gaz = gazetteer()
    index = {label: t for t, label in enumerate(TYPES)}
    counts: dict[str, list[int]] = {}  # plain lists, one numpy array at the end: built at load time
    for name, label in gaz.items():
        t = index[label]
        for word in set(name.split(" ")):
            if (c := counts.get(word)) is None:
                c = counts[word] = [0] * len(TYPES)
            c[t] += 1
    words = [w for w, c in counts.items() if sum(c) >= 2]
    sizes = numpy.bincount([index[label] for label in gaz.values()], minlength=len(TYPES))
    weighted = numpy.array([counts[w] for w in words], dtype="float64").reshape(-1, len(TYPES))
    weighted /= numpy.maximum(sizes, 1)
    return dict(zip(words, (weighted / weighted.sum(axis=1, keepdims=True)).astype("float32"), strict=True))


def write_tables(path: Path = TABLES) -> int:
    """Save the computed tables for the current gazetteer file; returns the number of words."""
    lengths, shares = _name_lengths(), _compute_shares()
    numpy.savez_compressed(
        path, digest=numpy.array(_digest()),
        length_words=_text_array(list(lengths)), lengths=numpy.array(list(lengths.values()), dtype="uint16"),
        share_words=_text_array(list(shares)),
        shares=numpy.stack(list(shares.values())) if shares else numpy.zeros((0, len(TYPES)), "float32"),
    )
    return len(lengths) + len(shares)


def load_tables() -> None:
    """Build the lookup tables now: ``pantau.nlp.load()`` calls this so the first text (a service's
    first request) does not wait for them (0.3 s)."""
    name_lengths()
    _word_shares()


def name_features(words: list[str]) -> numpy.ndarray:
    """(len(words), N_FEATURES) float32 features of one sentence or text (see module docstring).
    Listed names are matched as written (case-sensitive), longest first, left to right per type."""
    from pantau.nlp import gazetteer

    gaz, longest, shares = gazetteer(), name_lengths(), _word_shares()
    n = len(words)
    feats = numpy.zeros((n, N_FEATURES), dtype="float32")
    free = [0] * len(TYPES)  # per type: the first word not inside a name already taken
    for i, word in enumerate(words):
        row = shares.get(word)
        if row is not None:
            feats[i, _SHARES:] = row
        size = min(longest.get(word, 0), n - i)
        seen: set[str] = set()
        for k in range(size, 0, -1):
            label = gaz.get(" ".join(words[i : i + k]))
            if label is None or label in seen:
                continue
            seen.add(label)
            t = TYPES.index(label)
            if i < free[t]:
                continue
            free[t] = i + k
            col = t * _BILU
            if k == 1:
                feats[i, col + 3] = 1
            else:
                feats[i, col] = 1
                feats[i + 1 : i + k - 1, col + 1] = 1
                feats[i + k - 1, col + 2] = 1
    return feats


def GazetteerFeatures() -> Model[list[Doc], Ragged]:
    """Docs -> Ragged name features (no weights: the next layer learns how far to trust them)."""
    return Model("gazetteer_features", _forward, dims={"nO": N_FEATURES})


def _forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[Ragged, Callable]:
    strings = docs[0].vocab.strings if docs else None
    arrays = [name_features([strings[o] for o in doc.to_array(ORTH).tolist()]) for doc in docs]
    data = numpy.concatenate(arrays) if arrays else numpy.zeros((0, N_FEATURES), dtype="float32")
    lengths = model.ops.asarray1i([len(a) for a in arrays])
    return Ragged(model.ops.asarray2f(data), lengths), lambda d_ragged: []


@spacy.registry.architectures("pantau.GazetteerHashEmbed.v1")
def gazetteer_hash_embed(width: int, attrs: list[str], rows: list[int],
                         include_static_vectors: bool) -> Model[list[Doc], list]:
    """spaCy's MultiHashEmbed, then one Maxout layer that mixes in the name features."""
    embed = chain(MultiHashEmbed(width, attrs, rows, include_static_vectors), list2ragged())
    mix = with_array(Maxout(width, width + N_FEATURES, nP=3, dropout=0.0, normalize=True))
    return chain(concatenate(embed, GazetteerFeatures()), mix, ragged2list())


if __name__ == "__main__":
    print(f"{TABLES}: {write_tables()} words", file=sys.stderr)
