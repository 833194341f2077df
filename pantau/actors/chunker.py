"""Matching the text to the KB: cut a text into chunks (a KB alias, a role phrase, a blocker, a pronoun,
a "-nya" role noun, a misspelt name).

At each token the longest alias of the index is matched (O(tokens x max alias length) dict lookups, no
giant regex) under the case rules of ``index.case_ok``, unless the context says the alias belongs to
something else (a capitalised word before an ``after_lower`` alias, another state after a
``yield_to_owner`` alias, a one-word person alias inside another name). Unmatched capitalised words of
>= 5 letters that are not Indonesian dictionary words are fuzzy-matched to single-word aliases.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from pantau.actors.analysis import NAME_STOP, SPACE_GAP_RE, Chunk, Tok
from pantau.actors.index import AliasIndex, case_ok
from pantau.actors.kb import KBEntry
from pantau.actors.names import is_word
from pantau.nlp.morph import in_lexicon

ALIAS_GAP_RE = re.compile(r"^[ \t\-'’.]{0,3}$")
MIN_OSA = 78.0  # fuzzy names: at most one edit in 5-8 letters, two in 10+
PRONOUNS = {"dia", "ia", "beliau"}
# generic words before a place name: "Bandar Abbas" is a city, not Mahmoud Abbas
PLACE_GENERIC = {
    "bandar",
    "kota",
    "teluk",
    "pulau",
    "jalan",
    "gunung",
    "selat",
    "universitas",
    "masjid",
    "bandara",
    "provinsi",
    "kabupaten",
    "desa",
    "kampung",
    "sungai",
    "danau",
    "pelabuhan",
}


class Chunker(AliasIndex):
    """The alias index plus the chunking of a text against it."""

    def _fuzzy(self, word: str) -> KBEntry | None:
        return self._fuzzy_cached(word)

    @lru_cache(maxsize=10_000)  # noqa: B019 - one resolver per process (get_resolver)
    def _fuzzy_cached(self, word: str) -> KBEntry | None:
        """The one KB entry whose single-word alias is within OSA/ratio >= cutoff of ``word`` (same first
        letter, a clear winner), else None: "Zelesnky" -> Zelensky, "Ukrain" -> Ukraina, "Rubin" -> None."""
        low = word.lower()
        if in_lexicon(low) or low in self._alias_lower_tokens or low in NAME_STOP:
            return None

        # native ratio prefilter (fast), then the transposition-aware OSA similarity on the few left:
        # "Zelesnky" is one transposition from "Zelensky" but only 87.5 by plain ratio
        pre = process.extract(low, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=75, limit=10)
        cands = [
            (c[0], max(c[1], OSA.normalized_similarity(low, c[0]) * 100), c[2])
            for c in pre
            if c[0][:1] == low[:1]
        ]
        # the edit-distance similarity must be high too: plain ratio lets two scattered edits through
        # ("Sednaya" ~ "Senayan" 85.7), and a misspelt name is mostly one edit away
        cands = sorted(
            (
                c
                for c in cands
                if c[1] >= self.fuzzy_cutoff and OSA.normalized_similarity(low, c[0]) * 100 >= MIN_OSA
            ),
            key=lambda c: -c[1],
        )
        if not cands:
            return None
        best = cands[0][1]
        entries = {n for c in cands if c[1] == best for n in self._fuzzy_keys[c[0]]}
        runner_up = [c for c in cands if c[1] < best and not (self._fuzzy_keys[c[0]] <= entries)]
        if len(entries) != 1 or (runner_up and best - runner_up[0][1] < 3):
            return None
        return self._entries[next(iter(entries))]

    def _foreign_owner(self, toks: list[Tok], k: int, code: str) -> bool:
        """Whether a state (or its metonym) other than ``code`` starts at token ``k``."""
        for length in self._lens_by_first.get(toks[k].lower, ()) if k < len(toks) else ():
            key = tuple(t.lower for t in toks[k : k + length])
            for prio, _pat, _atoks, item in self.index.get(key, ()):
                if prio == 1 and item.kind in {"country", "metonym"} and item.code != code:
                    return True
        return False

    def _foreign_neighbour(self, toks: list[Tok], i: int, text: str, chunks: list[Chunk]) -> bool:
        """A one-word person alias inside another capitalised name ("Bandar Abbas", "Abbas Kiarostami")."""
        if i > 0 and SPACE_GAP_RE.match(text[toks[i - 1].end : toks[i].start]):
            prev = toks[i - 1]
            in_chunk = bool(chunks) and chunks[-1].j == i
            if (
                prev.text[:1].isupper()
                and not in_chunk
                and prev.lower not in NAME_STOP
                and (prev.lower in PLACE_GENERIC or not is_word(prev))
                and prev.lower not in self.role_single
                and prev.lower not in self.former
            ):
                return True
        if i + 1 < len(toks) and SPACE_GAP_RE.match(text[toks[i].end : toks[i + 1].start]):
            nxt = toks[i + 1]
            if (
                nxt.text[:1].isupper()
                and not nxt.text.isupper()
                and nxt.lower not in NAME_STOP
                and not is_word(nxt)
                and (nxt.lower,) not in self.index
                and not any(k[0] == nxt.lower for k in self._first_tokens.get(nxt.lower, ()))
            ):
                return True
        return False

    def _chunk(self, toks: list[Tok], text: str) -> list[Chunk]:
        chunks: list[Chunk] = []
        i, n = 0, len(toks)
        while i < n:
            found: Chunk | None = None
            lens = self._lens_by_first.get(toks[i].lower, ())
            for length in lens:
                if length > n - i:
                    continue
                key = tuple(t.lower for t in toks[i : i + length])
                cands = self.index.get(key)
                if not cands:
                    continue
                if length > 1 and not all(
                    ALIAS_GAP_RE.match(text[toks[k - 1].end : toks[k].start])
                    for k in range(i + 1, i + length)
                ):
                    continue
                words = [t.text for t in toks[i : i + length]]
                for prio, pat, atoks, item in cands:
                    if not case_ok(pat, words, atoks):
                        continue
                    if (
                        prio == 1
                        and item.after_lower
                        and i > 0
                        and toks[i - 1].text[:1].isupper()
                        and (SPACE_GAP_RE.match(text[toks[i - 1].end : toks[i].start]))
                    ):
                        continue
                    if prio == 1 and item.yield_to_owner and self._foreign_owner(toks, i + length, item.code):
                        continue
                    if (
                        prio == 1
                        and item.kind == "person"
                        and length == 1
                        and self._foreign_neighbour(toks, i, text, chunks)
                    ):
                        continue
                    kind = {0: "block", 1: "kb", 2: "role"}[prio]
                    if prio == 1 and item.kind == "region":
                        kind = "region"
                    found = Chunk(kind, i, i + length, toks[i].start, toks[i + length - 1].end)
                    if prio == 1:
                        found.entry = item
                    elif prio == 2:
                        found.role = item
                    break
                if found:
                    break
            if found is None:
                t = toks[i]
                if t.lower in PRONOUNS:
                    found = Chunk("pron", i, i + 1, t.start, t.end)
                elif t.lower.endswith("nya") and t.lower[:-3] in self.role_single:
                    found = Chunk("nya", i, i + 1, t.start, t.end, role=self.role_single[t.lower[:-3]])
                elif len(t.text) >= 5 and t.text[0].isupper() and t.text.isalpha():
                    e = self._fuzzy(t.text)
                    if e is not None:
                        found = Chunk("kb", i, i + 1, t.start, t.end, entry=e)
            if found is not None:
                chunks.append(found)
                i = found.j
            else:
                i += 1
        return chunks


def fuzzy_lookup(word: str, choices: list[str], cutoff: float = 85.0, min_len: int = 4) -> str | None:
    """The single best spelling in ``choices`` for a variant or typo ("ATACM" -> "ATACMS",
    "Zelesnky" -> "Zelensky"), or None when nothing is close enough or two choices tie.

    Score = max(rapidfuzz ratio, OSA similarity) on lowercased strings (OSA counts a transposition as
    one edit); the first letter must agree. Exact (case-insensitive) matches win outright.
    """
    low = word.lower()
    if len(low) < min_len:
        return None
    lowered = {c.lower(): c for c in choices}
    if low in lowered:
        return lowered[low]
    scored = sorted(
        (
            (max(fuzz.ratio(low, k), OSA.normalized_similarity(low, k) * 100), v)
            for k, v in lowered.items()
            if k[:1] == low[:1]
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < cutoff or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]
