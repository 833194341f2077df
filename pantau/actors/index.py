"""The alias index: the knowledge base (``kb.py``) turned into the tables the chunker looks up.

Every alias of a KB entry (states, metonyms, organisations, armed groups, people), every role phrase
("Menteri Luar Negeri", "pasukan") and every blocker ("Amerika Latin", "Jawa Barat") is keyed by its
lowercased token tuple, with the case pattern the text must show (``case_kind``). Built once per
resolver; the name tables (known names, one-word aliases for fuzzy matching, single-word roles) are
built in the same pass.
"""

from __future__ import annotations

from typing import Any

from pantau.actors.analysis import TOKEN_RE
from pantau.actors.kb import KB, Role, load_kb_cached


def case_kind(tok: str) -> str:
    """How an alias word must be written in the text: "exact" (all capitals, "AS"), "cap" or "any"."""
    letters = [c for c in tok if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "exact"
    if letters and tok[0].isupper():
        return "cap"
    return "any"


def case_ok(pattern: tuple[str, ...], words: list[str], alias_tokens: tuple[str, ...]) -> bool:
    """Whether the text's words show the case pattern of the alias."""
    for p, w, a in zip(pattern, words, alias_tokens, strict=True):
        if p == "exact" and w != a:
            return False
        if p == "cap" and not w[:1].isupper():
            return False
    return True


class AliasIndex:
    """Lowercased token tuple -> [(priority, case pattern, alias tokens, item)], priority 0 blocker,
    1 KB entry, 2 role; plus the name tables built from the same KB."""

    def __init__(self, kb: KB | None = None, fuzzy_cutoff: float = 85.0) -> None:
        self.kb = kb or load_kb_cached()
        self.fuzzy_cutoff = fuzzy_cutoff
        self.index: dict[tuple[str, ...], list[tuple[int, tuple[str, ...], tuple[str, ...], Any]]] = {}
        self.maxlen = 1
        self.known_names: set[str] = set()
        self.role_single: dict[str, Role] = {}
        self.joiners = {tuple(TOKEN_RE.findall(j.lower())) for j in self.kb.joiners}
        self.former = {f.lower() for f in self.kb.former}
        fuzzy_keys: dict[str, set[int]] = {}
        self._entries = self.kb.entries
        for n, e in enumerate(self.kb.entries):
            self.known_names.add(e.name.lower())
            for a in e.aliases:
                toks = tuple(TOKEN_RE.findall(a))
                if not toks:
                    continue
                self.known_names.add(a.lower())
                self._add(toks, 1, e)
                if (
                    len(toks) == 1
                    and len(toks[0]) >= 5
                    and e.kind in {"person", "country", "metonym", "group"}
                ):
                    fuzzy_keys.setdefault(toks[0].lower(), set()).add(n)
        for r in self.kb.roles:
            for ph in r.phrases:
                toks = tuple(TOKEN_RE.findall(ph))
                # roles are case-insensitive unless written in capitals ("PM", "DPR", "AU")
                pat = tuple("exact" if case_kind(t) == "exact" else "any" for t in toks)
                self._add(toks, 2, r, pat)
                if len(toks) == 1:
                    self.role_single.setdefault(toks[0].lower(), r)
        for b in self.kb.blockers:
            toks = tuple(TOKEN_RE.findall(b))
            self._add(toks, 0, None)
        self._fuzzy_keys = fuzzy_keys
        self._fuzzy_choices = list(fuzzy_keys)
        self._alias_lower_tokens = {t for k in self.index for t in k}
        self._first_tokens: dict[str, list[tuple[str, ...]]] = {}
        for k in self.index:
            self._first_tokens.setdefault(k[0], []).append(k)
        # first token -> alias lengths, longest first (the chunker tries only these)
        self._lens_by_first: dict[str, tuple[int, ...]] = {
            t: tuple(sorted({len(k) for k in keys}, reverse=True)) for t, keys in self._first_tokens.items()
        }

    def _add(self, toks: tuple[str, ...], prio: int, item: Any, pat: tuple[str, ...] | None = None) -> None:
        key = tuple(t.lower() for t in toks)
        pattern = pat or tuple(case_kind(t) for t in toks)
        self.index.setdefault(key, []).append((prio, pattern, toks, item))
        self.index[key].sort(key=lambda x: x[0])
        self.maxlen = max(self.maxlen, len(key))
