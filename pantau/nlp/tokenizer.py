"""Tokenizer for Indonesian news text.

Why: spaCy's Indonesian defaults split dates ("20/11/2024"), some abbreviations ("Jl.") and
leave trailing quotes attached ("tidak'"). News text needs dates, times, numbers, outlet marks
and abbreviations whole, and quotes and dashes split off.

Clitic policy (documented in MODEL_CARD.md): "-nya", "-lah", "-kah", "-ku", "-mu" stay attached
to their host ("katanya", "bukunya") as in UD Indonesian GSD 2.1 (no multiword tokens) and in
every NER corpus; CSUI's multiword tokens are merged back into one token by the training
converter. A clitic written with a hyphen after a name ("AS-nya") is split, as spaCy does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.lang.id import Indonesian
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

DATA = Path(__file__).parent / "data"

# Whole-token patterns, checked before affixes are split off (so "21/01/2022," -> "21/01/2022" ",").
_TOKEN_PATTERNS = [
    r"\d{1,2}/\d{1,2}/\d{2,4}",  # 20/11/2024
    r"\d{4}-\d{2}-\d{2}",  # 2024-11-20
    r"\d{1,2}[:.]\d{2}(?::\d{2})?(?=$)",  # 16:01, 16.01 (only as a whole token)
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?",  # 100.000 / 1.250.000,50
    r"\d+,\d+",  # 2,5
    r"\d+(?:\.\d+)?",  # 2.5
    # outlet marks and domains: KONTAN.CO.ID, Kompas.com, TRIBUNGORONTALO.COM, detik.com
    r"(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:[Cc][Oo][Mm]|[Cc][Oo]\.[Ii][Dd]|[Ii][Dd]|[Nn][Ee][Tt]|[Oo][Rr][Gg]|"
    r"[Gg][Oo]\.[Ii][Dd]|[Aa][Cc]\.[Ii][Dd]|[Oo][Rr]\.[Ii][Dd]|[Ii][Oo]|[Tt][Vv]|[Nn][Ee][Ww][Ss])",
    r"(?:[A-Z]\.){2,}",  # initialisms: A.S., U.S.A.
]
TOKEN_MATCH = re.compile("^(?:" + "|".join(_TOKEN_PATTERNS) + ")$")

_EXTRA_PREFIXES = [r"[“‘«]", "–", "—"]
_EXTRA_SUFFIXES = [r"[”’»']", "–", "—", r"(?<=[0-9])[,.](?=$)"]
_EXTRA_INFIXES = [
    r"(?<=[^\s])[–—](?=[^\s])",
    r"(?<=[a-zA-Z])[”“\"](?=[a-zA-Z])",
    r"(?<=[a-zA-Z])['’”\"](?=[–—])",
]


@lru_cache(maxsize=1)
def abbreviations() -> tuple[str, ...]:
    """Abbreviations kept whole, from data/abbreviations.txt."""
    lines = (DATA / "abbreviations.txt").read_text(encoding="utf-8").splitlines()
    return tuple(x.strip() for x in lines if x.strip() and not x.startswith("#"))


def build_tokenizer(nlp: Language) -> Tokenizer:
    """A Tokenizer for ``nlp.vocab`` with Indonesian news rules."""
    defaults = Indonesian.Defaults
    prefixes = list(defaults.prefixes) + _EXTRA_PREFIXES
    suffixes = _EXTRA_SUFFIXES + list(defaults.suffixes)
    infixes = list(defaults.infixes) + _EXTRA_INFIXES
    rules = dict(defaults.tokenizer_exceptions)
    for abbr in abbreviations():
        rules[abbr] = [{ORTH: abbr}]
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=TOKEN_MATCH.match,
        url_match=defaults.url_match,
    )


def customize(nlp: Language) -> Language:
    """Replace ``nlp.tokenizer`` with the news tokenizer (in place; returned for chaining)."""
    nlp.tokenizer = build_tokenizer(nlp)
    return nlp


@spacy.registry.tokenizers("pantau.id_tokenizer.v1")
def create_tokenizer():  # noqa: ANN201 - spaCy registry signature
    """Registry entry so training configs can name this tokenizer."""

    def make(nlp: Language) -> Tokenizer:
        return build_tokenizer(nlp)

    return make


@spacy.registry.tokenizers("pantau.empty_tokenizer.v1")
def create_empty_tokenizer():  # noqa: ANN201 - spaCy registry signature
    """A tokenizer with no rules, for loading a pipeline whose tokenizer is then read from disk.

    Why: ``spacy.load`` first builds the tokenizer its config names (the Indonesian defaults: ~16,000
    special cases, each tokenized to check it) and then replaces every rule with the serialised ones,
    building the special cases again. Starting empty builds them once (half the load time); the rules,
    affix patterns and token/url matches all come from the model's ``tokenizer`` file.
    """

    def make(nlp: Language) -> Tokenizer:
        return Tokenizer(nlp.vocab)

    return make


# config override for spacy.load: build no rules before the serialised tokenizer is read
EMPTY_TOKENIZER = {"nlp": {"tokenizer": {"@tokenizers": "pantau.empty_tokenizer.v1"}}}
