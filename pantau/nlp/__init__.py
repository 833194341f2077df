"""Indonesian NLP layer: one cached spaCy pipeline (tokenizer, tagger, parser, NER, root lemmas).

Why: every later stage (actors, events, quotes) reads POS, dependencies, entities and verb roots
from the same Doc, so the pipeline is loaded once and shared. If no trained model is shipped in
``pantau/nlp/models/id_pantau`` a blank Indonesian pipeline with rule-based sentences is used, so the
rest of the system keeps working (without POS/deps/entities).
"""

from __future__ import annotations

import functools
import gzip
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pantau.nlp import morph
from pantau.nlp.tokenizer import customize

__all__ = ["MODEL_DIR", "load", "parse", "pipe", "model_path", "morph"]

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


@Language.component("pantau_root_lemmas")
def root_lemmas(doc: Doc) -> Doc:
    """Set token.lemma_ to the morphological root, so predicates match by root ("diserang" -> "serang")."""
    for tok in doc:
        text = tok.text
        if tok.pos_ == "PROPN" or not text.isalpha():
            tok.lemma_ = text
        elif not tok.pos_ or tok.pos_ in _LEMMA_POS:
            tok.lemma_ = morph.analyse(text).root
        else:
            tok.lemma_ = text.lower()
    return doc


_FINAL = {".", "!", "?", "…", "..."}
_CLOSE = {'"', "”", "’", "'", ")"}
_OPEN = "\"“'‘("


@Language.component("pantau_sentences")
def sentence_starts(doc: Doc) -> Doc:
    """Rule-based sentence boundaries, set before the parser (which respects them).

    Why: the treebanks are shuffled single sentences, so a parser learns news sentence breaks
    poorly. A sentence starts after a line break, or after final punctuation (optionally followed
    by a closing quote) when the next word starts with a capital, digit or opening quote. The
    tokenizer keeps abbreviations ("Dr.", "Jl.", "dll.") whole, so a lone "." is a real period;
    a period after a single capital letter is an initial ("J. Biden") and does not end a sentence.
    """
    for i, tok in enumerate(doc):
        if i == 0:
            tok.is_sent_start = True
            continue
        prev = doc[i - 1]
        start = False
        if "\n" in prev.text_with_ws or prev.is_space:
            start = not tok.is_space
        elif not tok.is_space and (tok.text[:1].isupper() or tok.text[:1].isdigit() or tok.text[:1] in _OPEN):
            j = i - 1
            if doc[j].text in _CLOSE and j > 0 and doc[j - 1].text in _FINAL and doc[j].whitespace_:
                j -= 1
            if doc[j].text in _FINAL and (doc[j].whitespace_ or j < i - 1):
                before = doc[j - 1].text if j > 0 else ""
                start = not (len(before) == 1 and before.isupper())
        tok.is_sent_start = start
    return doc


GAZETTEER = Path(__file__).parent / "models" / "gazetteer.tsv.gz"


@functools.lru_cache(maxsize=1)
def gazetteer() -> dict[str, str]:
    """Unambiguous Indonesian DBpedia names -> PER/LOC/ORG (built by scripts/train_nlp.py)."""
    if not GAZETTEER.is_file():
        return {}
    with gzip.open(GAZETTEER, "rt", encoding="utf-8") as fh:
        rows = (line.rstrip("\n").split("\t") for line in fh if not line.startswith("#"))
        return {r[0]: r[1] for r in rows if len(r) == 2}


@Language.component("pantau_gazetteer")
def gazetteer_labels(doc: Doc) -> Doc:
    """Relabel a predicted entity whose exact text is a known name of another type
    ("Moskow" PER -> LOC, "Sullivan" LOC -> PER): the statistical label is the weaker signal."""
    names = gazetteer()
    if names and doc.ents:
        doc.ents = [Span(doc, e.start, e.end, label=names.get(e.text, e.label_)) for e in doc.ents]
    return doc


@Language.component("pantau_ent_fix")
def ent_fix(doc: Doc) -> Doc:
    """Entities never cross a line break or start/end with punctuation (news has headlines,
    captions and bylines on their own lines; the NER corpora are single sentences)."""
    if not doc.ents:
        return doc
    fixed = []
    for ent in doc.ents:
        start = ent.start
        for i in range(ent.start, ent.end + 1):
            if i == ent.end or doc[i].is_space or "\n" in doc[i].text:
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


def _build(path: Path | None) -> Language:
    if path is None:
        nlp = customize(spacy.blank("id"))
        nlp.add_pipe("pantau_sentences")
    else:
        nlp = spacy.load(path)
        # the tokenizer rules were serialised with the model by scripts/train_nlp.py (customize())
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("pantau_sentences", before="parser")
        else:
            nlp.add_pipe("pantau_sentences")
    if "ner" in nlp.pipe_names:
        nlp.add_pipe("pantau_ent_fix", last=True)
        nlp.add_pipe("pantau_gazetteer", last=True)
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
    return nlp


def parse(text: str) -> Doc:
    """Analyse one text."""
    return load()(text)


def pipe(texts: Iterable[str], batch_size: int = 64, n_process: int = 1) -> Iterator[Doc]:
    """Analyse many texts lazily (faster than calling parse() in a loop)."""
    yield from load().pipe(texts, batch_size=batch_size, n_process=n_process)
