"""Argument positions in one sentence: clause boundaries, governing prepositions, free mentions.

Roles come from positions over resolved actor mentions: the nearest free mention left of a trigger is
its subject, the first mention group after it (or after a given preposition) its object.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pantau.events.lexicon import Lexicon
from pantau.events.rules.mentions import Mention
from pantau.events.rules.words import (
    ADVERBS,
    AUX,
    CLAUSE_ENDS,
    COORD,
    CROSSABLE,
    FIRST_PERSON,
    HEAD_NOUNS,
    PLACE_NOUNS,
    PREPS,
    SOFT_STOPS,
    SOURCE_PREPS,
    STRONG_STOPS,
    THIRD_PERSON,
)
from pantau.events.text import Tok
from pantau.records import Entity, Quote


@lru_cache(maxsize=4096)
def _split(phrase: str) -> tuple[str, ...]:
    """A lexicon phrase as its words (the same few hundred phrases are asked for in every clause)."""
    return tuple(phrase.split())


class Clause:
    """One sentence's tokens and actor mentions, and where its arguments stand.

    Why a class: every rule asks the same questions (which mention is free, where a clause ends,
    which preposition governs a mention) over the same tokens and coordination groups.
    """

    def __init__(
        self,
        lex: Lexicon,
        toks: list[Tok],
        ms: list[Mention],
        topic: Entity | None,
        quotes: list[Quote] | None = None,
        spacy_at: Mapping[int, Any] | None = None,
    ):
        self.lex, self.toks, self.ms, self.topic = lex, toks, ms, topic
        self.spacy_at = spacy_at or {}  # char offset -> spaCy token of the dependency parse
        self.quotes = quotes or []
        self.norms = [t.norm for t in toks]
        self.lows = [t.text.lower() for t in toks]
        # coordination groups over the whole sentence: index of the group of each mention
        self.groups: list[list[int]] = []
        for k in range(len(ms)):
            if self.groups:
                last = self.groups[-1][-1]
                gap = toks[ms[last].t1 : ms[k].t0]
                if len(gap) <= 3 and all(t.text.lower() in COORD for t in gap):
                    self.groups[-1].append(k)
                    continue
            self.groups.append([k])
        self.group_of = {k: g for g in self.groups for k in g}

    # -------------------------------------------------------------- clause boundaries and prepositions
    def is_stop(self, i: int) -> bool:
        """A clause boundary for subject search: a strong or soft stop or a speech cue."""
        w = self.lows[i]
        return w in STRONG_STOPS or w in self.lex.speech_cues or w in SOFT_STOPS

    def segments_left(self, ti: int) -> list[tuple[int, int, str]]:
        """Clause segments left of the trigger, nearest first: (start, end, stop-word before)."""
        segs = []
        end = ti
        for i in range(ti - 1, -1, -1):
            if self.is_stop(i):
                segs.append((i + 1, end, self.lows[i]))
                end = i
        segs.append((0, end, ""))
        return segs

    def right_end(self, tj: int, cross_bahwa: bool, cross_yang: bool = False) -> int:
        """End of the clause right of token tj; speech acts reach into their "bahwa" complement and
        `cross_yang` into a relative clause."""
        i = tj
        while i < len(self.toks):
            w = self.lows[i]
            if w in STRONG_STOPS or w in CLAUSE_ENDS:
                break
            if w == "yang" and not cross_yang:
                break
            if w == "bahwa" and not cross_bahwa:
                break
            if w in self.lex.speech_cues and i > tj:
                break
            i += 1
        return i

    def preceded_by(self, m: Mention, words: set[str], reach: int = 1) -> str | None:
        """The preposition governing mention m, looking back over up to `reach` words."""
        for k in range(1, reach + 1):
            j = m.t0 - k
            if j < 0:
                return None
            w = self.lows[j]
            if w in words:
                return w
            if w in PREPS or self.is_stop(j) or w in {"yang", "bahwa"} or self.lex.match(self.norms, j):
                return None
        return None

    def genitive(self, m: Mention, seg_start: int) -> bool:
        """True when the mention modifies a preceding noun ("depot amunisi Rusia", "rudal ATACMS AS")."""
        if m.t0 <= seg_start:
            return False
        w = self.toks[m.t0 - 1]
        lw = w.text.lower()
        if not (w.text[:1].isalnum()):
            return False
        return (
            lw not in ADVERBS
            and lw not in HEAD_NOUNS
            and lw not in PREPS
            and lw not in AUX
            and lw not in self.lex.light_verbs
            and lw not in COORD
            and not lw.startswith(("me", "di", "ber", "ter"))
            and not self.lex.match(self.norms, m.t0 - 1)
        )

    def group_ents(self, k: int, upto: int | None = None) -> list[Entity]:
        """Entities of the coordination group of mention k (those ending by token `upto`)."""
        return [self.ms[j].ent for j in self.group_of[k] if upto is None or self.ms[j].t1 <= upto]

    def subject(self, ti: int, allow_genitive: bool = False, hops: int = 2) -> tuple[list[Entity], str]:
        """Subject of the clause of the trigger at ti: the nearest free mention to its left, else a
        pronoun's referent; up to `hops` clause boundaries back ("subj^" when one was crossed)."""
        for n, (s, e, stop) in enumerate(self.segments_left(ti)):
            cands = [k for k, m in enumerate(self.ms) if m.t0 >= s and m.t1 <= e]
            for k in reversed(cands):
                free = self._first_free(k, s, allow_genitive)
                if free is None:
                    continue
                ents = [self.ms[j].ent for j in self.group_of[k] if j >= free and self.ms[j].t1 <= ti]
                return ents, "subj" if n == 0 else "subj^"
            pron = self._pronoun_subject(s, e, stop)
            if pron is not None:
                return pron
            if n >= hops or stop not in CROSSABLE and stop not in self.lex.speech_cues and stop != ",":
                break
        return [], ""

    def _first_free(self, k: int, s: int, allow_genitive: bool) -> int | None:
        """The first member of mention k's group (up to k) that is no prepositional object, genitive or
        compound part: the group from there on is a subject ("di tangan Rusia, pasukan X")."""
        for j in [j for j in self.group_of[k] if j <= k]:
            m = self.ms[j]
            if m.compound:
                continue
            preps = PREPS - {"dengan"} if allow_genitive else PREPS
            if self.preceded_by(m, preps, reach=2 if allow_genitive else 1):
                continue
            if not allow_genitive and self.genitive(m, s if m.t0 >= s else 0):
                continue
            return j
        return None

    def _pronoun_subject(self, s: int, e: int, stop: str) -> tuple[list[Entity], str] | None:
        """A pronoun subject in the segment s..e: "kami" is the quoted speaker, a third-person pronoun
        after "bahwa" or a speech cue the matrix subject, else the topic of the previous sentences."""
        words = self.lows[s:e]
        if any(w in FIRST_PERSON for w in words):
            return [Entity("kami", "SPEAKER")], "speaker"
        third = any(w in THIRD_PERSON for w in words)
        if third and (stop == "bahwa" or stop in self.lex.speech_cues):
            # "milisi itu menyatakan bahwa mereka sudah ...": the pronoun is the speaker
            matrix, _ = self.subject(s - 1, hops=1) if s > 0 else ([], "")
            if matrix and matrix[0].label != "SPEAKER":
                return matrix, "pron=speaker"
        if third and self.topic is not None:
            return [self.topic], "pron"
        return None

    def after(
        self,
        tj: int,
        end: int,
        preps: set[str] | None,
        exclude: set[str],
        adjacent: int | None = None,
        persons: bool = False,
    ) -> list[Entity]:
        """The first mention group after tj (within end) governed by one of preps (None: any);
        entities with excluded codes are skipped, except named persons when `persons` is set."""
        for k, m in enumerate(self.ms):
            if m.t0 < tj or m.t1 > end:
                continue
            if adjacent is not None:
                if m.t0 - tj > adjacent:
                    return []
                between = range(tj, m.t0)
                if any(
                    self.lows[x] in PREPS | {"yang", "bahwa", ",", "dan"} or self.is_stop(x) for x in between
                ):
                    return []
                if any(self.lows[x] in PLACE_NOUNS for x in between):
                    return []  # "pencaplokan wilayah Ukraina": the patient, not the agent
            if preps is not None and not self.preceded_by(m, preps, reach=4):
                continue
            if preps is None and adjacent is None and self.preceded_by(m, SOURCE_PREPS, reach=3):
                continue  # "membahas ancaman dari Rusia": a source, not the addressee
            ents = [e for e in self.group_ents(k) if e.code not in exclude or (persons and e.label == "PER")]
            if ents:
                return ents
        return []

    def window_has(self, words: list[str], a: int, b: int) -> str | None:
        """The first of `words` (one or more tokens, surface or normalised) inside tokens a..b."""
        a, b = max(a, 0), min(b, len(self.toks))
        lows, norms = self.lows, self.norms
        inside = {*lows[a:b], *norms[a:b]}  # a phrase whose first word is not in the window cannot match
        for w in words:
            seq = _split(w)
            if seq and seq[0] not in inside:
                continue
            for i in range(a, b - len(seq) + 1):
                if all(lows[i + j] == seq[j] or norms[i + j] == seq[j] for j in range(len(seq))):
                    return w
        return None

    def relative_head(self, ti: int) -> list[Entity] | None:
        """In a relative clause ("iklan ... yang menentang Clinton") the subject is the noun before
        "yang": its mention group, or [] when that noun is no actor. None when ti is not in one."""
        j = ti - 1
        while j >= 0 and self.lows[j] in AUX:
            j -= 1
        if j < 1 or self.lows[j] != "yang":
            return None
        end = j
        while end > 0 and self.lows[end - 1] in {",", ")"}:
            end -= 1
        for k, m in enumerate(self.ms):
            if m.t1 == end or (m.t1 < end and self.lows[m.t1] == "(" and self.lows[end - 1] != ")"):
                return self.group_ents(k)
        return []

    def predicate_subject(self, ti: int) -> list[Entity]:
        """A mention right before a nominal/bare trigger used as predicate ("Rusia sepakat")."""
        j = ti - 1
        while j >= 0 and self.lows[j] in AUX:
            j -= 1
        for k, m in enumerate(self.ms):
            if m.t1 == j + 1 and not self.preceded_by(self.ms[self.group_of[k][0]], PREPS):
                return self.group_ents(k)
        return []

    def speaker_at(self, ti: int) -> Entity | None:
        """The resolved speaker of the (direct or indirect) quote containing token ti."""
        pos = self.toks[ti].start
        for q in self.quotes:
            if q.span.start <= pos < q.span.end and q.speaker is not None and q.speaker.code:
                return q.speaker
        return None
