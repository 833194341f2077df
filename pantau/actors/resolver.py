"""Who: resolve actor mentions in Indonesian news text to PLOVER codes and sectors.

How it works (all rules general; lexicons are in ``data/*.yaml``/``*.tsv``):

1. **Chunking.** The text is split into word tokens (``\\w+``; punctuation and hyphens separate tokens,
   so "Kim Jong-un" = "Kim Jong Un"). At each token the longest alias of the KB (states, metonyms,
   organisations, armed groups, people), of a role phrase ("Menteri Luar Negeri", "pasukan") or of a
   blocker ("Amerika Latin", "Jawa Barat") is matched through a dict keyed by lowercased token tuples
   (O(tokens x max alias length) lookups, no giant regex). Case rules: an all-capitals alias ("AS")
   must be capitals in the text, a capitalised alias must be capitalised. Unmatched capitalised words
   of >= 5 letters that are not Indonesian dictionary words are fuzzy-matched (rapidfuzz ratio or
   OSA similarity >= 85, same first letter, one unique best entry) to single-word aliases, so
   "Zelesnky" -> Zelensky and "Ukrain" -> Ukraina, but "Rubin" != "Rubio".
2. **Composition.** role [role ...] [joiner] [owner] [name] becomes one actor: "Menteri Luar Negeri
   Rusia Sergei Lavrov" -> RUS GOV "Sergei Lavrov"; "pasukan Putin" -> RUS MIL (a person owner gives
   their country); "juru bicara militer Israel" -> ISR MIL (inheriting roles take the sector of what
   they belong to). A title with an unknown name ("Menteri Luar Negeri Filipina Enrique Manalo") is
   coded from title and country and its name is not in the KB (``is_unknown``).
3. **Coreference within the article.** A title without a name ("Menlu Rusia") takes the person last
   introduced with the same title and country, else the KB holder of that office on the reference
   date. Surnames of introduced unknown people resolve to them. Pronouns (dia/ia/beliau) and "-nya" on
   role nouns ("negaranya", "militernya") use this salience rule: the nearest preceding actor in the
   same sentence that is not inside a prepositional phrase (not right after di/ke/dari/terhadap/...),
   else the subject (first such actor) of the nearest previous sentence (up to 3 back). Pronouns only
   take person antecedents.
4. **Fallback codes.** A titled person or an institutional group (police, courts, parliament) with no
   country takes the article's dominant state (>= 40 % of state mentions, >= 2 mentions), else UNK;
   civilians, rebels, opposition, media and NGOs without owner are coded UNK.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from pantau.actors.kb import KB, KBEntry, Role, clear_cache, load_kb_cached
from pantau.nlp.morph import in_dictionary, in_lexicon
from pantau.records import Article, Entity

TOKEN_RE = re.compile(r"\w+", re.UNICODE)
ALIAS_GAP_RE = re.compile(r"^[ \t\-'’.]{0,3}$")
SPACE_GAP_RE = re.compile(r"^[ \t]{1,3}$")
COMMA_GAP_RE = re.compile(r"^[ \t]*,[ \t]*$")
NAME_PARTICLES = {"abu", "bin", "binti", "abdul", "abdel", "al", "el", "van", "von", "de", "ibn"}
MIN_OSA = 78.0  # fuzzy names: at most one edit in 5-8 letters, two in 10+
# ", komandan senior " / ", duta besar ": a lower-case appositive role (a role mention) between a person
# and a state
COMMA_LEAD_RE = re.compile(r"\s*,\s*")
APPOSITIVE_RE = re.compile(r"^\s*,\s*(?:[a-z]+\s+){1,4}$")
# an owner that is several unnamed states: never the article's dominant one
PLURAL_OWNER_RE = re.compile(
    r"\b(?:negara-negara|negeri-negeri|(?:sejumlah|berbagai|banyak|beberapa) negara)\b", re.I
)
SENT_RE = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])|\n+")

PRONOUNS = {"dia", "ia", "beliau"}
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
PARTICLES = {"bin", "binti", "al", "van", "von", "de", "der", "el", "da", "le", "la", "ibn", "abu"}
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
STATE_LIKE = re.compile(r"^[A-Z]{3}$")


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


def _case_kind(tok: str) -> str:
    letters = [c for c in tok if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "exact"
    if letters and tok[0].isupper():
        return "cap"
    return "any"


def _case_ok(pattern: tuple[str, ...], words: list[str], alias_tokens: tuple[str, ...]) -> bool:
    for p, w, a in zip(pattern, words, alias_tokens, strict=True):
        if p == "exact" and w != a:
            return False
        if p == "cap" and not w[:1].isupper():
            return False
    return True


def _sentence_starts(text: str) -> list[int]:
    starts = [0]
    for m in SENT_RE.finditer(text):
        starts.append(m.end())
    return starts


class ActorResolver:
    """Resolve actor mentions; build once (``get_resolver()``), call many times."""

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
                pat = tuple("exact" if _case_kind(t) == "exact" else "any" for t in toks)
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
        self.offices = self._office_index()

    # ----------------------------------------------------------------- index
    def _add(self, toks: tuple[str, ...], prio: int, item: Any, pat: tuple[str, ...] | None = None) -> None:
        key = tuple(t.lower() for t in toks)
        pattern = pat or tuple(_case_kind(t) for t in toks)
        self.index.setdefault(key, []).append((prio, pattern, toks, item))
        self.index[key].sort(key=lambda x: x[0])
        self.maxlen = max(self.maxlen, len(key))

    def _office_index(self) -> dict[tuple[str, str], list[tuple[KBEntry, Any]]]:
        """(role id, code) -> [(person, term)] from the KB's office strings, for title-only mentions."""
        out: dict[tuple[str, str], list[tuple[KBEntry, Any]]] = {}
        for e in self.kb.entries:
            if e.kind != "person":
                continue
            for t in e.terms:
                chunks = self._chunk(self._tokens(t.office), t.office)
                role = next((c.role for c in chunks if c.kind == "role"), None)
                owner = next((c.entry for c in chunks if c.kind == "kb" and c.entry is not None), None)
                code = t.code or (owner.code if owner else None) or (role.code if role else None)
                if role and code:
                    out.setdefault((role.id, code), []).append((e, t))
        return out

    # -------------------------------------------------------------- chunking
    @staticmethod
    def _tokens(text: str) -> list[Tok]:
        return [Tok(m.start(), m.end(), m.group(), m.group().lower()) for m in TOKEN_RE.finditer(text)]

    def _fuzzy(self, word: str) -> KBEntry | None:
        return self._fuzzy_cached(word)

    @lru_cache(maxsize=20000)  # noqa: B019 - one resolver per process (get_resolver)
    def _fuzzy_cached(self, word: str) -> KBEntry | None:
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
                and (prev.lower in PLACE_GENERIC or not self._is_word(prev))
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
                and not self._is_word(nxt)
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
                    if not _case_ok(pat, words, atoks):
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

    # ----------------------------------------------------------- resolution
    def _is_word(self, tok: Tok) -> bool:
        """An ordinary Indonesian word (a dictionary root, or an affixed form of one: "Perekonomian").
        Short words count only as roots: "Hakan" is a name, not hak-an."""
        w = tok.lower
        return len(w) > 2 and (in_lexicon(w) or (len(w) >= 6 and in_dictionary(w)))

    def _unknown_name(self, toks: list[Tok], i: int, text: str, taken: set[int]) -> tuple[int, int] | None:
        """(start, end) token indices of an unknown person's name starting at or just after i, or None.

        A name is 1-5 capitalised tokens joined by single spaces or hyphens ("Lee Ho-young"), with
        particles inside (bin, al, de, van ...). Leading acronyms ("CGT Philippe Martinez") and leading
        dictionary words ("Nasional Lee Ho-young") are skipped; a run made only of dictionary words or
        running on past five tokens is a title-case headline or an organisation, not a name. (PySastrawi's
        dictionary also holds many given names, so one dictionary word does not disqualify a name.)
        """
        n = len(toks)
        while (
            i < n
            and i not in taken
            and toks[i].text.isupper()
            and 2 <= len(toks[i].text) <= 5
            and i + 1 < n
            and SPACE_GAP_RE.match(text[toks[i].end : toks[i + 1].start])
        ):
            i += 1  # an unknown organisation's acronym before the name
        j = i
        while j < n and j not in taken:
            t = toks[j]
            gap = text[toks[j - 1].end : t.start] if j > i else " "
            if j > i and gap not in {" ", "-"}:
                break
            if j > i and gap == "-" and t.text.isalnum():
                j += 1
                continue
            if t.lower in PARTICLES and j > i:
                j += 1
                continue
            if not t.text[:1].isupper() or t.lower in NAME_STOP or (t.text.isupper() and len(t.text) > 1):
                break
            j += 1
            if j - i > 5:
                return None  # a title-case headline, not a name
        while j > i and toks[j - 1].lower in PARTICLES:
            j -= 1
        if i >= j or all(self._is_word(t) for t in toks[i:j]):
            return None  # "Liga Muslim Dunia", "Dunia Berpengaruh": ordinary words, not a name
        while len(toks[i].text) >= 5 and self._is_word(toks[i]):
            i += 1  # "Nasional Lee Ho-young" -> "Lee Ho-young" (short words like "Kim" stay)
        return i, j

    def _name_like(self, span: str) -> bool:
        """Filter for statistical NER PER spans: 2-5 capitalised words joined by spaces or hyphens,
        not starting with an ordinary word ("Melansir BBC", "Kebakaran Eaton"), no acronyms, and not a
        known place ("Los Angeles", "Selat Hormuz")."""
        toks = self._tokens(span)
        if not 2 <= len(toks) <= 5 or span != span.strip():
            return False
        if any(span[a.end : b.start] not in {" ", "-"} for a, b in zip(toks, toks[1:], strict=False)):
            return False
        for k, t in enumerate(toks):
            if t.lower in NAME_STOP or (t.text.isupper() and len(t.text) > 1):
                return False
            if not t.text[:1].isupper() and not (k and t.lower in PARTICLES):
                if not (k and span[toks[k - 1].end : t.start] == "-"):
                    return False
        if self._is_word(toks[0]) and len(toks[0].text) >= 5 or all(self._is_word(t) for t in toks):
            return False
        try:
            from pantau.places import geocode
        except ImportError:  # pragma: no cover
            return True
        return geocode(span) is None

    def _between_ok(self, toks: list[Tok], a: int, b: int, text: str) -> bool:
        """Tokens a..b (exclusive) are joiners only and the gaps are plain spaces."""
        if a == b:
            return True
        if tuple(t.lower for t in toks[a:b]) not in self.joiners:
            return False
        return all(
            SPACE_GAP_RE.match(text[toks[k - 1].end : toks[k].start]) for k in range(a, b + 1) if k > 0
        )

    def _gap(self, toks: list[Tok], i: int, text: str) -> str:
        return text[toks[i - 1].end : toks[i].start] if 0 < i < len(toks) else ""

    def _analyse(
        self,
        text: str,
        ref: dt.date | None,
        context_country: str | None = None,
        ents: list[tuple] | None = None,
    ) -> list[Mention]:
        toks = self._tokens(text)
        chunks = self._chunk(toks, text)
        sents = _sentence_starts(text)

        def sent_of(pos: int) -> int:
            return bisect.bisect_right(sents, pos) - 1

        by_tok: dict[int, Chunk] = {c.i: c for c in chunks}
        taken = {k for c in chunks for k in range(c.i, c.j)}
        mentions: list[Mention] = []
        title_memory: dict[tuple[str, str | None], tuple[str | None, str | None, str]] = {}
        surname_memory: dict[str, Mention] = {}
        pending_fallback: list[Mention] = []

        def oblique(i: int) -> bool:
            return i > 0 and toks[i - 1].lower in PREPOSITIONS

        def kb_entity(c: Chunk) -> Mention:
            e = c.entry
            assert e is not None
            code, sector, _office = e.at(ref)
            ent = Entity(text[c.start : c.end], e.label, c.start, c.end, code, sector, e.name, e.wikidata)
            return Mention(ent, "kb", person=e.kind == "person", sent=sent_of(c.start), oblique=oblique(c.i))

        k = 0
        while k < len(chunks):
            c = chunks[k]
            if c.kind in {"block", "region"}:
                k += 1
                continue
            if c.kind == "kb":
                m = kb_entity(c)
                mentions.append(m)
                k += 1
                continue
            if c.kind in {"pron", "nya"}:
                ent = Entity(text[c.start : c.end], "PER" if c.kind == "pron" else "ACTOR", c.start, c.end)
                mentions.append(
                    Mention(
                        ent,
                        "pronoun" if c.kind == "pron" else "nya",
                        sent=sent_of(c.start),
                        oblique=oblique(c.i),
                        extra={"role": c.role},
                    )
                )
                k += 1
                continue
            # --- a role: compose role [role...] [owner] [posting] [name]
            chain = [c.role]
            last = c
            k2 = k + 1
            while (
                k2 < len(chunks)
                and chunks[k2].kind == "role"
                and len(chain) < 4
                and self._between_ok(toks, last.j, chunks[k2].i, text)
                and (
                    chunks[k2].i == last.j
                    and SPACE_GAP_RE.match(self._gap(toks, chunks[k2].i, text))
                    or chunks[k2].i > last.j
                )
            ):
                chain.append(chunks[k2].role)
                last = chunks[k2]
                k2 += 1
            person_role = any(r.kind == "person" for r in chain)
            # the name after "ajudan Presiden Rusia ..." is the president's, not the aide's
            n_person = sum(1 for r in chain if r.kind == "person")
            owner: KBEntry | None = None
            name_entry: KBEntry | None = None
            end_tok = last.j
            # a portfolio between title and country: "Menteri Komunikasi dan Digital RI, ..."
            p = end_tok
            while (
                p < len(toks)
                and p - end_tok < 6
                and p not in taken
                and SPACE_GAP_RE.match(self._gap(toks, p, text))
                and (
                    (toks[p].text[:1].isupper() and self._is_word(toks[p]))
                    or (toks[p].lower in {"dan", "serta"} and p > end_tok)
                )
            ):
                p += 1
            if (
                p > end_tok
                and toks[p - 1].lower not in {"dan", "serta"}
                and (
                    p in by_tok
                    and by_tok[p].kind in {"kb", "region"}
                    or (p < len(toks) and "," in self._gap(toks, p, text))
                )
            ):
                end_tok = p
                while k2 < len(chunks) and chunks[k2].i < end_tok:
                    k2 += 1
            if (
                k2 < len(chunks)
                and chunks[k2].kind in {"kb", "region"}
                and self._between_ok(toks, end_tok, chunks[k2].i, text)
                and SPACE_GAP_RE.match(self._gap(toks, chunks[k2].i, text))
            ):
                cand = chunks[k2].entry
                assert cand is not None
                if cand.kind == "person" and person_role and not (len(chain) == 1 and chain[0].inherit):
                    name_entry = cand
                else:
                    owner = cand
                end_tok = chunks[k2].j
                k2 += 1
            # "Presiden Korea Selatan (Korsel) Yoon Suk Yeol": skip the bracketed short form
            if (
                owner is not None
                and k2 < len(chunks)
                and chunks[k2].kind == "kb"
                and chunks[k2].entry is owner
                and self._gap(toks, chunks[k2].i, text).strip() == "("
                and chunks[k2].j < len(toks)
                and self._gap(toks, chunks[k2].j, text).strip() == ")"
            ):
                end_tok = chunks[k2].j
                k2 += 1
            # posting of an envoy: "Duta Besar Rusia untuk AS ..."
            if (
                owner is not None
                and k2 < len(chunks)
                and chunks[k2].kind == "kb"
                and chunks[k2].i == end_tok + 1
                and toks[end_tok].lower in {"untuk", "di"}
                and any(r.id == "dubes" for r in chain)
                and chunks[k2].entry.kind in {"country", "org"}
            ):
                end_tok = chunks[k2].j
                k2 += 1
            unknown_name: str | None = None
            if person_role and name_entry is None and end_tok < len(toks):
                gap = self._gap(toks, end_tok, text)
                if gap.strip() == ")":
                    gap = " "
                nxt = by_tok.get(end_tok)
                if (
                    nxt is not None
                    and nxt.kind == "kb"
                    and nxt.entry.kind == "person"
                    and (SPACE_GAP_RE.match(gap) or COMMA_GAP_RE.match(gap))
                ):
                    name_entry = nxt.entry
                    end_tok = nxt.j
                    k2 = chunks.index(nxt) + 1
                elif SPACE_GAP_RE.match(gap) or COMMA_GAP_RE.match(gap):
                    span = self._unknown_name(toks, end_tok, text, taken)
                    if span is not None and ents:  # an NER PER span starting there sets the extent
                        for es, ee, lab in ents:
                            if lab == "PER" and es == toks[span[0]].start:
                                jj = span[0]
                                while jj < len(toks) and toks[jj].end <= ee and jj not in taken:
                                    jj += 1
                                span = (span[0], max(jj, span[1]))  # NER may extend a name, not cut it
                    if span is not None:
                        si, sj = span
                        after = self._gap(toks, sj, text) if sj < len(toks) else ""
                        # "Wali Kota Los Angeles, Karen Bass, ..." -> place, then the name
                        if owner is None and "," in after and not COMMA_GAP_RE.match(gap):
                            span2 = self._unknown_name(toks, sj, text, taken)
                            if span2 is not None and COMMA_GAP_RE.match(after):
                                si, sj = span2
                                after = self._gap(toks, sj, text) if sj < len(toks) else ""
                        words = sj - si
                        comma_ok = SPACE_GAP_RE.match(gap) or "," in after or words >= 2
                        if comma_ok:
                            unknown_name = text[toks[si].start : toks[sj - 1].end]
                            end_tok = sj
                            while k2 < len(chunks) and chunks[k2].i < end_tok:
                                k2 += 1
            start = c.start
            end = toks[end_tok - 1].end
            former = c.i > 0 and toks[c.i - 1].lower in self.former
            head = chain[0]
            # sector: the head role's, or inherited from what it belongs to
            sector = head.sector
            if head.inherit:
                nxt_role = next((r for r in chain[1:] if not r.inherit), None)
                if nxt_role is not None:
                    sector = nxt_role.sector
                elif owner is not None and owner.kind in {"org", "group", "metonym"}:
                    sector = owner.at(ref)[1]
            if owner is not None and owner.kind == "group" and owner.at(ref)[1] in {"REB", "OPP"}:
                sector = owner.at(ref)[1]
            code = next((r.code for r in chain if r.code), None)
            if code is None and owner is not None:
                code = owner.at(ref)[0]
            name = wikidata = None
            known = True
            if n_person > 1 or (owner is not None and owner.kind == "person"):
                name_entry = None
                unknown_name = None
            if name_entry is not None:
                pcode, psector, _ = name_entry.at(ref)
                code = code or pcode
                if former:
                    sector = psector
                name, wikidata = name_entry.name, name_entry.wikidata
            elif unknown_name:
                name, known = unknown_name, unknown_name.lower() in self.known_names
            role_key = chain[-1].id if person_role else head.id
            is_person = n_person == 1 and not (owner is not None and owner.kind == "person")
            if is_person and name is None:
                # title-only: earlier person with this title (and country), else the KB office holder
                mem = title_memory.get((role_key, code)) or (
                    title_memory.get((role_key, None)) if code is None else None
                )
                if mem is not None:
                    name, wikidata, mcode = mem
                    code = code or mcode
                elif code is not None and ref is not None and not former:
                    for pe, t in self.offices.get((role_key, code), []):
                        if (t.start is None or t.start <= ref) and (t.end is None or ref < t.end):
                            name, wikidata = pe.name, pe.wikidata
                            break
            if is_person and name and code:
                title_memory[(role_key, code)] = (name, wikidata, code)
                title_memory[(role_key, None)] = (name, wikidata, code)
            label = "PER" if (name and is_person) else "ACTOR"
            emit = True
            if code is None:
                alone = next((r.alone_code for r in chain if r.alone_code), None)
                if alone:
                    code = alone
                elif person_role and (
                    unknown_name or len(chain) > 1 or head.id not in {"pejabat", "pemimpin"}
                ):
                    code = context_country
                elif head.standalone:
                    code = context_country if sector in INSTITUTIONAL and context_country else None
                else:
                    emit = person_role and unknown_name is not None
            if emit:
                ent = Entity(text[start:end], label, start, end, code, sector, name, wikidata)
                m = Mention(
                    ent,
                    "title" if person_role else "collective",
                    person=bool(is_person),
                    known=known,
                    sent=sent_of(start),
                    oblique=oblique(c.i),
                )
                if code is None:
                    pending_fallback.append(m)
                mentions.append(m)
                parts = unknown_name.split() if unknown_name else []
                if unknown_name and not known and len(parts) >= 2:
                    # the last word is the usual short form; the first one where the family name leads, as in
                    # three short syllables of Korean, Chinese or Vietnamese names ("Cho Tae Yul" ... "kata
                    # Cho"); not for longer names, whose first word is often a glued place ("Queensland ...")
                    east_asian = len(parts) == 3 and all(len(p) <= 6 for p in parts)
                    for w, first in ((parts[-1], False), (parts[0], True))[: 2 if east_asian else 1]:
                        if len(w) < 3 or in_lexicon(w.lower()) or w.lower() in NAME_PARTICLES:
                            continue
                        if first:
                            surname_memory.setdefault(w, m)
                        else:
                            surname_memory[w] = m
            k = max(k2, k + 1)

        # dominant state for fallbacks
        counts: dict[str, int] = {}
        for m in mentions:
            if (
                m.kind in {"kb", "title", "collective"}
                and m.entity.code
                and STATE_LIKE.match(m.entity.code)
                and m.entity.code not in {"UNK", "WST", "IGO", "NGO"}
            ):
                counts[m.entity.code] = counts.get(m.entity.code, 0) + 1
        dominant = None
        if counts:
            top = max(counts, key=lambda x: counts[x])
            if counts[top] >= 2 and counts[top] / sum(counts.values()) >= 0.4:
                dominant = top
        for m in pending_fallback:
            if m.entity.code is None and m.person:
                # "Jenderal Budi Santoso, komandan pasukan PBB di Lebanon": the appositive's state
                end = m.entity.end or 0
                comma = COMMA_LEAD_RE.match(text, end)
                role = comma and any(
                    x.entity.start == comma.end() and x.kind in {"title", "collective"} for x in mentions
                )
                app = role and next(
                    (
                        x
                        for x in mentions
                        if x.entity.code
                        and STATE_LIKE.match(x.entity.code)
                        and x.entity.code != "UNK"
                        and end < (x.entity.start or 0) <= end + 40
                        and APPOSITIVE_RE.match(text[end : x.entity.start])
                    ),
                    None,
                )
                if app:
                    m.entity.code = app.entity.code
            if m.entity.code is None and PLURAL_OWNER_RE.search(m.entity.text):
                m.entity.code = "UNK"  # "menteri luar negeri dari negara-negara (tersebut)": several states
                m.entity.name = None
            if m.entity.code is None:
                if m.kind == "title" or m.entity.sector in INSTITUTIONAL:
                    m.entity.code = dominant or "UNK"
                else:
                    m.entity.code = "UNK"

        # surnames of introduced unknown people, later in the text
        if surname_memory:
            covered = {k for c in chunks for k in range(c.i, c.j)}
            spans = [(m.entity.start, m.entity.end) for m in mentions]
            for idx, t in enumerate(toks):
                src = surname_memory.get(t.text)
                if src is None or idx in covered or any(s <= t.start < e for s, e in spans):
                    continue
                nxt = toks[idx + 1] if idx + 1 < len(toks) else None
                if (
                    nxt is not None
                    and nxt.text[:1].isupper()
                    and SPACE_GAP_RE.match(text[t.end : nxt.start])
                    and nxt.text != src.entity.text.split()[-1]
                ):
                    continue  # "Han Dong Hoon": the start of another full name, not "Han" (Duck Soo)
                e0 = src.entity
                ent = Entity(t.text, "PER", t.start, t.end, e0.code, e0.sector, e0.name, None)
                mentions.append(
                    Mention(
                        ent, "surname", person=True, known=False, sent=sent_of(t.start), oblique=oblique(idx)
                    )
                )
        # NER persons not otherwise covered (unknown, code UNK unless a surname above)
        if ents:
            spans = [(m.entity.start, m.entity.end) for m in mentions]
            for es, ee, lab in ents:
                if lab != "PER" or any(s < ee and es < e for s, e in spans):
                    continue
                if not self._name_like(text[es:ee]):
                    continue
                ent = Entity(text[es:ee], "PER", es, ee, "UNK", "UNK", text[es:ee], None)
                known = text[es:ee].lower() in self.known_names
                mentions.append(Mention(ent, "ner", person=True, known=known, sent=sent_of(es)))

        mentions.sort(key=lambda m: m.entity.start or 0)

        # pronouns and -nya by salience
        out: list[Mention] = []
        for m in mentions:
            if m.kind in {"pronoun", "nya"}:
                ante = self._antecedent(out, m, person_only=m.kind == "pronoun")
                if ante is None:
                    continue
                a = ante.entity
                m.entity.code, m.entity.name, m.entity.wikidata = a.code, a.name, a.wikidata
                if m.kind == "pronoun":
                    m.entity.sector = a.sector
                    m.person = True
                else:
                    role = m.extra["role"]
                    m.entity.sector = role.sector if not role.inherit else a.sector
                    if role.id in {"negara", "pemerintah"}:
                        m.entity.name = None
                        m.entity.wikidata = None
                    m.entity.label = "ACTOR"
                    m.entity.name = None  # "menterinya" is his minister, not him
                    m.entity.wikidata = None
            out.append(m)
        return out

    @staticmethod
    def _antecedent(prev: list[Mention], m: Mention, person_only: bool) -> Mention | None:
        def ok(x: Mention) -> bool:
            code = x.entity.code
            if not code or code == "UNK":
                return False
            return x.person if person_only else True

        same = [x for x in prev if x.sent == m.sent and ok(x) and not x.oblique]
        # a pronoun opening its sentence refers to the previous sentence's subject
        first_in_sentence = not any(x.sent == m.sent for x in prev)
        if same and not first_in_sentence:
            return same[-1]
        for s in range(m.sent - 1, m.sent - 4, -1):
            cands = [x for x in prev if x.sent == s and ok(x) and not x.oblique]
            if cands:
                return cands[0]
        return None

    # ----------------------------------------------------------------- API
    def mentions(
        self,
        text: str,
        ref: dt.date | None = None,
        ents: list[tuple] | None = None,
        context_country: str | None = None,
    ) -> list[Mention]:
        return self._analyse(text, ref, context_country, ents)

    def resolve_mentions(self, doc: Any, article: Article | None = None) -> list[Entity]:
        """All actor mentions of the article text (char spans into ``article.text``)."""
        text = article.text if article is not None else doc.text
        ref = None
        if article is not None:
            try:
                from pantau.dates import reference_date

                ref = reference_date(article)
            except Exception:  # dates module missing or unparsable date
                ref = None
        ents = None
        if doc is not None and getattr(doc, "text", None) == text:
            try:
                if doc.has_annotation("ENT_IOB"):
                    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            except Exception:
                ents = None
        return [m.entity for m in self._analyse(text, ref, None, ents)]

    def lookup(
        self, text: str, context_country: str | None = None, ref: dt.date | None = None
    ) -> Entity | None:
        """Resolve one short text ("Menlu Rusia", "Kremlin", "pasukan Putin") to an actor, or None."""
        ms = [m for m in self._analyse(text, ref, context_country) if m.kind not in {"pronoun", "nya"}]
        if not ms:
            return None
        best = max(ms, key=lambda m: ((m.entity.end or 0) - (m.entity.start or 0), -(m.entity.start or 0)))
        return best.entity

    def is_unknown(self, entity: Entity) -> bool:
        """A person named in the text but absent from the KB (candidate for `pantau actors add`)."""
        return bool(entity.name) and entity.wikidata is None and entity.name.lower() not in self.known_names


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


def entity_at(mentions: list[Entity], start: int, end: int) -> Entity | None:
    """The mention covering [start, end), else the one inside it with the largest overlap."""
    best: Entity | None = None
    best_key: tuple[int, int] | None = None
    for m in mentions:
        if m.start is None or m.end is None:
            continue
        ov = min(end, m.end) - max(start, m.start)
        if ov <= 0:
            continue
        covers = 1 if m.start <= start and end <= m.end else 0
        key = (covers, ov if not covers else -(m.end - m.start))
        if best_key is None or key > best_key:
            best, best_key = m, key
    return best


_RESOLVER: ActorResolver | None = None


def get_resolver() -> ActorResolver:
    """The process-wide resolver (KB loaded once)."""
    global _RESOLVER
    if _RESOLVER is None:
        _RESOLVER = ActorResolver()
    return _RESOLVER


def reset_resolver() -> None:
    """Forget the cached resolver (after `pantau actors add` wrote to the local KB)."""
    global _RESOLVER
    _RESOLVER = None
    clear_cache()
