"""Indonesian NLP layer: one cached spaCy pipeline (tokenizer, tagger, parser, NER, root lemmas).

Why: every later stage (actors, events, quotes) reads POS, dependencies, entities and verb roots
from the same Doc, so the pipeline is loaded once and shared. If no trained model is shipped in
``pantau/nlp/models/id_pantau`` a blank Indonesian pipeline with rule-based sentences is used, so the
rest of the system keeps working (without POS/deps/entities).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy
import spacy
from spacy.attrs import LEMMA, ORTH, POS, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.vectors import Vectors
from thinc.api import Model, NumpyOps
from threadpoolctl import threadpool_limits

# name_features also registers its architecture
from pantau.nlp import fast_tokenizer, morph, name_features, tokenizer
from pantau.nlp.tokenizer import customize

__all__ = ["MODEL_DIR", "load", "memory_zone", "parse", "pipe", "model_path", "morph"]

MODEL_DIR = Path(__file__).parent / "models" / "id_pantau"
_LOCK = threading.Lock()
_NLP: dict[str, Language] = {}
_LEMMA_POS = {"VERB", "NOUN", "ADJ", "AUX", "ADV"}


def model_path() -> Path | None:
    """The trained pipeline directory (env PANTAU_NLP_MODEL overrides), or None if absent."""
    env = os.environ.get("PANTAU_NLP_MODEL")
    path = Path(env) if env else MODEL_DIR
    return path if (path / "config.cfg").is_file() else None


if not Token.has_extension("morph_analysis"):
    Token.set_extension("morph_analysis", getter=lambda tok: morph.analyse(tok.text))


@functools.lru_cache(maxsize=20_000)
def _lemma(text: str, pos: str) -> str:
    """The lemma rule of pantau_root_lemmas for one (word, UPOS) pair; cached because news repeats
    the same words, and the per-token morphology call was the slowest Python step of the pipeline.
    20,000 pairs: 1,800 corpus articles asked 345,000 times for 44,000 pairs (hit rate 0.84; 50,000
    kept 0.87, and the pipeline's CPU did not grow). A watch at one article a second meets 24,000 pairs
    in its first 10 minutes, so this cache is full by then and a long run's memory stays flat; a cap of
    50,000 went on filling for an hour."""
    if pos == "PROPN" or not text.isalpha():
        return text
    if not pos or pos in _LEMMA_POS:
        return morph.analyse(text.lower()).root  # the root is lower-case either way
    return text.lower()


def words(doc: Doc) -> list[str]:
    """Token texts from the Doc's arrays: twice as fast as ``[t.text for t in doc]``, which builds a
    Token object per token (the pipeline's Python steps read every Doc several times)."""
    strings = doc.vocab.strings
    return [strings[o] for o in doc.to_array(ORTH).tolist()]


@Language.component("pantau_root_lemmas")
def root_lemmas(doc: Doc) -> Doc:
    """Set token.lemma_ to the morphological root, so predicates match by root ("diserang" -> "serang").
    Reads (word, UPOS) ids from the Doc's arrays and writes the lemmas back in one call."""
    if not len(doc):
        return doc
    strings = doc.vocab.strings
    ids: dict[tuple[int, int], int] = {}
    pairs = doc.to_array([ORTH, POS]).tolist()
    lemmas = numpy.empty(len(doc), dtype="uint64")
    for i, (orth, pos) in enumerate(pairs):
        key = (orth, pos)
        h = ids.get(key)
        if h is None:
            h = ids[key] = strings.add(_lemma(strings[orth], strings[pos] if pos else ""))
        lemmas[i] = h
    doc.from_array([LEMMA], lemmas.reshape(-1, 1))  # one C call instead of a setter per token
    return doc


_FINAL = {".", "!", "?", "…", "..."}
_CLOSE = {'"', "”", "’", "'", ")"}
_OPEN = "\"“'‘("


@functools.lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    return frozenset(a[:-1].lower() for a in tokenizer.abbreviations() if a.endswith("."))


def _is_abbreviation(word: str) -> bool:
    return bool(word) and word.lower() in _abbreviations()


@Language.component("pantau_sentences")
def sentence_starts(doc: Doc) -> Doc:
    """Rule-based sentence boundaries, set before the parser (which respects them).

    Why: the treebanks are shuffled single sentences, so a parser learns news sentence breaks
    poorly. A sentence starts after a line break, or after final punctuation (optionally followed
    by a closing quote) when the next word starts with a capital, digit or opening quote. The
    tokenizer keeps abbreviations ("Dr.", "Jl.", "dll.") whole, so a lone "." is a real period;
    a period after a single capital letter is an initial ("J. Biden") and does not end a sentence,
    nor does a period split from a known abbreviation (pre-tokenized input: "Dr" ".").
    Token attributes are read once into lists and the result is written with one from_array call
    (the per-token property access was a measurable share of the pipeline's time).
    """
    n = len(doc)
    if not n:
        return doc
    texts = words(doc)
    ws = doc.to_array(SPACY).astype(bool).tolist()  # a token's trailing whitespace is one space or none
    space = [t.isspace() for t in texts]
    starts = numpy.full(n, -1, dtype="int32")
    starts[0] = 1
    for i in range(1, n):
        if space[i]:
            continue  # a whitespace token never starts a sentence
        prev = texts[i - 1]
        if "\n" in prev or space[i - 1]:
            starts[i] = 1
            continue
        first = texts[i][:1]
        if not (first.isupper() or first.isdigit() or first in _OPEN):
            continue
        j = i - 1
        if texts[j] in _CLOSE and j > 0 and texts[j - 1] in _FINAL and ws[j]:
            j -= 1
        if texts[j] in _FINAL and (ws[j] or j < i - 1):
            before = texts[j - 1] if j > 0 else ""
            initial = len(before) == 1 and before.isupper()
            abbreviation = texts[j] == "." and not ws[j - 1] and _is_abbreviation(before)
            if not (initial or abbreviation):
                starts[i] = 1
    doc.from_array([SENT_START], starts.reshape(-1, 1).astype("uint64"))
    return doc


GAZETTEER = Path(__file__).parent / "models" / "gazetteer.tsv.gz"


_SEP = "\0"  # between the names of the saved gazetteer table


def _read_gazetteer() -> tuple[str, list[str], frozenset[str], frozenset[str]]:
    """The gazetteer file as plain data for ``pantau.cache``: names (joined), their labels, every
    word of a person's name, and the first words of multi-word person names."""
    with gzip.open(GAZETTEER, "rt", encoding="utf-8") as fh:
        rows = (line.rstrip("\n").split("\t") for line in fh if not line.startswith("#"))
        table = {r[0]: r[1] for r in rows if len(r) == 2}
    if any(_SEP in name for name in table):
        raise ValueError(f"{GAZETTEER}: a name holds {_SEP!r}")
    persons = [name for name, label in table.items() if label == "PER"]
    words = frozenset(w for name in persons for w in name.split())
    given = frozenset(name.split()[0] for name in persons if " " in name)
    return _SEP.join(table), list(table.values()), words, given


@functools.lru_cache(maxsize=1)
def _gazetteer_tables() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """(name -> label, person-name words, given names); read back from ``pantau.cache``'s cache
    (0.15 s instead of 0.5 s of parsing the gzipped TSV at every start)."""
    if not GAZETTEER.is_file():
        return {}, frozenset(), frozenset()
    from pantau.cache import cached

    names, labels, words, given = cached("nlp-gazetteer", [GAZETTEER], _read_gazetteer)
    return dict(zip(names.split(_SEP) if labels else [], labels, strict=True)), words, given


def gazetteer() -> dict[str, str]:
    """Unambiguous Indonesian DBpedia names -> PER/LOC/ORG (built by scripts/train_nlp.py)."""
    return _gazetteer_tables()[0]


def given_names() -> frozenset[str]:
    """First words of the gazetteer's multi-word person names ("Made", "Andi", "Wisnu")."""
    return _gazetteer_tables()[2]


def gazetteer_label(text: str, label: str) -> str:
    """The gazetteer's label for a predicted entity, where it is the stronger signal.

    Two relabellings are refused because the lists mislead there (measured on the NER dev sets):
    ORG -> PER (DBpedia's person list holds bands and firms named after people: "Disney", "Pink
    Floyd"), and a one-word LOC that is also a given name ("Made", "Andi": villages named like
    people)."""
    new = gazetteer().get(text, label)
    if new == label or (label == "ORG" and new == "PER"):
        return label
    if new == "LOC" and " " not in text and text in given_names():
        return label
    return new


@functools.lru_cache(maxsize=1)
def _name_particles() -> frozenset[str]:
    """Lower-case particles allowed inside names (``data/name_particles.txt``)."""
    lines = (tokenizer.DATA / "name_particles.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def known_names(doc: Doc, taken: set[int]) -> list[Span]:
    """Multi-word gazetteer names the model left untagged ("Setya Novanto", "Mahkamah Agung",
    "Jawa Tengah"), longest first, on tokens not in ``taken``.

    One-word names are left to the model: they are ordinary words as often as names ("Agung",
    "Air"). Inner words must be capitalised, digits or name particles ("dan", "van", "bin")."""
    gaz = gazetteer()
    heads, particles = name_features.name_lengths(), _name_particles()
    texts = words(doc)
    found: list[Span] = []
    i, n = 0, len(texts)
    while i < n:
        size = min(heads.get(texts[i], 0), n - i) if i not in taken else 0
        while size > 1:
            end = i + size
            if (
                not any(k in taken for k in range(i + 1, end))
                and _is_name(texts[end - 1])
                and all(w[:1].isupper() or w.isdigit() or w in particles for w in texts[i + 1 : end - 1])
                and (label := gaz.get(doc[i:end].text))
            ):
                found.append(Span(doc, i, end, label=label))
                break
            size -= 1
        i += size if size > 1 else 1
    return found


@Language.component("pantau_gazetteer")
def gazetteer_labels(doc: Doc) -> Doc:
    """Relabel a predicted entity whose exact text is a known name of another type
    ("Moskow" PER -> LOC, "Sullivan" LOC -> PER): the statistical label is the weaker signal;
    and tag the multi-word known names the model missed (``known_names``)."""
    if not gazetteer():
        return doc
    ents = [Span(doc, e.start, e.end, label=gazetteer_label(e.text, e.label_)) for e in doc.ents]
    taken = {k for e in ents for k in range(e.start, e.end)}
    doc.ents = sorted(ents + known_names(doc, taken), key=lambda e: e.start)
    return doc


@functools.lru_cache(maxsize=1)
def _protected_names() -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    """Multi-word actor KB names ("Gedung Putih", "Dewan Keamanan"), and words that are names as
    well as dictionary words: one-word KB names, given names and every word of the gazetteer's
    person names ("Tim Cook", "Martin Luther King"). Headline truecasing leaves them capitalised."""
    from pantau.actors.kb import load_kb_cached

    aliases = [a for e in load_kb_cached().entries for a in e.aliases]
    words = set(_gazetteer_tables()[1])
    words |= {a for a in aliases if " " not in a} | given_names()
    return frozenset(tuple(a.split()) for a in aliases if " " in a), frozenset(words)


def _title_case(sent: Span) -> bool:
    """A headline or subhead in Title Case (4-20 words, no final period, at most two commas: not a
    list of names; 3 of 4 words capitalised, 2+ of them dictionary words): its capitals say nothing
    about names, so the NER over-extends entities ("Rusia Tembakkan", "Zelensky Klaim")."""
    last = next((t for t in reversed(sent) if not t.is_space), None)
    if last is None or last.text == "." or sum(t.text in (",", ";") for t in sent) > 2:
        return False
    words = [t.text for t in sent if t.is_alpha]
    caps = [w for w in words if w[0].isupper()]
    return (
        4 <= len(words) <= 20
        and len(caps) >= 0.75 * len(words)
        and sum(not w.isupper() and morph.in_dictionary(w) for w in caps) >= 2
    )


def _truecase_indices(words: list[str], body_names: frozenset[str] = frozenset()) -> set[int]:
    """Positions of capitalised dictionary words outside known names: lower-cased for the NER.
    ``body_names``: words of the entities the NER found in the rest of the article that the article
    never writes in lower case ("Arsenal", "Huda"): names the lists lack, so they stay (the
    document-centred evidence of Mikheev 1999)."""
    multi, names = _protected_names()
    gaz = gazetteer()
    kept: set[int] = set()
    for i in range(len(words)):
        for size in range(min(8, len(words) - i), 1, -1):
            if tuple(words[i : i + size]) in multi or " ".join(words[i : i + size]) in gaz:
                kept.update(range(i, i + size))
                break
    return {
        i for i, w in enumerate(words)
        if i not in kept and w[:1].isupper() and not w.isupper() and w.isalpha() and w not in names
        and w not in body_names and morph.in_dictionary(w)
    }  # fmt: skip


def _merge(old: list[Span], new: list[tuple[int, int, str]], lowered: set[int]) -> list[tuple[int, int, str]]:
    """One sentence's entities: a truecased entity replaces the entities it lies inside (trimming
    "Israel Kecam" to "Israel"), is dropped where it would widen one (the cased reading is kept),
    and stands alone elsewhere; a cased entity made only of lower-cased words goes ("Molor Hambat")."""
    out: list[tuple[int, int, str]] = []
    replaced: set[int] = set()
    for a, b, label in new:
        hit = [k for k, e in enumerate(old) if e.start < b and a < e.end]
        if all(old[k].start <= a and b <= old[k].end for k in hit):
            out.append((a, b, label))
            replaced.update(hit)
    for k, e in enumerate(old):
        if k not in replaced and not all(t.i in lowered for t in e):
            out.append((e.start, e.end, e.label_))
    return out


class HeadlineEntities:
    """Entities of Title-Case lines from the NER run again on their truecased words
    ("Israel Kecam Pernyataan Capres Le Pen" -> "Israel", "Le Pen"). A class holding the NER
    component, not a closure, so the pipeline still pickles (``nlp.pipe(n_process=...)``)."""

    def __init__(self, ner: Callable[[Doc], Doc]) -> None:
        self.ner = ner

    def __call__(self, doc: Doc) -> Doc:
        sents = [s for s in doc.sents if _title_case(s)] if doc.has_annotation("SENT_START") else []
        if not sents:
            return doc
        ents = list(doc.ents)
        in_body = [e for e in ents if not any(s.start <= e.start < s.end for s in sents)]
        lower = {t.text for t in doc if t.is_lower}
        body_names = frozenset(t.text for e in in_body for t in e if t.text.lower() not in lower)
        for sent in sents:
            if any(e.start < sent.start < e.end or e.start < sent.end < e.end for e in ents):
                continue
            words = [t.text for t in sent]
            low = _truecase_indices(words, body_names)
            cased = [w[0].lower() + w[1:] if i in low else w for i, w in enumerate(words)]
            again = self.ner(Doc(doc.vocab, words=cased, spaces=[bool(t.whitespace_) for t in sent]))
            new = [(sent.start + e.start, sent.start + e.end, e.label_) for e in again.ents]
            inside = [e for e in ents if sent.start <= e.start and e.end <= sent.end]
            merged = _merge(inside, new, {sent.start + i for i in low})
            ents = [e for e in ents if e not in inside] + [Span(doc, a, b, label=lab) for a, b, lab in merged]
        doc.ents = sorted(ents, key=lambda e: e.start)
        return doc


@Language.factory("pantau_headlines")
def make_headlines(nlp: Language, name: str) -> HeadlineEntities:
    """Needs the trained "ner" earlier in the pipeline."""
    return HeadlineEntities(nlp.get_pipe("ner"))


@functools.lru_cache(maxsize=1)
def _name_lexicons() -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    """Person titles (lower-cased word tuples, longest first) and one-word country names (owners).

    Read from the actor KB's lexicons (``pantau/actors/data``: roles.yaml, countries.tsv), so one
    list of titles serves both stages; imported here, not at module level, to keep the KB optional."""
    from pantau.actors.kb import load_kb_cached

    kb = load_kb_cached()
    titles = {tuple(p.lower().split()) for r in kb.roles if r.kind == "person" for p in r.phrases}
    countries = {a for e in kb.entries if e.kind == "country" for a in e.aliases if " " not in a}
    return tuple(sorted(titles, key=len, reverse=True)), frozenset(countries)


@functools.lru_cache(maxsize=1)
def _titles_by_first_word() -> dict[str, tuple[tuple[str, ...], ...]]:
    """The person titles by their first word, longest first (an entity's first word picks the few
    titles it can start with, instead of every title being compared with every entity)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for t in _name_lexicons()[0]:
        if t:
            out.setdefault(t[0], []).append(t)
    return {w: tuple(ts) for w, ts in out.items()}


def _is_name(word: str) -> bool:
    return word[:1].isupper() and word.replace("-", "").replace("'", "").isalpha()


def _untitled(doc: Doc, ent: Span) -> Span:
    """One predicted entity without a leading title, as the NER corpora annotate names.

    Titles precede 534 of the pooled NER corpora's entities and begin 60 (mostly names such as
    "Pangeran Singa Brata"). So "Penasihat Keamanan Nasional AS Jake Sullivan" (ORG) -> "Jake
    Sullivan" PER, when what follows the title and its owner (a country or an abbreviation: "AS",
    "DPR") is a person's name (a known given name or person); a title alone stays as tagged."""
    words = [t.text for t in ent]
    if ent.label_ not in ("PER", "ORG") or len(words) < 2:
        return ent
    countries = _name_lexicons()[1]
    low = tuple(w.lower() for w in words)
    # the longest title the words start with (titles of one length differ, so at most one matches)
    titles = _titles_by_first_word().get(low[0], ())
    i = next((len(t) for t in titles if len(t) < len(low) and low[: len(t)] == t), 0)
    if not i:
        return ent
    while i < len(words) - 1 and (words[i] in countries or (words[i].isupper() and len(words[i]) > 1)):
        i += 1
    rest = words[i:]
    gaz = gazetteer()
    person = rest[0] in given_names() or "PER" in (gaz.get(" ".join(rest)), gaz.get(rest[-1]))
    if person and all(_is_name(w) for w in rest):
        return Span(doc, ent.start + i, ent.end, label="PER")
    return ent


@Language.component("pantau_titles")
def strip_titles(doc: Doc) -> Doc:
    """Cut leading titles off names (see ``_untitled``)."""
    if doc.ents:
        doc.ents = [_untitled(doc, e) for e in doc.ents]
    return doc


# "Persib vs Persija", "Mike Tyson vs Jake Paul": two competitors, never one name (the NER joined
# them in 26 of 254 uses of these words in 4,000 corpus articles)
_VERSUS = frozenset({"vs", "vs.", "versus"})


@Language.component("pantau_ent_fix")
def ent_fix(doc: Doc) -> Doc:
    """Entities never cross a line break or "vs", nor start/end with punctuation (news has
    headlines, captions and bylines on their own lines; the NER corpora are single sentences)."""
    if not doc.ents:
        return doc
    fixed = []
    for ent in doc.ents:
        start = ent.start
        for i in range(ent.start, ent.end + 1):
            if i == ent.end or doc[i].is_space or "\n" in doc[i].text or doc[i].lower_ in _VERSUS:
                s, e = start, i
                while s < e and (doc[s].is_punct or doc[s].is_space):
                    s += 1
                while e > s and (doc[e - 1].is_punct or doc[e - 1].is_space) and doc[e - 1].text != ")":
                    e -= 1
                if e > s:
                    fixed.append(Span(doc, s, e, label=ent.label_))
                start = i + 1
    doc.ents = fixed
    return doc


class _CachedFloret(Vectors):
    """floret vectors with a per-process cache of word vectors. Why: floret averages ~50 subword
    rows per distinct word of every batch, which cost as much as the CNN itself; news reuses
    its vocabulary, and both tok2vec layers (parser and NER parts) ask for the same batch."""

    # cached words (8 MB), cleared when full. 1,800 articles meet 35,000 (hit rate 0.91; 0.95 with 100,000,
    # which a watch took hours to fill, its table growing all the while)
    _MAX = 20_000

    def get_batch(self, keys):  # noqa: ANN001, ANN201 - spaCy signature
        arr = numpy.ascontiguousarray(keys, dtype="uint64")
        uniq, inverse = numpy.unique(arr, return_inverse=True)
        with _VEC_LOCK:
            index, blocks = self.__dict__.setdefault("_pantau_cache", ({}, []))
            if len(index) + len(uniq) > self._MAX:
                index.clear()
                blocks.clear()
            missing = [k for k in uniq.tolist() if k not in index]
            if missing:
                start = len(index)
                new = super().get_batch(numpy.asarray(missing, dtype="uint64"))
                blocks[:] = [numpy.concatenate(blocks + [numpy.asarray(new, dtype="float32")])]
                for n, k in enumerate(missing):
                    index[k] = start + n
            rows = numpy.fromiter((index[k] for k in uniq.tolist()), dtype="int64", count=len(uniq))
            table = blocks[0]
        return numpy.ascontiguousarray(table[rows[inverse.reshape(-1)]])


_VEC_LOCK = threading.Lock()


def _fast_vectors(nlp: Language) -> None:
    vec = nlp.vocab.vectors
    if vec.mode != "floret" or not vec.shape[0] or isinstance(vec, _CachedFloret):
        return
    nlp.vocab.vectors = _CachedFloret(
        strings=nlp.vocab.strings, data=vec.data, mode="floret", minn=vec.minn, maxn=vec.maxn,
        hash_count=vec.hash_count, hash_seed=vec.hash_seed, bow=vec.bow, eow=vec.eow, attr=vec.attr,
    )


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _fast_matmul(nlp: Language) -> None:
    """Matrix products through numpy's BLAS on one thread instead of thinc's default (blis).

    Why: on the pipeline's batch-sized matrices numpy's OpenBLAS is 15-30% faster than blis (7-9% of
    the whole pipeline's time, identical outputs), but its default thread pool spins: on 2 cores it
    used 17.3 s of CPU for 9.8 s of wall time. One thread per process is what the speed target
    measures; scale out with processes. A thread count set in the environment is left as chosen."""
    if not any(os.environ.get(v) for v in _THREAD_VARS):
        threadpool_limits(limits=1, user_api="blas")
    ops = NumpyOps(use_blis=False)
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if isinstance(model, Model):
            for node in model.walk():
                node.ops = ops


def _has_rules(tok: Callable[[str], Doc]) -> bool:
    """Whether a tokenizer has special cases, without building the 16,000-entry ``rules`` dict of a
    ``NewsTokenizer`` (0.1 s) only to test it."""
    if isinstance(tok, fast_tokenizer.NewsTokenizer):
        return bool(tok.words) or bool(tok.inner.rules)
    return bool(getattr(tok, "rules", None))


def _grouped_entry_points() -> None:
    """Give catalogue (spaCy's registries) the installed entry points grouped once.

    Why: catalogue keeps ``importlib.metadata.entry_points()``, and on Python 3.10-3.11 that object's
    ``select(group=...)`` flattens every group of every installed package at each call; loading the
    model asks 170 times (0.1 s of every start). A plain dict of the same groups is what catalogue
    reads on older Pythons (``.get(group, [])``): the same entry points, found by one lookup."""
    import catalogue

    eps = catalogue.AVAILABLE_ENTRY_POINTS
    if hasattr(eps, "select") and hasattr(eps, "groups"):
        catalogue.AVAILABLE_ENTRY_POINTS = {group: list(eps.select(group=group)) for group in eps.groups}


def _build(path: Path | None) -> Language:
    _grouped_entry_points()
    if path is None:
        nlp = spacy.blank("id", config={"nlp": {"tokenizer": {"@tokenizers": "pantau.id_tokenizer.v1"}}})
        nlp.add_pipe("pantau_sentences")
    else:
        # the tokenizer rules were serialised with the model (scripts/train_nlp.py, customize()): read
        # them once, with the hyphenated words as a word set instead of special cases (fast_tokenizer)
        nlp = spacy.load(path, config=tokenizer.EMPTY_TOKENIZER, exclude=["tokenizer"])
        if (path / "tokenizer").is_file():
            nlp.tokenizer = fast_tokenizer.load(nlp.vocab, path / "tokenizer")
        if not _has_rules(nlp.tokenizer):  # a model saved without its tokenizer: the news rules
            customize(nlp)
        _fast_vectors(nlp)
        _fast_matmul(nlp)
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("pantau_sentences", before="parser")
        else:
            nlp.add_pipe("pantau_sentences")
    if "ner" in nlp.pipe_names:
        nlp.add_pipe("pantau_headlines", last=True)
        nlp.add_pipe("pantau_ent_fix", last=True)
        nlp.add_pipe("pantau_titles", last=True)
        nlp.add_pipe("pantau_gazetteer", last=True)
        name_features.load_tables()  # read the name lists now, not in the first text
        _protected_names()
    nlp.add_pipe("pantau_root_lemmas", last=True)
    return nlp


def load() -> Language:
    """The shared pipeline (trained if shipped, else blank Indonesian + sentence rules). Cached."""
    path = model_path()
    key = str(path)
    nlp = _NLP.get(key)
    if nlp is None:
        with _LOCK:
            nlp = _NLP.get(key)
            if nlp is None:
                nlp = _NLP[key] = _build(path)
                _BASE_STRINGS[id(nlp.vocab)] = len(nlp.vocab.strings)
    return nlp


def parse(text: str, dependencies: bool = True) -> Doc:
    """Analyse one text (``dependencies=False``: see ``pipe``)."""
    nlp = load()
    return nlp(text) if dependencies else nlp(text, disable=_parser(nlp))


def pipe(texts: Iterable[str], batch_size: int = 64, n_process: int = 1,
         dependencies: bool = True) -> Iterator[Doc]:
    """Analyse many texts lazily (faster than calling parse() in a loop). ``dependencies=False`` skips
    the dependency parser, about half of the NLP time: tags, lemmas, sentences (set by the sentence
    rules before the parser) and entities stay the same, but nothing may read heads or relations."""
    nlp = load()
    disable = [] if dependencies else _parser(nlp)
    yield from nlp.pipe(texts, batch_size=batch_size, n_process=n_process, disable=disable)


_ZONE_LOCK = threading.RLock()


def _new_zone_lock() -> None:
    """In a forked child: a fresh lock (a thread of the parent may have held it at the fork)."""
    global _ZONE_LOCK
    _ZONE_LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_zone_lock)
# Strings the vocabulary may learn for good before the zones begin (about 440 bytes each with their
# lexemes and tokenizer-cache entries, measured: 7 MB), learnt in the first minutes of a one-a-second
# watch; with 50,000 its vocabulary grew for 37 minutes. 15,000 against 50,000 over 1,800 articles: the
# same outputs, no more CPU. Why not zones from the start: a word known to the vocabulary has its
# lexeme, and a chunk of text seen before its tokenization, cached (spaCy's tokenizer caches nothing
# inside a zone); with every word made anew in every one-article batch the pipeline took 14% more
# CPU. The first articles teach it the common words; after that each batch's new strings are freed
# with its Docs.
VOCAB_GROWTH = 15_000
_BASE_STRINGS: dict[int, int] = {}  # id(vocab) -> its string count when the model was loaded


@contextlib.contextmanager
def memory_zone() -> Iterator[None]:
    """A block whose Docs, and the strings and lexemes they added to the shared vocabulary, are freed
    at its end (spaCy's ``Language.memory_zone``), once the vocabulary has learnt ``VOCAB_GROWTH``
    strings; until then a plain block.

    Why: a long-running process (``pantau watch``, ``pantau serve``) sees new words, names and lemmas
    in every batch; without a zone the vocabulary's strings and lexemes grow for as long as it runs.
    Everything read from a Doc must be read inside the block (the pipeline turns Docs into plain
    records there); a string hash kept past it may no longer resolve. Strings known before the block
    (the model's labels and vocabulary, the tokenizer's special cases) stay. One zone at a time per
    process: a block inside another in the same thread runs in the outer zone, and another thread
    waits for the zone to end (spaCy's zones cannot nest, and the transient strings belong to the
    vocabulary, not to a thread)."""
    with _ZONE_LOCK:
        nlp = load()
        vocab = nlp.vocab
        base = _BASE_STRINGS.setdefault(id(vocab), len(vocab.strings))
        if vocab.in_memory_zone or len(vocab.strings) < base + VOCAB_GROWTH:
            yield  # this thread's outer zone frees what the block adds; or the vocabulary still learns
            return
        with nlp.memory_zone():
            yield


def _parser(nlp: Language) -> list[str]:
    return [name for name in ("parser",) if name in nlp.pipe_names]
