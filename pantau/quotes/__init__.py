"""Direct and indirect quotes with their speakers.

Direct quotes are text between quotation marks (“…”, "…", ‘…’, «…»); the
speaker comes from a speech cue next to the quote ("…," kata Peskov; Lavrov
mengatakan, "…"). Indirect speech is a clause after a cue verb ("X mengatakan
(bahwa) …", "menurut X, …"). A paragraph that opens with a quote and has no
cue continues the previous speaker's statement and inherits the speaker.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pantau.records import Article, Entity, Quote, Span

QUOTE_RE = re.compile(r"“([^”]{3,}?)”|\"([^\"\n]{3,}?)\"|«([^»]{3,}?)»|‘([^’\n]{8,}?)’(?!\w)")
POST_CUES = (
    "kata",
    "ujar",
    "tutur",
    "ucap",
    "tegas",
    "jelas",
    "imbuh",
    "terang",
    "sebut",
    "tambah",
    "lanjut",
    "papar",
    "ungkap",
    "katanya",
    "ujarnya",
    "tuturnya",
    "ucapnya",
    "tegasnya",
    "jelasnya",
    "imbuhnya",
    "terangnya",
    "sebutnya",
    "tambahnya",
    "lanjutnya",
    "paparnya",
    "ungkapnya",
    "menurut",
    "demikian",
    "bunyi",
)
PRE_CUES = (
    "mengatakan",
    "menyatakan",
    "mengungkapkan",
    "menuturkan",
    "menegaskan",
    "menjelaskan",
    "menambahkan",
    "mengklaim",
    "menyebut",
    "menyebutkan",
    "mengumumkan",
    "memperingatkan",
    "menekankan",
    "berkata",
    "menulis",
    "mengingatkan",
    "mengaku",
    "mengakui",
    "bilang",
    "menilai",
    "berujar",
    "bertutur",
    "berucap",
    "mengeklaim",
    "menyampaikan",
    "menerangkan",
    "memaparkan",
)
PRONOUN = {"nya", "dia", "ia", "mereka", "beliau"}
WORD = re.compile(r"\w+(?:[-']\w+)*")
# "mengatakan pada hari Rabu (20/11), ..." / "mengatakan dalam wawancara bahwa ...": skip to the content
LEAD_IN = re.compile(
    r"\s*(?:,\s*)?(?:(?:pada|dalam|kepada|di) [^,]{0,60}?(?:,\s*|\s(?=bahwa\s)))?(?:bahwa\s)?"
)


@lru_cache(maxsize=1)
def _cue_re() -> re.Pattern:
    alt = "|".join(sorted(set(POST_CUES + PRE_CUES), key=len, reverse=True))
    return re.compile(rf"\b({alt})\b", re.IGNORECASE)


def _nearest(ents: list[Entity], pos: int, lo: int, hi: int, after: bool) -> Entity | None:
    pool = [e for e in ents if lo <= e.start and e.end <= hi]
    if not pool:
        return None
    if after:
        pool = [e for e in pool if e.start >= pos]
        return min(pool, key=lambda e: e.start) if pool else None
    pool = [e for e in pool if e.end <= pos]
    return max(pool, key=lambda e: e.end) if pool else None


def _bare_speaker(text: str, pos: int) -> Entity | None:
    """Capitalised words right after a cue ("kata Peskov") when no actor was resolved there."""
    m = re.match(r"\s*((?:[A-Z][\w.'-]*\s?){1,4})", text[pos:])
    if not m:
        return None
    name = m.group(1).strip()
    return Entity(name, "PER", pos + m.start(1), pos + m.start(1) + len(name))


def _paragraph(text: str, pos: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    return s, (len(text) if e < 0 else e)


def find_quotes(article: Article, ents: list[Entity], sents: list[tuple[int, int]]) -> list[Quote]:
    """Direct quotes (with inherited speakers) and indirect speech of the article."""
    text = article.text or ""
    ents = [e for e in ents if e.start is not None]
    cue_re = _cue_re()
    quotes: list[Quote] = []
    last_speaker: Entity | None = None
    covered: list[tuple[int, int]] = []
    for m in QUOTE_RE.finditer(text):
        body = next(g for g in m.groups() if g is not None)
        if len(WORD.findall(body)) < 3:
            continue  # scare quotes: "setiap inci", "berhasil diserang"
        qs, qe = m.start(), m.end()
        ps, pe = _paragraph(text, qs)
        speaker, cue = None, None
        tail = text[qe : min(pe, qe + 120)]
        cm = cue_re.match(tail.lstrip(" ,.-–—")) if tail else None
        if cm:
            off = qe + (len(tail) - len(tail.lstrip(" ,.-–—"))) + cm.end()
            cue = cm.group(1).lower()
            speaker = _nearest(ents, off, off, min(pe, off + 80), after=True) or _bare_speaker(text, off)
        else:
            head = text[max(ps, qs - 160) : qs]
            hm = list(cue_re.finditer(head))
            if hm and len(head) - hm[-1].end() < 40:
                cue = hm[-1].group(1).lower()
                pos = max(ps, qs - 160) + hm[-1].start()
                speaker = _nearest(ents, pos, ps, pos, after=False)
            elif qs == ps and last_speaker is not None:
                speaker, cue = last_speaker, None  # continuation paragraph
        if speaker and speaker.text.lower() in PRONOUN and last_speaker:
            speaker = last_speaker
        if speaker is not None:
            last_speaker = speaker
        quotes.append(Quote("", body, speaker, cue, Span(qs, qe, text[qs:qe]), True))
        covered.append((qs, qe))
    # indirect speech: "X mengatakan (bahwa) ...", "menurut X, ..."
    for s, e in sents:
        if any(cs < e and s < ce for cs, ce in covered):
            continue
        stext = text[s:e]
        for cm in cue_re.finditer(stext):
            cue = cm.group(1).lower()
            cstart, cend = s + cm.start(), s + cm.end()
            if cue in PRE_CUES:
                speaker = _nearest(ents, cstart, s, cstart, after=False)
                body_start = cend
                bm = LEAD_IN.match(text[cend:e])
                if bm:
                    body_start = cend + bm.end()
            elif cue == "menurut":
                speaker = _nearest(ents, cend, cend, e, after=True) or _bare_speaker(text, cend)
                body_start = text.find(",", cend, e) + 1 or cend
            else:
                continue
            if speaker is None or e - body_start < 15:
                continue
            body = text[body_start:e].strip()
            quotes.append(Quote("", body, speaker, cue, Span(body_start, e, text[body_start:e]), False))
            break
    quotes.sort(key=lambda q: q.span.start)
    for n, q in enumerate(quotes):
        q.id = f"{article.id}:q{n}"
    return quotes


__all__ = ["find_quotes"]
