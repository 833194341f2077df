"""The records the resolver's steps pass to each other, so each step can live in its own module.

A text is cut into word tokens (``Tok``); the chunker groups them into alias, role and pronoun chunks
(``Chunk``); title composition, names and coreference add ``Mention``s to one ``Analysis`` of the
text, which also holds what later mentions refer back to (titles and surnames already introduced).
The word patterns and word lists that several steps share are here; a step's own lists sit in its
module.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pantau.actors.kb import KBEntry, Role
from pantau.records import Entity

TOKEN_RE = re.compile(r"\w+", re.UNICODE)
SPACE_GAP_RE = re.compile(r"^[ \t]{1,3}$")
SENT_RE = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])|\n+")

PREPOSITIONS = {
    "di",
    "ke",
    "dari",
    "terhadap",
    "dengan",
    "untuk",
    "bagi",
    "atas",
    "kepada",
    "antara",
    "melawan",
    "oleh",
    "pada",
    "tentang",
    "soal",
    "sejak",
    "hingga",
    "menuju",
    "versus",
    "vs",
    "seperti",
}
# Capitalised words that never start an unknown person's name after a title.
NAME_STOP = {
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "sabtu",
    "minggu",
    "januari",
    "februari",
    "maret",
    "april",
    "mei",
    "juni",
    "juli",
    "agustus",
    "september",
    "oktober",
    "november",
    "desember",
    "yang",
    "dan",
    "itu",
    "ini",
    "pada",
    "di",
    "ke",
    "dari",
    "dalam",
    "untuk",
    "dengan",
    "juga",
    "telah",
    "akan",
    "mengatakan",
    "menyatakan",
    "kata",
    "ujar",
    "tersebut",
    "baru",
    "saat",
    "kini",
    "pun",
    "sebelumnya",
    "sendiri",
    "the",
    "a",
    "an",
    "of",
    "and",
    "baca",
    "jakarta",
    "kompas",
    "reuters",
    "afp",
    "ap",
}
INSTITUTIONAL = {"COP", "LEG", "JUD", "GOV", "MIL", "SPY"}


@dataclass
class Tok:
    start: int
    end: int
    text: str
    lower: str


@dataclass
class Chunk:
    kind: str  # kb | role | block | pron | nya | fuzzy-kb
    i: int  # first token
    j: int  # one past last token
    start: int
    end: int
    entry: KBEntry | None = None
    role: Role | None = None


@dataclass
class Mention:
    """An Entity plus what the resolver knows about it (for coreference and evaluation)."""

    entity: Entity
    kind: str  # kb | title | collective | pronoun | nya | surname | ner
    person: bool = False
    known: bool = True
    sent: int = 0
    oblique: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def tokenize(text: str) -> list[Tok]:
    return [Tok(m.start(), m.end(), m.group(), m.group().lower()) for m in TOKEN_RE.finditer(text)]


def sentence_starts(text: str) -> list[int]:
    starts = [0]
    for m in SENT_RE.finditer(text):
        starts.append(m.end())
    return starts


def gap_before(toks: list[Tok], i: int, text: str) -> str:
    """The text between token i - 1 and token i ("" at either end)."""
    return text[toks[i - 1].end : toks[i].start] if 0 < i < len(toks) else ""


@dataclass
class Analysis:
    """One text being resolved: its tokens and chunks, the mentions found so far and the memory that
    later mentions read (title -> person introduced, surname -> unknown person introduced)."""

    text: str
    ref: dt.date | None
    context_country: str | None
    ents: list[tuple] | None  # NER (start, end, label) spans, when the text came with a parsed Doc
    toks: list[Tok]
    chunks: list[Chunk]
    sents: list[int]  # sentence start offsets
    by_tok: dict[int, Chunk]  # first token -> chunk
    taken: set[int]  # tokens inside a chunk
    mentions: list[Mention] = field(default_factory=list)
    title_memory: dict[tuple[str, str | None], tuple[str | None, str | None, str]] = field(
        default_factory=dict
    )
    surname_memory: dict[str, Mention] = field(default_factory=dict)
    pending_fallback: list[Mention] = field(default_factory=list)  # emitted without a code

    def sent_of(self, pos: int) -> int:
        return bisect.bisect_right(self.sents, pos) - 1

    def oblique(self, i: int) -> bool:
        return i > 0 and self.toks[i - 1].lower in PREPOSITIONS
