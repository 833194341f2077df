"""Indonesian root and affix analysis for predicate matching.

Why: event rules match predicates by root ("serang") whatever the voice: menyerang (active),
diserang (passive), terserang (stative), serangan / penyerangan (nominalisations). The root comes
from a search over affix decompositions (meN-, di-, ter-, ber-, per-, peN-, ke-, se- with
-kan, -i, -an and clitics -nya, -lah, -kah, -ku, -mu, -pun), checked against the Sastrawi root
dictionary (plus extra roots in data/morph_exceptions.tsv); the longest dictionary root with a
valid affix combination wins (PySastrawi's stem breaks ties between a nasal-elided and a plain
reading), and PySastrawi's stemmer is the fallback for unknown words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

__all__ = ["Analysis", "analyse", "in_dictionary", "in_lexicon", "root"]

DATA = Path(__file__).parent / "data"

CLITICS = ("", "nya", "lah", "kah", "pun", "ku", "mu")
SUFFIXES = ("", "kan", "i", "an")

# surface prefix -> (label, letters a nasal or r-drop may have swallowed from the root)
PREFIXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("", "", ("",)),
    ("memper", "memper", ("",)),
    ("diper", "diper", ("",)),
    ("menge", "meN", ("",)),
    ("meng", "meN", ("", "k")),
    ("meny", "meN", ("s",)),
    ("mem", "meN", ("", "p")),
    ("men", "meN", ("", "t")),
    ("me", "meN", ("",)),
    ("di", "di", ("",)),
    ("ter", "ter", ("",)),
    ("te", "ter", ("",)),
    ("ber", "ber", ("",)),
    ("be", "ber", ("",)),
    ("bel", "ber", ("",)),
    ("penge", "peN", ("",)),
    ("peng", "peN", ("", "k")),
    ("peny", "peN", ("s",)),
    ("pem", "peN", ("", "p")),
    ("pen", "peN", ("", "t")),
    ("per", "per", ("",)),
    ("pe", "pe", ("",)),
    ("keber", "keber", ("",)),
    ("ke", "ke", ("",)),
    ("se", "se", ("",)),
)

# prefix label -> allowed derivational suffixes
ALLOWED = {
    "": {"", "kan", "i", "an"},
    "meN": {"", "kan", "i"},
    "memper": {"", "kan", "i"},
    "di": {"", "kan", "i"},
    "diper": {"", "kan", "i"},
    "ter": {"", "kan", "i"},
    "ber": {"", "an", "kan"},
    "peN": {"", "an"},
    "per": {"an"},
    "pe": {"", "an"},
    "ke": {"an"},
    "keber": {"an"},
    "se": {""},
}

VOICE = {"meN": "active", "memper": "active", "ber": "active", "di": "passive", "diper": "passive",
         "ter": "stative"}


@dataclass(frozen=True)
class Analysis:
    """One word's morphology. ``nominal`` names the nominalisation ("-an", "peN-an", "per-an",
    "ke-an", "peN" agent noun, ...) or is None for verbs and plain words."""

    word: str
    root: str
    prefix: str | None = None
    suffix: str | None = None
    clitic: str | None = None
    voice: str | None = None
    nominal: str | None = None

    @property
    def is_nominal(self) -> bool:
        return self.nominal is not None


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - Sastrawi has no types
    """PySastrawi's stemmer without its cache wrapper (``CachedStemmer`` keeps every word it ever saw,
    which a watcher running for days cannot afford); ``_stem`` caches it with a bound."""
    return StemmerFactory().create_stemmer().delegatedStemmer


@lru_cache(maxsize=5_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _tables() -> tuple[frozenset[str], dict[str, Analysis]]:
    roots: set[str] = set()
    words: dict[str, Analysis] = {}
    section = ""
    for raw in (DATA / "morph_exceptions.tsv").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        cols = [None if c == "-" else c for c in raw.split("\t")]
        if section == "root":
            roots.add(line)
        elif section == "word" and len(cols) >= 6:
            w, r, p, s, v, n = cols[:6]
            words[w] = Analysis(w, r or w, p, s, None, v, n)
    return frozenset(roots), words


def in_lexicon(word: str) -> bool:
    """Is lower-case ``word`` a root of the dictionary (PySastrawi's, plus ``morph_exceptions.tsv``)?"""
    extra, _ = _tables()
    return word in extra or _stemmer().dictionary.contains(word)


def _nominal(prefix: str, suffix: str) -> str | None:
    if prefix in ("peN", "per", "pe", "ke", "keber") and suffix == "an":
        return f"{prefix}-an"
    if prefix == "" and suffix == "an":
        return "-an"
    if prefix in ("peN", "pe") and suffix == "":
        return prefix  # agent / instrument noun: penyerang
    return None


def _candidates(w: str) -> list[tuple[str, str, str, str]]:
    """All (root, prefix, suffix, clitic) decompositions of ``w`` whose root is in the lexicon."""
    found = []
    for clitic in CLITICS:
        if clitic and (not w.endswith(clitic) or len(w) - len(clitic) < 3):
            continue
        base = w[: len(w) - len(clitic)] if clitic else w
        for suffix in SUFFIXES:
            if suffix and (not base.endswith(suffix) or len(base) - len(suffix) < 3):
                continue
            stem = base[: len(base) - len(suffix)] if suffix else base
            for surface, label, restores in PREFIXES:
                if suffix not in ALLOWED[label] or not stem.startswith(surface):
                    continue
                rest = stem[len(surface) :]
                if surface in ("te", "be") and not rest.startswith("r") and rest != "kerja":
                    continue  # ter-/ber- lose their r only before r (and in bekerja)
                if surface == "me" and not rest.startswith(("l", "m", "n", "r", "w", "y")):
                    continue  # meN- is plain me- only before l/m/n/r/w/y ("megawati" is not meN-gawat-i)
                for restore in restores:
                    r = restore + rest
                    if len(r) >= 3 and in_lexicon(r):
                        if label == "pe":  # pe- is peN- before l/m/n/w/y, per- before r
                            label = "per" if r.startswith("r") else "peN"
                        found.append((r, label, suffix, clitic))
    return found


@lru_cache(maxsize=5_000)  # 8% hits over 1,800 articles, 16% at 20k: its caller (nlp._lemma) is cached
def analyse(word: str) -> Analysis:
    """Root, affixes, voice and nominalisation of one word (cached)."""
    w = word.lower().strip()
    _, exceptions = _tables()
    if w in exceptions:
        a = exceptions[w]
        return Analysis(word, a.root, a.prefix, a.suffix, None, a.voice, a.nominal)
    if len(w) < 4 or not w.replace("-", "").isalpha():
        return Analysis(word, w)
    cands = _candidates(w)
    if not cands:
        stem = _stem(w) or w
        if stem != w:
            cands = [c for c in _candidates_with_root(w, stem)]
        if not cands:
            return Analysis(word, stem)
    # A prefixed reading that agrees with Sastrawi's stem settles nasal-elision ambiguity
    # (meminta: minta, not pinta); otherwise the longest root (kutukan: kutuk, not kutu),
    # then fewer affixes, then no clitic. (Sastrawi is slow on a new word: asked only when it can
    # decide something.)
    stem = _stem(w) if len(cands) > 1 and any(c[1] for c in cands) else None
    r, prefix, suffix, clitic = max(
        cands,
        key=lambda c: (bool(c[1]) and c[0] == stem, len(c[0]), -(bool(c[1]) + bool(c[2]) + bool(c[3])),
                       -len(c[3])),
    )
    voice = VOICE.get(prefix)
    return Analysis(word, r, prefix or None, suffix or None, clitic or None, voice, _nominal(prefix, suffix))


def _candidates_with_root(w: str, stem: str) -> list[tuple[str, str, str, str]]:
    """Decompositions that yield Sastrawi's stem (for roots missing from the dictionary)."""
    out = []
    for clitic in CLITICS:
        base = w[: len(w) - len(clitic)] if clitic and w.endswith(clitic) else (w if not clitic else None)
        if base is None:
            continue
        for suffix in SUFFIXES:
            if suffix and not base.endswith(suffix):
                continue
            s = base[: len(base) - len(suffix)] if suffix else base
            for surface, label, restores in PREFIXES:
                if suffix in ALLOWED[label] and s.startswith(surface):
                    if any(restore + s[len(surface) :] == stem for restore in restores):
                        out.append((stem, label, suffix, clitic))
    return out


def root(word: str) -> str:
    """Shortcut: the root of ``word``."""
    return analyse(word).root


@lru_cache(maxsize=20_000)  # 2,762 distinct words over 1,800 articles
def in_dictionary(word: str) -> bool:
    """Is ``word`` (any case) an Indonesian dictionary word or a derived form of one ("kecam",
    "terancam", "melahirkan")? Most names are not ("Rusia", "Zelensky", "Pogba")."""
    w = word.lower()
    if in_lexicon(w):
        return True
    r = analyse(w).root
    return r != w and in_lexicon(r)
