"""The model's tokenizer, loaded in a tenth of the time: its hyphenated special cases as a word set.

Why: the tokenizer holds ~16,000 special cases, nearly all hyphenated words kept whole ("anak-anak",
"kerja-sama"). spaCy builds each one by tokenizing it and adding it to a PhraseMatcher: 3-4 s of CPU
at every start, 40% of a process's startup. A special case that keeps a word whole as one token with
no other attribute does two things, and this module does both without building the special cases:

1. a chunk that is the word (after prefixes and suffixes are split off) stays one token: the
   tokenizer's ``token_match`` also accepts the word (``WordMatch``);
2. the word met inside a larger chunk that the infixes split ("anak-anak-nya" -> anak - anak - nya)
   is merged back by spaCy's special-case matcher; ``NewsTokenizer._merge`` finds the same token
   sequences and merges them as that matcher does (longest first, then leftmost; a span whose first
   or last token an earlier span took is dropped; only spans without inner whitespace change).

Only words of hyphen-joined pieces that start and end with no prefix or suffix and that the plain
``token_match`` or ``url_match`` do not already keep whole are converted; every other special case
stays one (about 450: abbreviations, emoticons, words with a NORM). The output is the same token for
token (``tests/test_nlp_tokenizer_fast.py`` compares both on corpus text and on every converted word
in several contexts).

Which rules convert takes 0.5 s of regular expressions, so the list is cached in
``models/tokenizer_words.txt.gz`` with the digest of the tokenizer file it was made from; a stale or
missing cache is recomputed at load (correct, only slower). Refresh it after ``make models`` with
``python -m pantau.nlp.fast_tokenizer``.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy
import srsly
from spacy.attrs import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

CACHE = Path(__file__).parent / "models" / "tokenizer_words.txt.gz"
ORTH_ONLY = {ORTH}


class WordMatch:
    """``token_match``: the serialised regular expression, or one of the converted words.

    ``pattern`` is the regular expression's text, so spaCy serialises this as the plain pattern."""

    def __init__(self, pattern: str | None, words: frozenset[str]) -> None:
        self.pattern = pattern
        self.words = words
        self._match = re.compile(pattern).match if pattern else None

    def match(self, text: str) -> bool:
        return text in self.words or bool(self._match and self._match(text))

    def __reduce__(self) -> tuple[type, tuple[str | None, frozenset[str]]]:
        return (WordMatch, (self.pattern, self.words))


def _infix_split(text: str, infix_finditer: Callable[[str], Iterator[re.Match[str]]]) -> tuple[str, ...]:
    """The pieces spaCy's infix step cuts ``text`` into (``Tokenizer._attach_tokens``)."""
    pieces: list[str] = []
    start = 0
    for m in infix_finditer(text):
        if m.start() == 0:
            continue
        if m.start() != start:
            pieces.append(text[start : m.start()])
        if m.start() != m.end():
            pieces.append(text[m.start() : m.end()])
        start = m.end()
    if text[start:]:
        pieces.append(text[start:])
    return tuple(pieces)


def convertible(data: dict[str, Any]) -> list[tuple[str, ...]]:
    """The special cases of a serialised tokenizer that become words, each as its infix pieces."""
    prefix = re.compile(data["prefix_search"]).match if data.get("prefix_search") else None  # ^-anchored
    suffix = re.compile(data["suffix_search"]).search if data.get("suffix_search") else None
    infix = re.compile(data["infix_finditer"]).finditer if data.get("infix_finditer") else None
    token = re.compile(data["token_match"]).match if data.get("token_match") else None
    url = re.compile(data["url_match"]).match if data.get("url_match") else None
    out = []
    for text, subs in sorted(data["exceptions"].items()):
        if len(subs) != 1 or set(subs[0]) != ORTH_ONLY or " " in text or infix is None:
            continue
        if any(f and f(text) for f in (prefix, suffix, token, url)):
            continue
        pieces = _infix_split(text, infix)
        if len(pieces) > 1 and all(p == "-" for p in pieces[1::2]):  # word - word (- word ...)
            out.append(pieces)
    return out


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_cache(digest: str, path: Path = CACHE) -> list[tuple[str, ...]] | None:
    """The cached word pieces for a tokenizer file with this digest, or None if absent or stale."""
    if not path.is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        if fh.readline().split() != ["#", "sha256", digest]:
            return None
        return [tuple(line.rstrip("\n").split(" ")) for line in fh if not line.startswith("#")]


def write_cache(model_tokenizer: Path, path: Path = CACHE) -> int:
    """Write the converted words of a model's tokenizer file (one word a line, its pieces spaced)."""
    raw = model_tokenizer.read_bytes()
    words = convertible(srsly.msgpack_loads(raw))
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(f"# sha256 {_digest(raw)}\n")
        fh.write("# hyphenated special cases of the tokenizer kept as words: pantau/nlp/fast_tokenizer.py\n")
        fh.writelines(" ".join(p) + "\n" for p in words)
    return len(words)


class NewsTokenizer:
    """A spaCy ``Tokenizer`` without the converted special cases, plus the matcher step for them.

    Behaves as the full tokenizer: call, ``pipe``, ``rules`` (all of them), serialisation (the full
    rules, so a saved pipeline loads in plain spaCy) and pickling."""

    def __init__(self, inner: Tokenizer, words: list[tuple[str, ...]]) -> None:
        self.inner = inner
        self.words = words
        self.vocab = inner.vocab
        strings = inner.vocab.strings
        self._texts = {"".join(p) for p in words}
        heads: dict[tuple[int, int], list[tuple[int, ...]]] = {}
        for pieces in words:
            ids = tuple(strings.add(p) for p in pieces)
            heads.setdefault(ids[:2], []).append(ids)
        self._heads = heads
        self._seconds = numpy.fromiter({k[1] for k in heads}, dtype="uint64")

    def __call__(self, text: str) -> Doc:
        return self._merge(self.inner(text))

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def _merge(self, doc: Doc) -> Doc:
        """spaCy's special-case matcher step (``Tokenizer._apply_special_cases``) for the words."""
        n = len(doc)
        if n < 2:
            return doc
        orths = doc.to_array(ORTH)
        starts = numpy.flatnonzero(numpy.isin(orths[1:], self._seconds))
        if not starts.size:
            return doc
        ids = orths.tolist()
        found = []
        for s in starts.tolist():
            for pattern in self._heads.get((ids[s], ids[s + 1]), ()):
                end = s + len(pattern)
                if end <= n and tuple(ids[s:end]) == pattern:
                    found.append((s, end))
        if not found:
            return doc
        found.sort(key=lambda m: (m[0] - m[1], m[0]))  # longest first, then leftmost
        seen: set[int] = set()
        keep = []
        for start, end in found:
            if start not in seen and end - 1 not in seen:
                keep.append((start, end))
            seen.update(range(start, end))
        spans = [doc[a:b] for a, b in keep]
        spans = [s for s in spans if s.text in self._texts]  # inner whitespace: the matcher leaves it
        if spans:
            with doc.retokenize() as retokenizer:
                for span in spans:
                    retokenizer.merge(span)
        return doc

    @property
    def rules(self) -> dict[str, list[dict[int, str]]]:
        return {**self.inner.rules, **{"".join(p): [{ORTH: "".join(p)}] for p in self.words}}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        data = srsly.msgpack_loads(self.inner.to_bytes(exclude=exclude))
        if "exceptions" in data:
            data["exceptions"] = dict(sorted(self.rules.items()))
        return srsly.msgpack_dumps(data)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> NewsTokenizer:
        fresh = from_bytes(self.vocab, data)
        self.inner, self.words = fresh.inner, fresh.words
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k not in ("inner", "words")})
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).write_bytes(self.to_bytes(exclude=exclude))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> NewsTokenizer:
        return self.from_bytes(Path(path).read_bytes(), exclude=exclude)

    def __reduce__(self) -> tuple[type, tuple[Tokenizer, list[tuple[str, ...]]]]:
        return (NewsTokenizer, (self.inner, self.words))


def from_bytes(vocab: Vocab, raw: bytes, cache: Path = CACHE) -> NewsTokenizer:
    """The news tokenizer from a serialised spaCy tokenizer (``Tokenizer.to_bytes``)."""
    data = srsly.msgpack_loads(raw)
    words = read_cache(_digest(raw), cache)
    if words is None:
        words = convertible(data)
    texts = frozenset("".join(p) for p in words)
    rules = {k: v for k, v in data["exceptions"].items() if k not in texts}
    compiled = {
        key: re.compile(data[key]) if data.get(key) else None
        for key in ("prefix_search", "suffix_search", "infix_finditer", "url_match")
    }
    inner = Tokenizer(
        vocab,
        rules=rules,
        prefix_search=compiled["prefix_search"].search if compiled["prefix_search"] else None,
        suffix_search=compiled["suffix_search"].search if compiled["suffix_search"] else None,
        infix_finditer=compiled["infix_finditer"].finditer if compiled["infix_finditer"] else None,
        token_match=WordMatch(data.get("token_match"), texts).match,
        url_match=compiled["url_match"].match if compiled["url_match"] else None,
        faster_heuristics=data.get("faster_heuristics", True),
    )
    return NewsTokenizer(inner, words)


def load(vocab: Vocab, path: Path) -> NewsTokenizer:
    """The news tokenizer from a model's ``tokenizer`` file."""
    return from_bytes(vocab, path.read_bytes())


if __name__ == "__main__":
    from pantau.nlp import MODEL_DIR

    count = write_cache(MODEL_DIR / "tokenizer")
    print(f"{CACHE}: {count} words", file=sys.stderr)
