"""Rule-based PLOVER event coder for Indonesian news.

Pipeline per sentence: lexicon triggers (lexicon.py) -> roles from the clause
(subject/object/oblique positions around the trigger, voice from the affix,
"oleh" agents, "terhadap/kepada/ke" recipients, "dengan/antara" partners,
nominal genitives, relative-clause heads, "X dan Y saling ...") -> factuality cues
(negation, condition, fear, purpose "guna/demi", generic "segala bentuk") ->
modifiers (mode/context) -> date and place of the sentence. Then mentions of the
same event are merged per article.

Roles come from positions over resolved actor mentions, with the spaCy dependency
parse (``SentenceCoder.dep_args``: nsubj, nsubj:pass, obl+oleh, obj, obl+kepada/terhadap/ke,
conj) as a second source of evidence; anaphoric noun phrases ("aliansi", "kedua negara",
"negara tersebut") become mentions of their antecedents (``_anaphors``). The trace in
``Event.pattern`` says which rule fired.

Choices measured on the dev gold (``scripts/eval_events.py``) and checked by reading what
they fire on in 150 other international corpus articles, overridable for experiments:
- ``PANTAU_DEP`` = 0 (positions only) | 1 (parse fills roles positions miss) | 2 (default: also
  prefers the parse subject over one found across a clause boundary). Dev F1 0.611 -> 0.631 with 1;
  2 equal on dev and better on the corpus sample (3 of 3 changed events right).
- ``PANTAU_ANAPHORA`` = 1 (default) | 0: anaphoric NPs as mentions (dev +2 TP, 6 of 7 corpus hits right).
- ``PANTAU_DATE_FALLBACK`` = none | paragraph | lead | published (default): an event whose clause
  names no time inherits the last date of its paragraph, else the lead's, else the publication
  date (marked in ``pattern``). Dev date accuracy: none 0.26, paragraph 0.58, lead 0.68, published 0.75.
- ``PANTAU_MERGE`` = none | place | root | root+place (default): when mentions without a shared
  explicit date are merged into one event (different sub-national place or, for material acts,
  a different predicate keeps them apart).
- ``PANTAU_INFER_RECIPIENT`` = 0 (default) | 1 | 2: guess a missing target of a speech act from the
  previous sentence: 1 only when that sentence names exactly one other party (dev +3 TP +3 FP,
  seeds +2 FP, about half right on the corpus sample), 2 the nearest other party (dev +3 TP +13 FP).
  ``PANTAU_DEBUG_ALL=1`` keeps target-less dyadic events.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from pantau.events import resources
from pantau.events.lexicon import Hit, Lexicon, load
from pantau.events.text import Tok, is_furniture, sentences, tokenize
from pantau.records import Article, Entity, Event, Quote, Span

PREPS = {
    "terhadap",
    "kepada",
    "ke",
    "di",
    "dari",
    "dengan",
    "oleh",
    "atas",
    "bagi",
    "untuk",
    "antara",
    "pada",
    "dalam",
    "melawan",
    "tentang",
    "mengenai",
    "soal",
    "bersama",
    "tanpa",
    "sejak",
    "menuju",
    "bahkan",
    "seperti",
    "termasuk",
    "sebagai",
    "menghadapi",
    "versus",
    "vs",
    "lawan",
    "daripada",
    "dibanding",
    "milik",
    "asal",
    "buatan",
    "pasokan",
    "sekutu",
    "mitra",
}
RECIP_PREPS = {"terhadap", "kepada", "ke", "atas", "melawan", "bagi", "untuk", "di"}
ADVERBS = {
    "juga",
    "kemudian",
    "lalu",
    "sebelumnya",
    "bahkan",
    "sementara",
    "kini",
    "akhirnya",
    "pun",
    "baik",
    "sedangkan",
    "namun",
    "tetapi",
    "dan",
    "pihak",
    "para",
    "kalangan",
    "yakni",
    "yaitu",
    "itu",
    "ini",
    "selain",
    "sendiri",
    "pula",
    "pemerintah",
    "negara",
    "ketika",
    "saat",
    "setelah",
    "sebelum",
    "sejumlah",
    "beberapa",
    "seluruh",
    "semua",
    "kedua",
    "ketiga",
    "telah",
    "sudah",
    "resmi",
    "hari",
    "pekan",
    "bulan",
    "tahun",
    "malam",
    "pagi",
    "siang",
    "sore",
    "sekarang",
    "kala",
    "usai",
    "sesudah",
    "selama",
    "hingga",
    "sampai",
    "kembali",
    "tersebut",
    "menyusul",
    "akibat",
    "karena",
}
COORD = {",", "dan", "serta", "maupun", "baik", "(", ")", "atau", "juga", "bersama", "sekutunya", "para"}
STRONG_STOPS = {
    ";",
    "dimana",
    "mana",
    ":",
    "“",
    "”",
    "sementara",
    "sedangkan",
    "namun",
    "tetapi",
    "tapi",
    "sehingga",
    "karena",
    "sebab",
    "padahal",
    "meski",
    "meskipun",
    "walaupun",
}
SOFT_STOPS = {
    "bahwa",
    ",",
    "setelah",
    "sebelum",
    "menyusul",
    "pasca",
    "ketika",
    "saat",
    "agar",
    "supaya",
    "jika",
    "apabila",
    "kalau",
    "seandainya",
    "usai",
    "sejak",
    "hingga",
    "sampai",
    "dan",
}
CROSSABLE = {"bahwa", ",", "dan", "untuk", "agar", "supaya"}
PRONOUNS = {"dia", "ia", "mereka", "pihaknya", "beliau", "kami", "kita", "saya", "aku", "negaranya"}
MIL_TYPES = {"ASSAULT", "MOBILIZE"}
DOMESTIC_TYPES = {"ASSAULT", "COERCE", "REJECT", "ACCUSE", "REQUEST", "PROTEST", "SANCTION"}
DOMESTIC_PASSIVE = {"COERCE", "SANCTION", "ACCUSE"}
NONSTATE = {"REB", "OPP", "CVL", "PTY", "JUD", "LEG", "COP", "NGO"}
MATERIAL_CONFLICT = {"ASSAULT", "COERCE"}


@dataclass
class Mention:
    ent: Entity
    t0: int  # first token index (sentence-local)
    t1: int  # one past the last token
    compound: bool = False  # one side of a hyphen compound ("aliansi Korsel-AS"): a modifier, never a subject


@dataclass
class Candidate:
    hit: Hit
    ti: int
    sent: tuple[int, int]
    actor: list[Entity]
    recipient: list[Entity]
    factuality: str
    mode: str | None
    ctx: list[str]
    rule: str
    confidence: float
    date: tuple[str, str] | None = None
    quote: bool = False
    mods: list[str] = field(default_factory=list)
    type: str = ""


def _dedup(ents: list[Entity]) -> list[Entity]:
    seen, out = set(), []
    for e in ents:
        if e.code and e.code not in seen:
            seen.add(e.code)
            out.append(e)
    return out


PLACE_NOUNS = {
    "wilayah",
    "kota",
    "daerah",
    "provinsi",
    "desa",
    "kawasan",
    "perbatasan",
    "ibu",
    "pelabuhan",
    "pangkalan",
    "fasilitas",
    "target",
    "sasaran",
    "depot",
    "infrastruktur",
    "jaringan",
    "warga",
    "rakyat",
    "penduduk",
    "kedaulatan",
}
AUX = {
    "juga",
    "telah",
    "sudah",
    "akan",
    "pun",
    "kembali",
    "sedang",
    "tengah",
    "masih",
    "baru",
    "segera",
    "bakal",
    "secara",
    "resmi",
    "langsung",
    "lalu",
    "kemudian",
    "pada",
    "hari",
    "itu",
    "ini",
    "disebut",
    "dikabarkan",
    "dilaporkan",
    "sempat",
    "terus",
    "tidak",
    "tak",
    "belum",
    "sendiri",
    "pula",
    "mulai",
}
# nouns whose following state/organisation names the actor itself ("publik Korsel", "militer Israel")
HEAD_NOUNS = {
    "publik",
    "rakyat",
    "warga",
    "pemerintah",
    "pemerintahan",
    "militer",
    "tentara",
    "pasukan",
    "pihak",
    "otoritas",
    "parlemen",
    "presiden",
    "menteri",
    "kepala",
    "pejabat",
    "kementerian",
    "kedutaan",
    "angkatan",
    "badan",
    "dinas",
    "kelompok",
    "milisi",
    "delegasi",
    "diplomat",
    "intelijen",
    "polisi",
    "rezim",
    "negara",
    "bangsa",
    "armada",
    "jet",
    "kapal",
    "drone",
    "pesawat",
    "sekutu",
    "penguasa",
}
# verbs about someone else's act: their object is not the subject's own act
ATTITUDE = {
    "mengecam",
    "mengutuk",
    "mengkritik",
    "menolak",
    "mengkhawatirkan",
    "mencegah",
    "menghadapi",
    "mengantisipasi",
    "menyelidiki",
    "membahas",
    "mendiskusikan",
    "melaporkan",
    "menyebut",
    "mengklaim",
    "membantah",
    "menyangkal",
    "menanggapi",
    "merespons",
    "mewaspadai",
    "memperingatkan",
    "menuduh",
    "menyesalkan",
    "memicu",
    "menyusul",
    "mengakhiri",
    "menghentikan",
    "menunda",
    "membatalkan",
    "memfasilitasi",
    "mendukung",
    "menyambut",
    "menilai",
    "memantau",
    "mengalami",
    "menderita",
    "menjadi",
    "merupakan",
    "menganggap",
    "menyaksikan",
    "melihat",
    "memperingati",
    "mengenang",
}
NEG_BARRIER = {"dan", ",", "serta", "lalu", "kemudian"}
PROMISED = {"AID", "COOPERATE"}
NAME_DEPS = {"flat", "flat:name", "compound", "appos", "nmod"}
DEP_RECIP_CASES = {"terhadap", "kepada", "ke", "atas", "melawan"}
# "dari/oleh" name a source; "buatan/asal/produksi/pasokan/kiriman" the origin of a weapon, never its target
SOURCE_PREPS = {
    "dari",
    "oleh",
    "bersama",
    "tentang",
    "mengenai",
    "soal",
    "buatan",
    "asal",
    "produksi",
    "pasokan",
    "kiriman",
}
SELF_NOT_TARGET = {"AID", "SUPPORT", "AGREE", "CONSULT", "COOPERATE", "MOBILIZE", "THREATEN", "RETREAT"}
BACKGROUND = {"sejak", "menghadapi", "selama", "pasca", "sepanjang"}
# a nominal act that is the subject of a modal/future predicate is discussed, not reported
NOMINAL_MODAL = {"akan", "dapat", "bisa", "harus", "dianggap", "mungkin", "berpotensi", "bakal"}
FIRST_PERSON = {"kami", "kita", "saya", "aku"}
THIRD_PERSON = {"dia", "ia", "mereka", "beliau", "pihaknya"}
DATE_STOPS = {
    ";",
    ":",
    "setelah",
    "sebelum",
    "menyusul",
    "pasca",
    "karena",
    "sementara",
    "sedangkan",
    "namun",
    "tetapi",
    "sehingga",
    "sejak",
    "usai",
    "ketika",
    "saat",
}


class SentenceCoder:
    """Codes the triggers of one sentence."""

    def __init__(
        self,
        lex: Lexicon,
        toks: list[Tok],
        ms: list[Mention],
        topic: Entity | None,
        quotes: list[Quote] | None = None,
        spacy_at: dict | None = None,
    ):
        self.lex, self.toks, self.ms, self.topic = lex, toks, ms, topic
        self.spacy_at = spacy_at or {}  # char offset -> spaCy token of the dependency parse
        self.quotes = quotes or []
        self.opponent = None  # callable(codes) -> the article's main other party, set by code_article
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

    # -------------------------------------------------------------- helpers
    def _is_stop(self, i: int) -> bool:
        w = self.lows[i]
        return w in STRONG_STOPS or w in self.lex.speech_cues or w in SOFT_STOPS

    def _segments_left(self, ti: int) -> list[tuple[int, int, str]]:
        """Clause segments left of the trigger, nearest first: (start, end, stop-word before)."""
        segs = []
        end = ti
        for i in range(ti - 1, -1, -1):
            if self._is_stop(i):
                segs.append((i + 1, end, self.lows[i]))
                end = i
        segs.append((0, end, ""))
        return segs

    def _right_end(self, tj: int, cross_bahwa: bool, cross_yang: bool = False) -> int:
        i = tj
        while i < len(self.toks):
            w = self.lows[i]
            if w in STRONG_STOPS or w in {
                "setelah",
                "sebelum",
                "menyusul",
                "ketika",
                "karena",
                "jika",
                "pasca",
                "apabila",
                "kalau",
                "sementara",
                "sehingga",
                "sedangkan",
            }:
                break
            if w == "yang" and not cross_yang:
                break
            if w == "bahwa" and not cross_bahwa:
                break
            if w in self.lex.speech_cues and i > tj:
                break
            i += 1
        return i

    def _preceded_by(self, m: Mention, words: set[str], reach: int = 1) -> str | None:
        """The preposition governing mention m, looking back over up to `reach` words."""
        for k in range(1, reach + 1):
            j = m.t0 - k
            if j < 0:
                return None
            w = self.lows[j]
            if w in words:
                return w
            if w in PREPS or self._is_stop(j) or w in {"yang", "bahwa"} or self.lex.match(self.norms, j):
                return None
        return None

    def _genitive(self, m: Mention, seg_start: int) -> bool:
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

    def _group_ents(self, k: int, upto: int | None = None) -> list[Entity]:
        return [self.ms[j].ent for j in self.group_of[k] if upto is None or self.ms[j].t1 <= upto]

    def _subject(self, ti: int, allow_genitive: bool = False, hops: int = 2) -> tuple[list[Entity], str]:
        """Subject of the clause of the trigger at ti: the nearest free mention to its left."""
        segs = self._segments_left(ti)
        for n, (s, e, stop) in enumerate(segs):
            cands = [k for k, m in enumerate(self.ms) if m.t0 >= s and m.t1 <= e]
            for k in reversed(cands):
                members = [j for j in self.group_of[k] if j <= k]
                free = None
                for j in members:  # the group from its first free member on ("di tangan Rusia, pasukan X")
                    m = self.ms[j]
                    if m.compound:
                        continue
                    preps = PREPS - {"dengan"} if allow_genitive else PREPS
                    if self._preceded_by(m, preps, reach=2 if allow_genitive else 1):
                        continue
                    if not allow_genitive and self._genitive(m, s if m.t0 >= s else 0):
                        continue
                    free = j
                    break
                if free is None:
                    continue
                ents = [self.ms[j].ent for j in self.group_of[k] if j >= free and self.ms[j].t1 <= ti]
                return ents, "subj" if n == 0 else "subj^"
            words = self.lows[s:e]
            if any(w in FIRST_PERSON for w in words):
                return [Entity("kami", "SPEAKER")], "speaker"
            if any(w in THIRD_PERSON for w in words) and (stop == "bahwa" or stop in self.lex.speech_cues):
                # "pemberontak mengumumkan bahwa mereka telah ...": the pronoun is the speaker
                matrix, _ = self._subject(s - 1, hops=1) if s > 0 else ([], "")
                if matrix and matrix[0].label != "SPEAKER":
                    return matrix, "pron=speaker"
            if any(w in THIRD_PERSON for w in words) and self.topic is not None:
                return [self.topic], "pron"
            if n >= hops or stop not in CROSSABLE and stop not in self.lex.speech_cues and stop != ",":
                break
        return [], ""

    def _after(
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
                    self.lows[x] in PREPS | {"yang", "bahwa", ",", "dan"} or self._is_stop(x) for x in between
                ):
                    return []
                if any(self.lows[x] in PLACE_NOUNS for x in between):
                    return []  # "pencaplokan wilayah Ukraina": the patient, not the agent
            if preps is not None and not self._preceded_by(m, preps, reach=4):
                continue
            if preps is None and adjacent is None and self._preceded_by(m, SOURCE_PREPS, reach=3):
                continue  # "membahas ancaman dari Rusia": a source, not the addressee
            ents = [e for e in self._group_ents(k) if e.code not in exclude or (persons and e.label == "PER")]
            if ents:
                return ents
        return []

    def _window_has(self, words: list[str], a: int, b: int) -> str | None:
        a, b = max(a, 0), min(b, len(self.toks))
        for w in words:
            seq = w.split()
            for i in range(a, b - len(seq) + 1):
                if all(self.lows[i + j] == seq[j] or self.norms[i + j] == seq[j] for j in range(len(seq))):
                    return w
        return None

    # -------------------------------------------------------------- dependency evidence
    def _sp(self, ti: int):
        """The spaCy token at our token ti (None without a parse or on a tokenisation mismatch)."""
        return self.spacy_at.get(self.toks[ti].start)

    def _mention_of(self, tok) -> int | None:
        """The actor mention whose span holds the dependency argument `tok` (or its name parts)."""
        parts = [tok] + [
            c for c in tok.children if c.dep_ in NAME_DEPS and not any(x.dep_ == "case" for x in c.children)
        ]
        for t in parts:
            for k, m in enumerate(self.ms):
                if m.ent.start <= t.idx < m.ent.end:
                    return k
        return None

    def _dep_ents(self, tok) -> list[Entity]:
        """Entities of an argument and of its conjuncts ("AS dan Inggris" -> both)."""
        out = []
        for t in [tok] + [c for c in tok.children if c.dep_ == "conj"]:
            k = self._mention_of(t)
            if k is not None:
                out.append(self.ms[k].ent)
        return out

    def dep_args(self, ti: int) -> dict[str, list[Entity]]:
        """Roles from the dependency parse around the trigger token.

        subj: nsubj (active) of the trigger, or of its governor when the trigger is an xcomp/conj
        sharing it ("Polandia resmi meminta ..."); pass: nsubj:pass; agent: obl with "oleh";
        obj: obj; to: obl/nmod with terhadap/kepada/ke/atas; with: obl with dengan/bersama.
        The parse (LAS ~0.75) is evidence next to the positional rules, used where they find nothing.
        """
        tok = self._sp(ti)
        out: dict[str, list[Entity]] = {}
        if tok is None:
            return out
        heads = [tok]
        own_subj = any(c.dep_.startswith(("nsubj", "csubj")) for c in tok.children)
        if tok.dep_ in ("xcomp", "conj") and tok.head is not tok and not own_subj:
            heads.append(tok.head)
        for h in heads:
            for c in h.children:
                dep = c.dep_
                case = next((x.lower_ for x in c.children if x.dep_ == "case"), "")
                role = None
                if dep in ("nsubj", "csubj"):
                    role = "subj"
                elif dep == "nsubj:pass":
                    role = "pass"
                elif h is tok and dep == "obj":
                    role = "obj"
                elif h is tok and dep in ("obl", "obl:agent", "nmod") and case == "oleh":
                    role = "agent"
                elif h is tok and dep in ("obl", "nmod") and case in DEP_RECIP_CASES:
                    role = "to"
                elif h is tok and dep in ("obl", "nmod") and case in ("dengan", "bersama"):
                    role = "with"
                if role and role not in out:
                    ents = self._dep_ents(c)
                    if ents:
                        out[role] = ents
            if "subj" in out or "pass" in out:
                break
        return out

    # -------------------------------------------------------------- factuality
    def _factuality(self, ti: int, tn: int, typ: str) -> tuple[str, str]:
        f = self.lex.factuality
        s = self._segments_left(ti)[0][0]
        clause = self.lows[s:ti]
        near = self.lows[max(0, ti - 3) : ti]
        # a negation before a coordinator negates the first conjunct ("tak sirna dan meminta ...")
        neg_near = near[max((k + 1 for k, w in enumerate(near) if w in NEG_BARRIER), default=0) :]
        if any(w in f["negation"] for w in neg_near) or any(
            w in f.get("denial", ()) for w in self.lows[max(0, ti - 5) : ti]
        ):
            return "negated", "negation"
        if typ == "THREATEN":
            return "asserted", ""
        if any(w in f["fear"] for w in self.lows[max(0, ti - 12) : ti]):
            return "hypothetical", "fear"
        prevent = f.get("prevent", set())
        if any(w in prevent for w in self.lows[max(0, ti - 5) : ti] + self.lows[tn : tn + 6]):
            return "hypothetical", "prevented"
        if any(w in f["conditional"] for w in self.lows[max(0, ti - 10) : ti]):
            cond_i = max(i for i in range(max(0, ti - 10), ti) if self.lows[i] in f["conditional"])
            if not any(self.lows[x] in {",", "maka"} for x in range(cond_i, ti)) or ti - cond_i < 4:
                return "hypothetical", "conditional"
        for j in range(ti - 1, max(-1, ti - 8), -1):  # "guna mempererat hubungan dan kerja sama"
            if self.lows[j] in STRONG_STOPS or self.lows[j] in self.lex.speech_cues or self.lows[j] == ",":
                break
            if self.lows[j] in f.get("purpose", ()):
                return "hypothetical", "purpose"
        if any(w in f["modal"] for w in near):
            return "hypothetical", "modal"
        if self.toks and self.toks[-1].text == "?":
            return "hypothetical", "question"
        if any(w in f["future"] for w in clause) or any(w in f["future"] for w in near):
            return "future", "future"
        return "asserted", ""

    def _relative_head(self, ti: int) -> list[Entity] | None:
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
                return self._group_ents(k)
        return []

    def _generic(self, ti: int) -> bool:
        """A nominal act under a generic quantifier ("mengecam segala bentuk serangan, termasuk ...")
        names a kind of act, not a reported one."""
        for j in range(ti - 1, max(-1, ti - 9), -1):
            if self.lows[j] in STRONG_STOPS or self.lows[j] in self.lex.speech_cues:
                return False
            if self.lows[j] in self.lex.factuality.get("generic", ()):
                return True
        return False

    def _predicate_subject(self, ti: int) -> list[Entity]:
        """A mention right before a nominal/bare trigger used as predicate ("Rusia sepakat")."""
        j = ti - 1
        while j >= 0 and self.lows[j] in AUX:
            j -= 1
        for k, m in enumerate(self.ms):
            if m.t1 == j + 1 and not self._preceded_by(self.ms[self.group_of[k][0]], PREPS):
                return self._group_ents(k)
        return []

    def speaker_at(self, ti: int) -> Entity | None:
        """The resolved speaker of the (direct or indirect) quote containing token ti."""
        pos = self.toks[ti].start
        for q in self.quotes:
            if q.span.start <= pos < q.span.end and q.speaker is not None and q.speaker.code:
                return q.speaker
        return None

    def _alleged(self, ti: int, hit: Hit) -> Candidate | None:
        """ "X melanggar ..." inside a statement: the speaker accuses X."""
        speaker = self.speaker_at(ti)
        if speaker is None:
            return None
        target, how = self._subject(ti, allow_genitive=True, hops=0)
        target = [t for t in target if t.code != speaker.code and t.label != "SPEAKER"]
        fact, why = self._factuality(ti, ti + hit.n, hit.entry.type)
        if fact != "asserted":
            return None
        trace = (
            f"lexicon:{hit.entry.key}/{hit.entry.type}(allege) via statement: speaker->actor, "
            f"{how or 'none'}->recipient"
        )
        c = Candidate(
            hit,
            ti,
            (0, 0),
            [speaker],
            _dedup(target),
            "asserted",
            hit.entry.mode,
            list(hit.entry.ctx),
            trace,
            hit.entry.conf,
            quote=True,
        )
        c.type = hit.entry.type
        return c

    # -------------------------------------------------------------- one trigger
    def code(self, ti: int, hit: Hit) -> Candidate | None:
        e = hit.entry
        tn = ti + hit.n
        if e.alleged:
            return self._alleged(ti, hit)
        nxt = " ".join(self.lows[tn : tn + 2])
        if e.block and any(
            nxt == b or nxt.startswith(b + " ") or self.lows[tn : tn + 1] == [b] for b in e.block
        ):
            return None
        if (
            e.need
            and not self._window_has(e.need, tn, tn + e.window)
            and not (hit.voice in ("passive", "nominal") and self._window_has(e.need, ti - e.window, ti))
        ):
            return None  # the object ("pasukan") precedes a passive or nominal trigger
        voice = hit.voice
        rule = []
        rend = self._right_end(tn, cross_bahwa=e.speech)
        rend_far = self._right_end(tn, cross_bahwa=e.speech, cross_yang=True)
        actor: list[Entity] = []
        recip: list[Entity] = []
        how = ""
        if voice == "nominal" and (
            any(
                self.lows[j] in BACKGROUND or self.lows[j].startswith("ke-")
                for j in range(max(0, ti - 2), ti)
            )
        ):
            return None  # "sejak invasi Rusia", "hari ke-1.000 invasi": a background reference, not a report
        if voice == "nominal":
            actor = self._after(tn, rend, None, set(), adjacent=4)
            # "pembebasan para tahanan": civilians are the patient of a material act (but the agent of
            # a strike or a demand: "mogok makan tahanan", "tuntutan warga")
            if e.type != "PROTEST" and not e.speech and any(a.sector == "CVL" for a in actor):
                actor = []
            if actor:
                how = "genitive"
            else:
                actor = self._after(tn, rend_far, {"dari", "oleh"}, set())
                how = "dari/oleh" if actor else ""
            if not actor:
                light = next(
                    (self.lows[j] for j in range(max(0, ti - 4), ti) if self.lows[j] in self.lex.light_verbs),
                    None,
                )
                pred = self._predicate_subject(ti)
                if light:
                    voice = "active"
                    rule.append(f"light-verb {light}")
                elif pred:
                    actor, how = pred, "predicate"
            if voice == "nominal":
                if not actor:
                    return None
                rule.append(f"nominal {how}->actor")
                excl = {a.code for a in actor}
                recip = self._after(tn, rend_far, RECIP_PREPS | ({"dengan"} if e.sym else set()), excl)
        if voice == "bare":
            voice = "active"
        dep = self.dep_args(ti) if DEP_MODE else {}
        if voice == "passive":
            recip, how = self._subject(ti, allow_genitive=True, hops=0)
            if not recip and dep.get("pass"):
                recip, how = dep["pass"], "dep"
                rule.append("dep nsubj:pass->recipient")
            agent = self._after(tn, rend_far, {"oleh"}, set())
            if not agent and dep.get("agent"):
                agent = dep["agent"]
                rule.append("dep obl:oleh->actor")
            if not agent:  # "diserang sekelompok biksu", "dimakzulkan parlemen": agent right after the verb
                agent = self._after(
                    tn, rend, None, {r.code for r in recip if r.sector in (None, "GOV")}, adjacent=1
                )
                if agent:
                    rule.append("passive adjacent agent->actor")
            if (
                not agent
                and e.type == "ASSAULT"
                and recip
                and self.opponent
                and any(r.code != "UNK" for r in recip)
            ):
                opp = self.opponent({r.code for r in recip}, memory_only=True)
                if opp is not None:
                    agent = [opp]
                    rule.append("agentless passive -> actor from article context")
            if not agent and e.type in DOMESTIC_PASSIVE and recip and recip[0].label == "PER":
                sector = {"arrest": "COP", "convict": "JUD", "investigate": "JUD", "allege": "JUD"}.get(
                    e.mode or "", "GOV"
                )
                agent = [Entity(recip[0].code or "UNK", "ACTOR", code=recip[0].code, sector=sector)]
                rule.append("agentless passive on a person -> own state")
            actor = agent
            rule.append("passive subj->recipient" + (", oleh->actor" if agent else ""))
            if e.type == "MOBILIZE" or e.recipient_is_actor:
                actor, recip = (recip, actor) if not agent else (agent, recip)
        elif voice in ("active", "stative"):
            rel = self._relative_head(ti)
            actor, how = (rel, "rel-head") if rel is not None else self._subject(ti)
            if rel is None and dep.get("subj") and (not actor or (DEP_MODE > 1 and how == "subj^")):
                actor, how = dep["subj"], "dep"
                rule.append("dep nsubj")
            if e.speech and actor and how == "subj":
                cue = next(
                    (
                        j
                        for j in range(ti - 1, -1, -1)
                        if self.lows[j] in self.lex.speech_cues or self.lows[j] == "bahwa"
                    ),
                    None,
                )
                if cue is not None and cue < min(m.t0 for m in self.ms if m.ent in actor):
                    matrix, _ = self._subject(cue, hops=1)
                    if matrix and matrix[0].code == actor[0].code and matrix[0].label == "PER":
                        actor = matrix  # "Naryshkin mengatakan ... Moskow akan membalas": the speaker acts
                        rule.append("reported speech -> speaker")
            if actor:
                rule.append(f"active {how}->actor")
            excl = {a.code for a in actor}
            if e.sym:
                recip = self._after(tn, rend_far, {"dengan", "bersama", "antara"}, excl) or self._after(
                    tn, rend_far, {"ke", "di"} if e.mode == "visit" else {"kepada"}, excl
                )
            elif e.recipient_is_actor:  # "Taiwan menerima 38 unit tank dari AS": the giver is after "dari"
                recip = self._after(tn, rend_far, {"dari", "oleh"}, excl)
            else:
                dom = e.type in DOMESTIC_TYPES  # "publik Korsel meminta Yoon mundur": a compatriot target
                recip = self._after(tn, rend, None, excl, persons=dom) or self._after(
                    tn, rend_far, RECIP_PREPS, excl, persons=dom
                )
            if not recip and actor and not e.recipient_is_actor:  # "X telah menjelaskan kepada Moskow ..."
                start = max((m.t1 for m in self.ms if m.ent in actor), default=0)
                recip = self._after(start, ti, {"kepada", "terhadap"}, excl)
            if not recip and not e.sym and not e.recipient_is_actor:
                recip = [x for x in dep.get("to") or dep.get("obj") or [] if x.code not in excl]
                if recip:
                    rule.append("dep obj/obl->recipient")
            if e.recipient_is_actor:
                actor, recip = recip, actor
        if e.sym and not actor:
            between = self._after(tn, rend, {"antara"}, set())
            if len({a.code for a in between}) >= 2:
                actor = between
                rule.append("antara X dan Y->actors")
        if not actor:
            return None
        speaker = actor[0].label == "SPEAKER"
        actor = actor if speaker else _dedup(actor)
        asec = {(a.code, a.sector) for a in actor}
        recip = [
            r
            for r in _dedup(recip)
            if r.code not in {a.code for a in actor}
            or (r.code != "UNK" and (r.code, r.sector) not in asec and {a.sector for a in actor} & NONSTATE)
            or _person_target(r, actor, e.type)
            # a state's forces attacking or detaining its own civilians ("pengungsi Rohingya diserang oleh
            # pasukan Myanmar"): the civilians are the target
            or (
                r.sector == "CVL"
                and e.type in ("ASSAULT", "COERCE")
                and not {a.sector for a in actor} & NONSTATE
            )
        ]
        fact, why = self._factuality(ti, tn, e.type)
        if (
            hit.voice == "nominal"
            and fact == "asserted"
            and e.type != "THREATEN"
            and any(self.lows[j] in NOMINAL_MODAL for j in range(tn, min(rend_far, tn + 8)))
        ):
            fact, why = "hypothetical", "nominal under modal predicate"
        if hit.voice == "nominal" and fact == "asserted" and self._generic(ti):
            fact, why = "hypothetical", "generic (segala bentuk ...)"
        if e.fact and fact == "asserted" and e.type != "THREATEN":
            fact = e.fact
        typ, mode, ctx, mods = e.type, e.mode, list(e.ctx), []
        for mod in self.lex.modifiers.get(e.type, []):
            w = self._window_has(mod["words"], ti - 3, ti if mod.get("before_only") else tn + 6)
            if not w:
                continue
            if mod.get("only_if_used") and (
                fact != "asserted" or not self._window_has(mod["words"], tn, tn + 2)
            ):
                continue
            mods.append(w)
            ctx += [c for c in mod.get("ctx", []) if c not in ctx]
            if mod.get("retype"):
                typ, mode = mod["retype"], mod.get("mode")
                rule.append(f"retyped {e.type}->{typ} by {w}")
                break
            if mode is None and mod.get("mode"):
                mode = mod["mode"]
        if typ in PROMISED and fact == "future":  # PLOVER: announced future aid or investment is AGREE
            rule.append(f"future {typ}->AGREE")
            typ, mode = "AGREE", None
        if self._window_has(["nuklir", "kimia", "biologi"], 0, len(self.toks)) and "cbrn" not in ctx:
            ctx.append("cbrn")
        conf = e.conf + (0.1 if recip else 0) + (0.05 if how in ("subj", "genitive") else -0.1)
        trace = f"lexicon:{e.key}/{typ}" + (f"({mode})" if mode else "") + f" via {voice}"
        if rule:
            trace += " " + "; ".join(rule)
        if mods:
            trace += "; modifier " + ",".join(mods)
        if why:
            trace += f"; factuality {why}"
        c = Candidate(
            hit, ti, (0, 0), actor, recip, fact, mode, ctx, trace, round(min(conf, 0.95), 2), mods=mods
        )
        c.type = typ
        return c


def _reciprocal(c: Candidate, sc: SentenceCoder) -> list[Candidate]:
    """ "X dan Y saling menuduh": one directed event per side, each with the other as recipient."""
    if c.ti == 0 or sc.lows[c.ti - 1] != "saling" or c.hit.entry.sym or c.recipient:
        return [c]
    k = next((k for k, m in enumerate(sc.ms) if m.ent in c.actor), None)
    # the whole coordination, also where a preposition hides its first member ("dengan X dan Y saling")
    parties = _dedup([sc.ms[j].ent for j in sc.group_of[k]]) if k is not None else []
    if len(parties) != 2:
        return [c]
    out = []
    for a, b in (parties, parties[::-1]):
        out.append(replace(c, actor=[a], recipient=[b], rule=c.rule + "; saling -> both directions"))
    return out


def _person_target(r: Entity, actor: list[Entity], typ: str) -> bool:
    """A named person targeted by their own state or compatriots ("Yoon dilarang bepergian",
    "publik Korsel meminta Yoon mundur") is a real recipient although the codes agree."""
    return (
        r.label == "PER"
        and typ in DOMESTIC_TYPES
        and r.code not in (None, "UNK")
        and all(a.label != "PER" or a.start != r.start for a in actor)
    )


def _mentions_in(ents: list[Entity], toks: list[Tok]) -> list[Mention]:
    out = []
    for e in ents:
        # a part of a hyphen compound ("aliansi Korsel-AS") lies inside one token: that token
        inner = next((t.i for t in toks if t.start <= e.start and e.end <= t.end and "-" in t.text), None)
        if inner is not None:
            out.append(Mention(e, inner, inner + 1, compound=True))
            continue
        t0 = next((t.i for t in toks if t.start >= e.start), None)
        if t0 is None:
            continue
        t1 = t0
        while t1 < len(toks) and toks[t1].end <= e.end:
            t1 += 1
        if t1 > t0:
            out.append(Mention(e, t0, t1))
    return out


def _localise(e: Entity, country: str) -> Entity:
    """An unnamed group ("para pemberontak", "sekelompok biksu") acts for the article's main country."""
    if e.code == "UNK" and e.sector and e.label != "SPEAKER":
        return replace(e, code=country)
    return e


def _with_sector(e: Entity, typ: str) -> Entity:
    """Fill the sector: armed acts by a state or its leader are the military's (PLOVER practice)."""
    if typ == "ASSAULT" and e.sector in (None, "GOV"):
        return replace(e, sector="MIL")
    if typ in MIL_TYPES and e.sector in (None, "GOV") and e.label in ("LOC", "ACTOR") and not e.name:
        return replace(e, sector="MIL")
    if typ in MIL_TYPES and e.sector is None:
        return replace(e, sector="MIL")
    return e if e.sector else replace(e, sector="GOV")


def _date_compatible(a: str | None, b: str | None) -> bool:
    return not a or not b or a.startswith(b) or b.startswith(a)


COMPLEMENT = {"untuk", "agar", "supaya", "bahwa"}
DATELINE = re.compile(
    r"^[A-Z][^\n]{0,50}?(?:,|\(|\.com|\.co\.id|\bCNN\b)[^\n]{0,30}?\s?(?:--|–|—|-)\s+"
    r"(?:[A-Z]{3,}[A-Z .]*\.\s+)?",
    re.IGNORECASE,
)
IGO_CODES = {"UNK", "NATO", "UN", "EU", "WST", "ASEAN", "AU", "IAEA", "G7", "G20", "IGO", "NGO"}
GOVERNING = {"REQUEST", "THREATEN", "REJECT", "SUPPORT", "ACCUSE"}


NOT_PARTY = {"UNK", "WST", "NGO"}


def _anaphors(text: str, sents: list[tuple[int, int]], ents: list[Entity], lex: Lexicon) -> list[Entity]:
    """Actor mentions for anaphoric noun phrases ("aliansi", "kedua negara", "negara tersebut").

    Why: news names the parties once and then refers back ("Polandia meminta aliansi ...",
    "kedua negara sepakat ..."); without these the clause has no actor or target. Each phrase is
    resolved to the salient actor(s) of the preceding text (rules in lexicon.yaml ``anaphora``);
    an ambiguous antecedent (three states where "kedua negara" needs two) resolves to nothing.
    """
    if not lex.anaphora or not ANAPHORA:
        return []
    out: list[Entity] = []
    by_first: dict[str, list[dict]] = {}
    for d in lex.anaphora:
        by_first.setdefault(d["seq"][0], []).append(d)
    low = text.lower()
    for si, (s, e) in enumerate(sents):
        if not any(w in low[s:e] for w in by_first):  # cheap pre-check before tokenising
            continue
        toks = tokenize(text[s:e], s)
        lows = [t.text.lower() for t in toks]
        i = 0
        while i < len(toks):
            rule = next(
                (
                    d
                    for d in by_first.get(lows[i], ())
                    if tuple(lows[i : i + len(d["seq"])]) == d["seq"]
                    and (i + len(d["seq"]) >= len(toks) or lows[i + len(d["seq"])] not in d["block"])
                ),
                None,
            )
            if rule is None:
                i += 1
                continue
            a, b = toks[i].start, toks[i + len(rule["seq"]) - 1].end
            i += len(rule["seq"])
            if any(x.start < b and a < x.end and x.code != "UNK" for x in ents):
                # the resolver already coded this phrase (an uncoded "menteri ... dari negara-negara" is
                # resolved here instead)
                continue
            refs = _antecedents(rule, a, si, sents, ents, text)
            for r in refs:
                sector = r.sector if r.sector and r.label != "LOC" and rule["to"] == "bloc" else "GOV"
                out.append(Entity(text[a:b], "ACTOR", a, b, code=r.code, sector=sector, name=r.name))
    return out


def _antecedents(
    rule: dict, pos: int, si: int, sents: list[tuple[int, int]], ents: list[Entity], text: str = ""
) -> list[Entity]:
    """The earlier mention(s) an anaphoric phrase at char `pos` (in sentence si) refers to."""
    # only mentions inside story sentences: glued-in headlines and furniture are no antecedents
    before = [
        x for x in ents if x.end <= pos and any(s <= x.start and x.end <= e for s, e in sents[: si + 1])
    ]
    if rule["to"] == "bloc":
        codes = set(rule.get("codes") or [])
        hit = next((x for x in reversed(before) if x.code in codes), None)
        return [hit] if hit else []
    # nearest first: the part of this sentence before the phrase, then earlier sentences
    windows = [(sents[si][0], pos)] + [
        sents[k] for k in range(si - 1, max(-1, si - 1 - rule.get("reach", 3)), -1)
    ]
    for s, e in windows:
        inside = [x for x in before if s <= x.start and x.end <= e and x.code not in NOT_PARTY]
        if rule["to"] == "state":
            states = [x for x in inside if x.code not in IGO_CODES]
            if states:
                return [states[-1]]
            continue
        firsts: dict[str, Entity] = {}
        for x in inside:
            firsts.setdefault(x.code, x)
        n = rule.get("n", 2)
        if len(firsts) == n:
            return list(firsts.values())
        if len(firsts) > n:  # several parties: only a coordination of exactly n ("AS, Australia dan Jepang")
            group = _coordination_of(inside, text, n)
            return group or []
    return []


COORD_GAP = re.compile(r"^\s*(?:,|\bdan\b|\bserta\b|\s)*\s*$")


def _coordination_of(inside: list[Entity], text: str, n: int) -> list[Entity] | None:
    """The one run of mentions joined only by commas/"dan"/"serta" that names exactly n parties."""
    if not text:
        return None
    runs: list[list[Entity]] = []
    for x in inside:
        if runs and COORD_GAP.match(text[runs[-1][-1].end : x.start]):
            runs[-1].append(x)
        else:
            runs.append([x])
    fits = []
    for run in runs:
        firsts: dict[str, Entity] = {}
        for x in run:
            firsts.setdefault(x.code, x)
        if len(firsts) == n:
            fits.append(list(firsts.values()))
    return fits[0] if len(fits) == 1 else None


def code_article(article: Article, doc=None) -> tuple[list[Entity], list[Event], list[Quote]]:
    """Entities, events and quotes of one article (see module docstring)."""
    from pantau.quotes import find_quotes

    lex = load()
    text = article.text or ""
    ref = resources.reference_date(article)
    ents = sorted(
        [e for e in resources.actor_mentions(doc, article) if e.start is not None and e.code],
        key=lambda e: e.start,
    )
    dates = resources.dates(text, ref)
    places = resources.places(doc, text)
    sents = sentences(text)
    units = [u for u in _units(text, sents, ents, lex) if not is_furniture(text[u[0] : u[1]])]
    anaph = _anaphors(text, units, ents, lex)
    ents = [e for e in ents if e.code != "UNK" or not any(x.start < e.end and e.start < x.end for x in anaph)]
    mentions = sorted(ents + anaph, key=lambda e: e.start)
    spacy_at = {t.idx: t for t in doc} if doc is not None and DEP_MODE else {}
    quotes = find_quotes(article, ents, sents)
    counts = Counter(e.code for e in ents)
    states = [(n, code) for code, n in counts.most_common() if code not in IGO_CODES]
    dominant = states[0][1] if states else None

    pairs: Counter = Counter()

    def opponent(own: set[str], memory_only: bool = False) -> Entity | None:
        """The other side: from earlier coded clashes of this actor, else the most named other state."""
        known = Counter()
        for (a, b), n in pairs.items():
            if a in own and b not in own:
                known[b] += n
            elif b in own and a not in own:
                known[a] += n
        if known:
            code = known.most_common(1)[0][0]
            ent = next((x for x in ents if x.code == code), None)
            if ent is not None:
                return replace(ent, start=None, end=None)
        if memory_only:
            return None
        other = [(n, code) for code, n in counts.most_common() if code not in own and code not in IGO_CODES]
        if other and other[0][0] >= 2:
            opp = next(x for x in ents if x.code == other[0][1])
            return replace(opp, start=None, end=None)
        return None

    cands: list[Candidate] = []
    captions = {c.strip() for c in article.captions or [] if c.strip()}
    topic: Entity | None = None
    recent: list[Entity] = []
    for s, e in units:
        stext = text[s:e]
        if is_furniture(stext) or stext in captions:
            continue
        toks = tokenize(stext, s)
        if not toks:
            continue
        for k, t in enumerate(toks):
            t.i = k
        sent_ents = [x for x in mentions if x.start >= s and x.end <= e]
        ms = _mentions_in(sent_ents, toks)
        dl = DATELINE.match(stext)
        if dl:  # "Jakarta, CNN Indonesia --": the dateline is no actor and no place of the event
            toks = [t for t in toks if t.start >= s + dl.end()]
            for k, t in enumerate(toks):
                t.i = k
            ms = _mentions_in([x for x in sent_ents if x.start >= s + dl.end()], toks)
        if not toks:
            continue
        sc = SentenceCoder(lex, toks, ms, topic, quotes, spacy_at)
        sc.opponent = opponent
        taken: set[int] = set()
        local: list[Candidate] = []
        for i in range(len(toks)):
            if i in taken:
                continue
            if i > 0 and toks[i].text[:1].isupper() and toks[i - 1].text not in {'"', "“", "(", "‘"}:
                continue  # a capitalised predicate mid-sentence belongs to a glued-in headline
            for hit in lex.match(sc.norms, i) or lex.match(sc.lows, i):
                c = sc.code(i, hit)
                if c is None:
                    continue
                c.sent = (s, e)
                # the act requested, permitted, refused or threatened is not (yet) an event
                gov = next(
                    (
                        p
                        for p in local
                        if p.type in GOVERNING
                        and p.ti < i
                        and (
                            any(sc.lows[x] in COMPLEMENT for x in range(p.ti + 1, i))
                            or p.type in ("REQUEST", "THREATEN")
                        )
                        and not any(sc.lows[x] in STRONG_STOPS for x in range(p.ti + 1, i))
                    ),
                    None,
                )
                if (
                    gov
                    and (
                        c.type not in GOVERNING or not {a.code for a in c.actor} & {a.code for a in gov.actor}
                    )
                    and c.factuality == "asserted"
                ):
                    c.factuality = "hypothetical"
                    c.rule += f"; complement of {gov.type}"
                local.append(c)
                taken.update(range(i, i + hit.n))
                break
        # same type twice in one sentence with overlapping actors = one event
        merged: list[Candidate] = []
        for c in local:
            if c.hit.entry.aux and any(o.type == c.type and o is not c for o in local):
                continue
            twin = next(
                (
                    m
                    for m in merged
                    if m.type == c.type and ({a.code for a in m.actor} & {a.code for a in c.actor})
                ),
                None,
            )
            if twin:
                twin.recipient = _dedup(twin.recipient + c.recipient)
                if twin.factuality != "asserted" and c.factuality == "asserted":
                    twin.factuality = "asserted"
                twin.rule += " | " + c.rule
                continue
            merged.append(c)
        merged = [x for c in merged for x in _reciprocal(c, sc)]
        for c in merged:
            _attach_date(c, toks, dates, lex)
            _attach_quote(c, toks, quotes)
            if not c.actor or c.actor[0].label == "SPEAKER":
                continue
            if dominant:
                c.actor = _dedup([_localise(a, dominant) for a in c.actor])
                c.recipient = _dedup([_localise(r, dominant) for r in c.recipient])
            own = {a.code for a in c.actor}
            c.recipient = [
                r
                for r in c.recipient
                if r.code not in own
                or (r.sector != c.actor[0].sector and c.type not in SELF_NOT_TARGET)
                or _person_target(r, c.actor, c.type)
            ]
            attitude = any(t.text.lower() in ATTITUDE for t in toks[max(0, c.ti - 8) : c.ti])
            a0 = c.actor[0] if c.actor else None
            own = {a.code for a in c.actor}
            known = opponent(own, memory_only=True) if c.type in ("ASSAULT", "COERCE") else None
            if not c.recipient and known is not None:
                c.recipient = [known]
                c.rule += "; recipient = other side of earlier clashes"
                c.confidence = round(c.confidence - 0.1, 2)
            elif (
                not c.recipient
                and a0 is not None
                and a0.sector in NONSTATE
                and a0.code == dominant
                and c.type in DOMESTIC_TYPES
            ):
                c.recipient = [Entity(a0.code, "ACTOR", code=a0.code, sector="GOV")]
                c.rule += "; domestic act -> own state as recipient"
                c.confidence = round(c.confidence - 0.1, 2)
            elif not c.recipient and c.hit.entry.key in ("darurat militer", "jam malam") and a0 is not None:
                c.recipient = [Entity(a0.code, "ACTOR", code=a0.code, sector="CVL")]
                c.rule += "; domestic restriction -> own population as recipient"
            elif not c.recipient and c.type == "ASSAULT" and not attitude and len(own) == 1:
                opp = opponent(own)
                if opp is not None:
                    c.recipient = [opp]
                    c.rule += "; recipient from article context"
                    c.confidence = round(c.confidence - 0.15, 2)
        for c in merged:
            if c.recipient or not c.actor or c.actor[0].label == "SPEAKER" or c.type not in INFER_TARGET:
                continue
            if not INFER_RECIPIENT or not recent or (INFER_RECIPIENT == 1 and c.type not in SPEECH_TARGET):
                continue
            own = {a.code for a in c.actor}
            if INFER_RECIPIENT == 1:  # only when the previous sentence names exactly one other party
                others = {x.code: x for x in recent if x.code not in own and x.code not in NOT_PARTY}
                other = next(iter(others.values())) if len(others) == 1 else None
            else:
                other = next((x for x in reversed(recent) if x.code not in own and x.code != "UNK"), None)
            if other is not None:
                c.recipient = [replace(other, start=None, end=None)]
                c.rule += "; recipient = the one other party of the previous sentence"
                c.confidence = round(c.confidence - 0.15, 2)
        recent = [m.ent for m in ms] if INFER_RECIPIENT == 1 else (recent + [m.ent for m in ms])[-12:]
        cands.extend(c for c in merged if c.actor and c.actor[0].label != "SPEAKER")
        for c in merged:
            if c.type == "ASSAULT" and c.factuality == "asserted" and "context" not in c.rule:
                for a in c.actor:
                    for r in c.recipient:
                        if a.code != r.code:
                            pairs[(a.code, r.code)] += 1
        persons = [m.ent for m in ms if m.ent.label in ("PER",) or (m.ent.sector and m.ent.label != "LOC")]
        if persons:
            topic = persons[0]
    if not os.environ.get("PANTAU_DEBUG_ALL"):
        cands = [c for c in cands if _dyadic_ok(c)]
    # places that are not also actor names (states, capitals as metonyms): towns, provinces, sites
    local = [p for p in places if not any(x.start <= p[0] and p[1] <= x.end for x in ents)]
    events = _merge(cands, text, local + [p for p in places if p not in local], article, local)
    _fallback_dates(events, dates, text, ref)
    return ents, events, quotes


ANAPHORA = os.environ.get("PANTAU_ANAPHORA", "1") == "1"
DEP_MODE = int(os.environ.get("PANTAU_DEP", "2"))
INFER_RECIPIENT = int(os.environ.get("PANTAU_INFER_RECIPIENT", "0"))
# speech acts addressed to someone: the target is often the party of the sentence before
SPEECH_TARGET = {"REQUEST", "ACCUSE", "THREATEN", "REJECT", "SUPPORT"}
INFER_TARGET = {"REQUEST", "ACCUSE", "THREATEN", "SUPPORT", "AGREE", "REJECT", "AID", "SANCTION"}
# material acts retold use the same predicate; talks and statements are paraphrased freely
MATERIAL = {"ASSAULT", "COERCE", "MOBILIZE", "AID", "SANCTION", "RETREAT", "PROTEST", "COOPERATE"}
MERGE_MODE = os.environ.get("PANTAU_MERGE", "root+place")
DATE_FALLBACK = os.environ.get("PANTAU_DATE_FALLBACK", "published")


def _fallback_dates(events: list[Event], dates, text: str, ref) -> None:
    """Events whose clause gives no time: inherit the last date named before them in the same
    paragraph (news retells one occasion per paragraph); else leave null (gold convention)."""
    if DATE_FALLBACK == "none":
        return
    for ev in events:
        if ev.date or ev.factuality in ("hypothetical", "negated"):
            continue
        pos = ev.evidence[0].start
        para = text.rfind("\n", 0, pos) + 1
        # a bare year in the paragraph is background ("sejak 2011"), too coarse to date a retold act
        before = [d for d in dates if para <= d.start < pos and d.precision != "year"]
        if DATE_FALLBACK in ("paragraph", "lead", "published") and before:
            d = before[-1]
            ev.date, ev.date_precision = d.date, d.precision
            ev.pattern += "; date inherited from paragraph"
            continue
        if DATE_FALLBACK in ("lead", "published"):
            lead = [d for d in dates if d.start < 400 and d.precision == "day"]
            if lead:
                ev.date, ev.date_precision = lead[0].date, lead[0].precision
                ev.pattern += "; date inherited from lead"
                continue
        if DATE_FALLBACK == "published":
            ev.date, ev.date_precision = ref.isoformat(), "day"
            ev.pattern += "; date = publication (fallback)"


HEADLINE_GLUE = {
    "yang",
    "di",
    "ke",
    "dan",
    "untuk",
    "gegara",
    "usai",
    "jadi",
    "soal",
    "vs",
    "-",
    ":",
    ",",
    "&",
    "dari",
    "dengan",
    "akan",
    "bisa",
    "ini",
    "itu",
    "pun",
    "'",
    "?",
    "!",
    "buat",
    "ala",
    "kala",
}


def _units(text: str, sents: list[tuple[int, int]], ents: list[Entity], lex: Lexicon):
    """Sentence spans with glued-in related-article headlines cut out.

    HTML extraction often glues a "related article" headline into the running text ("... militernya.
    6 Pejabat Kelas Kakap China yang Dieksekusi Xi Jinping gegara Korupsi "Saya ..."). Such a run of
    title-case words that contains a capitalised predicate is no part of the story and splits it.
    """
    for s, e in sents:
        toks = tokenize(text[s:e], s)
        cut: list[tuple[int, int]] = []
        i = 0
        while i < len(toks):
            j = i
            caps = 0
            while j < len(toks) and (
                toks[j].text[:1].isupper()
                or toks[j].text[:1].isdigit()
                or toks[j].text.lower() in HEADLINE_GLUE
            ):
                caps += toks[j].text[:1].isupper()
                j += 1
            if caps >= 4 and j - i >= 5:
                covered = [x for x in ents if toks[i].start <= x.start and x.end <= toks[j - 1].end]
                signal = any(
                    (
                        lex.match([toks[k].text.lower()], 0)
                        or toks[k].text.startswith(("Di", "Me", "Ber", "Ter"))
                    )
                    and k > i
                    and len(toks[k].text) > 3
                    and not any(x.start <= toks[k].start < x.end for x in covered)
                    for k in range(i, j)
                )
                if signal:
                    end = j
                    last = max(covered, key=lambda x: x.end, default=None)
                    if last is not None and last.end == toks[j - 1].end and j < len(toks):
                        end = next(k for k in range(i, j) if toks[k].start >= last.start)
                    cut.append((toks[i].start, toks[end - 1].end if end > i else toks[i].start))
            i = max(j, i + 1)
        start = s
        for a, b in [*cut, (e, e)]:
            x, y = start, a
            while x < y and text[x].isspace():
                x += 1
            while y > x and text[y - 1].isspace():
                y -= 1
            if y > x:
                yield x, y
            start = b


MONADIC = {"MOBILIZE", "RETREAT", "PROTEST"}
SYMMETRIC = {"CONSULT", "AGREE", "COOPERATE", "ASSAULT"}


def _dyadic_ok(c: Candidate) -> bool:
    """PLOVER interactions are dyadic: keep a target-less event only where the type is one-sided
    (mobilising, withdrawing, protesting, apologising) or both sides are in the actor ("AS dan Rusia")."""
    if c.recipient or c.factuality in ("hypothetical", "negated"):
        return True
    if c.type in MONADIC or (c.type == "CONCEDE" and c.mode != "ceasefire"):
        return True
    return c.type in SYMMETRIC and len({a.code for a in c.actor}) >= 2


def _attach_date(c: Candidate, toks: list[Tok], dates, lex: Lexicon) -> None:
    """The date expression of the trigger's clause (not of a speaker's clause for reported acts)."""
    s, e = c.sent
    ti = c.ti
    lo, hi = 0, len(toks)
    for j in range(ti - 1, -1, -1):
        w = toks[j].text.lower()
        if w in DATE_STOPS or (not c.hit.entry.speech and (w in lex.speech_cues or w == "bahwa")):
            lo = j + 1
            break
    for j in range(ti + 1, len(toks)):
        w = toks[j].text.lower()
        if w in DATE_STOPS or w == "bahwa" or (w in lex.speech_cues and j > ti + 1):
            hi = j
            break
    a, b = toks[lo].start, toks[hi - 1].end
    inside = [d for d in dates if d.start >= max(a, s) and d.end <= min(b, e)]
    if not inside:
        return
    tpos = toks[ti].start
    best = min(inside, key=lambda d: abs(d.start - tpos))
    c.date = (best.date, best.precision)


def _attach_quote(c: Candidate, toks: list[Tok], quotes: list[Quote]) -> None:
    pos = toks[c.ti].start
    for q in quotes:
        if q.direct and q.span.start <= pos < q.span.end:
            c.quote = True
            if c.actor and c.actor[0].label == "SPEAKER" and q.speaker and q.speaker.code:
                c.actor = [q.speaker]
                c.rule += "; first person -> quote speaker"


def _merge(cands: list[Candidate], text: str, places, article: Article, local=None) -> list[Event]:
    """One record per real event: same type, overlapping actors and recipients, compatible date."""
    events: list[Event] = []
    roots: dict[int, set[str]] = {}
    where: dict[int, set[str]] = {}
    strict = MERGE_MODE
    for c in cands:
        typ = c.type
        here = {(pl.name or pl.text) for ps, pe, pl in (local or []) if c.sent[0] <= ps and pe <= c.sent[1]}
        acodes = {a.code for a in c.actor}
        rcodes = {r.code for r in c.recipient}
        date = c.date[0] if c.date else None
        span = Span(c.sent[0], c.sent[1], text[c.sent[0] : c.sent[1]])
        target = None
        for ev in events:
            if ev.type != typ or (ev.factuality in ("hypothetical", "negated")) != (
                c.factuality in ("hypothetical", "negated")
            ):
                continue
            shared = {a.code for a in ev.actor} & acodes
            if not shared:
                continue
            er = {r.code for r in ev.recipient}
            if er and rcodes and not er & rcodes:
                continue
            mine = (acodes | rcodes) - shared
            theirs = ({a.code for a in ev.actor} | er) - shared
            if mine and theirs and not mine & theirs:
                continue  # a meeting with Russia is not the talks with the allies
            if not _date_compatible(ev.date, date):
                continue
            same_day = bool(date) and ev.date == date
            if "root" in strict and not same_day and typ in MATERIAL and c.hit.entry.key not in roots[id(ev)]:
                continue  # "blokade" and "menutup akses" are two measures, not one retold
            if "place" in strict and not same_day and here and where[id(ev)] and not here & where[id(ev)]:
                continue  # the strike in Nangarhar is not the strike in Kunar
            target = ev
            break
        if target:
            if span not in target.evidence:
                target.evidence.append(span)
            target.recipient = _dedup(target.recipient + [_with_sector(r, "") for r in c.recipient])
            if not target.date and date:
                target.date, target.date_precision = c.date
            if target.factuality != "asserted" and c.factuality == "asserted":
                target.factuality = "asserted"
            target.quote = target.quote or c.quote
            target.confidence = round(min(0.95, max(target.confidence, c.confidence) + 0.05), 2)
            target.pattern += " | " + c.rule
            roots[id(target)].add(c.hit.entry.key)
            where[id(target)] |= here
            continue
        loc = None
        taken = [(x.start, x.end) for x in c.actor + c.recipient if x.start is not None]
        for ps, pe, place in places:  # local places first; never a name inside the actor's own title
            if c.sent[0] <= ps and pe <= c.sent[1] and not any(a <= ps and pe <= b for a, b in taken):
                loc = place
                break
        ev = Event(
            id="",
            type=typ,
            actor=[_with_sector(a, typ) for a in c.actor],
            recipient=[_with_sector(r, "") for r in c.recipient],
            mode=c.mode,
            context=c.ctx,
            date=date,
            date_precision=c.date[1] if c.date else None,
            location=loc,
            factuality=c.factuality,
            evidence=[span],
            quote=c.quote,
            confidence=c.confidence,
            pattern=c.rule,
        )
        events.append(ev)
        roots[id(ev)] = {c.hit.entry.key}
        where[id(ev)] = set(here)
    for n, ev in enumerate(events):
        ev.id = f"{article.id}:e{n}"
    return events
