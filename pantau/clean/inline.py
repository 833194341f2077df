"""Furniture glued inside a body paragraph (``inline.yaml``).

Single-line scrapes put "Baca juga: <headline>", "ADVERTISEMENT SCROLL TO CONTINUE
WITH CONTENT" or "Simak Video '...':" in the middle of the text, with no line
break. Event extraction reads ``Article.text``, so a related headline left there
gives false events. Fixed promotions have an end of their own (a closing quote,
"[Gambas:...]"); a related headline does not, and its end is the start of the
next body sentence, found from the case pattern of the words:

* a Title-Case headline ("Prabowo Jelaskan Efisiensi Anggaran") runs until the first
  lower-case word that a headline would capitalise ("... Gubernur kedua yang juga");
  the body sentence then starts at the last capitalised word before it, or at a
  sentence opener ("Sementara", "Menurut") among those words;
* a sentence-case headline (ANTARA: "Bupati Solok imbau warga waspada ...") runs
  until a capitalised sentence opener or a capitalised word between lower-case words;
* in both, glued text ("...Soal KabinetRahayu mengatakan"), a sentence end, an opening
  quote of a long quotation, or the next furniture cue end the headline at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pantau.clean.rules import load_yaml

DATA = Path(__file__).with_name("inline.yaml")
MAX_HEADLINE_WORDS = 22  # longer "headlines" mean the body start was missed: cut nothing
_WORD = re.compile(r"\S+")
# glue inside a token: "KabinetRahayu", "RISultan", "Publik?Sebelumnya", 'Jokowi"Ya', "PartaiSBY"
_GLUE = re.compile(
    r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[A-Z]{2})(?=[A-Z][a-z]{2})|(?<=[.!?])(?=[\"“A-Z])"
    r"|(?<=[A-Za-z)])(?=[\"“][A-Z])|(?<=[a-z]{3})(?=[A-Z]{2,}\b)"
)
# other furniture that ends a headline: the next link, an ad slot, a byline, tags, editor initials
_STOP = re.compile(
    r"(?:Baca|BACA|Lihat|Simak|SIMAK|Tonton)\s+(?:[Jj]uga|JUGA)\b|ADVERTISEMENT|SCROLL TO|Pewarta\s*:|"
    r"Editor\s*:|Tags\b|\[Gambas|Halaman \d+ dari|(?:Simak|Lihat|Tonton)\s+[Vv]ideo|Video\s*:|"
    r"\((?:[a-z]{2,6}/)*[a-z]{2,6}\)|Copyright|©"
)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Fixed:
    name: str
    hints: tuple[str, ...]
    regex: re.Pattern[str]


@dataclass(frozen=True)
class InlineRules:
    fixed: list[Fixed]
    cue: re.Pattern[str]
    cue_hints: tuple[str, ...]
    headline_words: frozenset[str]
    openers: frozenset[str]
    title_openers: frozenset[str]  # openers that do not also end headlines
    any_hint: re.Pattern[str]  # one search tells whether any rule can fire on a line (fast path)


@lru_cache(maxsize=1)
def inline_rules() -> InlineRules:
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    fixed = [
        Fixed(name, tuple(spec.get("hints", [])), re.compile("|".join(f"(?:{p})" for p in spec["patterns"])))
        for name, spec in data["fixed"].items()
    ]
    hints = {h for f in fixed for h in f.hints} | set(data["cue_hints"])
    return InlineRules(
        any_hint=re.compile("|".join(re.escape(h) for h in sorted(hints))),
        fixed=fixed,
        cue=re.compile(data["cue"]),
        cue_hints=tuple(data["cue_hints"]),
        headline_words=frozenset(str(w) for w in data["headline_words"]),
        openers=frozenset(str(w) for w in data["openers"]),
        title_openers=frozenset(str(w) for w in data["openers"])
        - {str(w) for w in data["headline_tail_words"]},
    )


@dataclass
class _Tok:
    start: int
    text: str
    glued: bool  # no space before it (split off a longer token)


def _tokens(s: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _WORD.finditer(s):
        w, base = m.group(0), m.start()
        cuts = [g.start() for g in _GLUE.finditer(w) if 0 < g.start() < len(w)]
        prev = 0
        for c in [*cuts, len(w)]:
            out.append(_Tok(base + prev, w[prev:c], prev > 0))
            prev = c
    return out


def _bare(t: str) -> str:
    return t.strip("\"“”'‘’()[],.:;!?")


def _capital(t: str) -> bool:
    b = _bare(t)
    return bool(b) and (b[0].isupper() or b[0].isdigit())


def _lower_content(t: str, rules: InlineRules) -> bool:
    """A lower-case word a Title-Case headline would have capitalised (so: body text)."""
    b = _bare(t)
    if not b or not b[0].islower() or not _LETTER.match(b[0]) or any(c.isupper() for c in b):
        return False  # "iPhone", "e-KTP" pass as headline words
    return b.lower() not in rules.headline_words and not re.fullmatch(r"ke-?\d+", b)


def _opens_quote(s: str, tok: _Tok) -> bool:
    """A quotation of 5+ words opens here: body text (headlines quote a word or two)."""
    if tok.text[:1] not in '"“':
        return False
    rest = s[tok.start + 1 : tok.start + 200]
    close = re.search(r"[\"”]", rest)
    inner = rest[: close.start()] if close else rest
    return len(inner.split()) >= 5


def headline_end(s: str, rules: InlineRules | None = None) -> int | None:
    """Offset in s where the body resumes after a related headline at its start, or None if unsure.

    len(s) when the headline runs to the end of the line.
    """
    rules = rules or inline_rules()
    toks = _tokens(s[:400])
    if not toks:
        return None
    stop = _STOP.search(s, 1)
    limit = stop.start() if stop else len(s)
    # strong ends: sentence end, glue + body, long quote, next furniture cue
    content = [
        t for t in toks[:6] if _LETTER.search(t.text) and _bare(t.text).lower() not in rules.headline_words
    ]
    # Title Case: no body-only lower-case word among the first content words ("Harga BBM Pertamina tak
    # naik" is sentence case)
    title_case = bool(content) and not any(_lower_content(t.text, rules) for t in content[:4])
    first_body = None  # index of the first body-only lower-case word (title-case headlines)
    for i, t in enumerate(toks):
        if t.start >= limit:
            return limit if i <= MAX_HEADLINE_WORDS else None
        if i == 0:
            continue
        prev = toks[i - 1].text
        if i > MAX_HEADLINE_WORDS:
            return None
        if (
            re.search(r"[.!?][\"”’]?$", prev)
            and _capital(t.text)
            and len(_bare(prev)) >= 2
            and (not title_case or _body_follows(toks, i, rules, title_case, window=2))
        ):
            return t.start  # the headline ended (a "?" inside a Title-Case headline needs body after it)
        if re.fullmatch(r"\d{1,2}\.", t.text) and i + 1 < len(toks) and _capital(toks[i + 1].text):
            return t.start  # "... toko kelontong 4. Spesialis branding": the next numbered item
        if (
            t.glued
            and _capital(t.text)
            and (_bare(t.text) in rules.title_openers or _body_follows(toks, i, rules, title_case))
        ):
            # the earliest glue of this capitalised run ("Jadi DewanKetua DPD NasDem Langkat ini")
            k = i
            for j in range(i - 1, 0, -1):
                if not _capital(toks[j].text):
                    break
                if toks[j].glued:
                    k = j
            return toks[k].start
        if _opens_quote(s, t):
            return t.start
        if title_case:
            # a body sentence has more lower-case words close by ("Gubernur kedua yang juga terjaring");
            # a lone one ("... Temukan Harun Masiku ketimbang Mobilnya") is a headline word
            near = toks[i + 1 : i + 6]
            if _lower_content(t.text, rules) and any(_lower_content(u.text, rules) for u in near):
                first_body = i
                break
        elif i >= 2 and _bare(t.text)[:1].isupper():
            b = _bare(t.text)
            if b in rules.openers:
                return t.start
            nxt = toks[i + 1].text if i + 1 < len(toks) else ""
            pb = _bare(prev)
            if (
                i >= 4
                and pb[:1].islower()
                and pb.lower() not in rules.headline_words
                and _lower_content(nxt, rules)
                and not re.search(r"[\d,:;]", prev + b)
                and not b.isupper()  # acronyms stand inside headlines ("jatuhkan sanksi PTDH oknum")
            ):
                return t.start  # "... 10 tahun terakhir Kunjungan legislator ..."
    else:  # no body start found: the headline runs to the end of the line
        return len(s) if len(toks) <= MAX_HEADLINE_WORDS else None
    # Title case: the body starts among the capitalised words just before the first body word
    # (skipping function words: "... Menteri Keuangan Beralih ke bursa asing").
    end = first_body
    while end - 1 >= 1 and _bare(toks[end - 1].text).lower() in rules.headline_words:
        end -= 1
    run_start = end
    while run_start - 1 >= 1 and _capital(toks[run_start - 1].text):
        run_start -= 1
    if run_start == end:  # no capitalised word to start the sentence: not a clean cut
        return None
    for k in range(end - 1, run_start - 1, -1):
        if _bare(toks[k].text) in rules.title_openers or toks[k].glued:
            return toks[k].start
    return toks[end - 1].start


def _body_follows(toks: list[_Tok], i: int, rules: InlineRules, title_case: bool, window: int = 4) -> bool:
    """After glue: is this the start of a sentence rather than a camel-case name ("YouTube")?"""
    if not title_case:
        return True
    return any(_lower_content(t.text, rules) for t in toks[i + 1 : i + 1 + window])


def strip_inline(line: str) -> tuple[str, list[tuple[str, str]]]:
    """The line without inline furniture, and the removed pieces as (text, rule name)."""
    rules = inline_rules()
    cuts: list[tuple[str, str]] = []
    if not rules.any_hint.search(line):
        return line, cuts
    for f in rules.fixed:
        if not any(h in line for h in f.hints):
            continue
        if f.regex.search(line):
            cuts += [(m.group(0).strip(), f.name) for m in f.regex.finditer(line)]
            line = _join(f.regex.sub("\x00", line).split("\x00"))
    if any(h in line for h in rules.cue_hints):
        line = _strip_headlines(line, rules, cuts)
    return line, cuts


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        out = f"{out} {p}" if out else p
    return out


def _strip_headlines(line: str, rules: InlineRules, cuts: list[tuple[str, str]]) -> str:
    pos = 0
    while True:
        m = rules.cue.search(line, pos)
        if not m:
            return line
        start, after = m.start(), m.end()
        if m.group("open"):
            close = "]" if m.group("open").strip() == "[" else ")"
            end = line.find(close, after)
            end = end + 1 if 0 <= end - after <= 300 else None
        else:
            rel = headline_end(line[after:], rules)
            end = after + rel if rel is not None else None
        if end is None or end <= after:
            pos = after
            continue
        cuts.append((line[start:end].strip(), "read_also"))
        left, right = line[:start].rstrip(), line[end:].lstrip()
        line = f"{left} {right}".strip() if left and right else (left or right)
        pos = len(left) + (1 if left and right else 0)
