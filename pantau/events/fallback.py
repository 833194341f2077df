"""PRIVATE minimal fallbacks, used only while the real stages are missing.

- ``find_actor_mentions``: gazetteer + title chains, stands in for
  ``pantau.actors.get_resolver().resolve_mentions`` (helper D).
- ``find_dates``: the handful of Indonesian date expressions news uses, stands
  in for ``pantau.dates.find_dates`` (helper D).
Keep these small; the real modules supersede them automatically.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pantau.events.text import Tok, tokenize
from pantau.records import Entity

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[tuple[str, ...], tuple[str, str | None]], dict[tuple[str, ...], str]]:
    data = yaml.safe_load((HERE / "fallback_actors.yaml").read_text(encoding="utf-8"))
    names = {tuple(k.split()): (v[0], v[1]) for k, v in data["names"].items()}
    titles = {tuple(k.split()): v for k, v in data["titles"].items()}
    return names, titles


def _longest(toks: list[Tok], i: int, table: dict, maxn: int = 4) -> tuple[int, object] | None:
    for n in range(min(maxn, len(toks) - i), 0, -1):
        key = tuple(t.text.lower() for t in toks[i : i + n])
        if key in table:
            return n, table[key]
    return None


def _is_name_tok(t: Tok) -> bool:
    return t.text[:1].isupper() and t.text.isalpha() is not False and len(t.text) > 1


def _name_ok(toks: list[Tok], i: int, n: int) -> bool:
    """Proper names must be capitalised; short abbreviations must be all caps (AS, RI, UE)."""
    first = toks[i].text
    if n == 1 and len(first) <= 3:
        return first.isupper()
    return first[:1].isupper()


def find_actor_mentions(text: str) -> list[Entity]:
    """Actor mentions with char spans: titles + state + person name chains, bare names."""
    names, titles = _gazetteer()
    toks = tokenize(text)
    out: list[Entity] = []
    i = 0
    while i < len(toks):
        title = _longest(toks, i, titles)
        name = _longest(toks, i, names)
        if name and not _name_ok(toks, i, name[0]):
            name = None
        if title and (not name or title[0] >= name[0]):
            n, sector = title
            j = i + n
            # optional "para", determiners skipped before; state after the title
            state = _longest(toks, j, names) if j < len(toks) else None
            if state and _name_ok(toks, j, state[0]):
                code, ssec = state[1]
                j += state[0]
                # a person name after the state: up to 3 capitalised tokens
                k = j
                while (
                    k < len(toks)
                    and k - j < 3
                    and _is_name_tok(toks[k])
                    and toks[k].text.lower() not in {"dan", "yang"}
                    and not _longest(toks, k, names)
                ):
                    k += 1
                person = _longest(toks, j, names)
                if person and person[1][0] == code and _name_ok(toks, j, person[0]):
                    k = j + person[0]
                end = max(j, k)
                label = "PER" if k > j else "ORG"
                out.append(
                    Entity(
                        text[toks[i].start : toks[end - 1].end],
                        label,
                        toks[i].start,
                        toks[end - 1].end,
                        code,
                        sector if ssec != "SPY" else ssec,
                        text[toks[j].start : toks[k - 1].end] if k > j else None,
                    )
                )
                i = end
                continue
            # title + known person without state ("Presiden Joe Biden")
            person = _longest(toks, j, names) if j < len(toks) else None
            if person and _name_ok(toks, j, person[0]) and person[1][1]:
                end = j + person[0]
                out.append(
                    Entity(
                        text[toks[i].start : toks[end - 1].end],
                        "PER",
                        toks[i].start,
                        toks[end - 1].end,
                        person[1][0],
                        person[1][1] if sector == "GOV" else sector,
                        text[toks[j].start : toks[end - 1].end],
                    )
                )
                i = end
                continue
            i += n
            continue
        if name:
            n, (code, sector) = name
            end = i + n
            out.append(
                Entity(
                    text[toks[i].start : toks[end - 1].end],
                    "ACTOR",
                    toks[i].start,
                    toks[end - 1].end,
                    code,
                    sector,
                    text[toks[i].start : toks[end - 1].end],
                )
            )
            i = end
            continue
        i += 1
    return out


# ----------------------------------------------------------------- dates
@dataclass
class DateMention:
    start: int
    end: int
    text: str
    date: str
    precision: str


MONTHS = {
    "januari": 1,
    "februari": 2,
    "maret": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "agustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "desember": 12,
    "nopember": 11,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "sep": 9,
    "okt": 10,
    "nov": 11,
    "des": 12,
}
DAYS = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_RE = re.compile(
    rf"\((?P<d1>\d{{1,2}})/(?P<m1>\d{{1,2}})(?:/(?P<y1>\d{{2,4}}))?\)"
    rf"|\b(?P<d2>\d{{1,2}})\s+(?P<m2>{_M})\b\.?(?:\s+(?P<y2>\d{{4}}))?"
    rf"|\b(?:bulan\s+)?(?P<m3>{_M})\s+(?P<y3>\d{{4}})\b"
    rf"|\b(?:pada|tahun|sejak|hingga)\s+(?P<y4>(?:19|20)\d{{2}})\b"
    r"|\b(?:pada\s+)?(?:hari\s+)?(?P<wd>senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu)\b(?!\s+(?:lalu|depan|ini))"
    r"|\b(?P<rel>kemarin|hari ini|pekan lalu|minggu lalu|pekan ini|minggu ini|awal pekan ini|bulan lalu|"
    r"bulan ini|tahun lalu|tahun ini|semalam|dini hari tadi|tadi malam)\b",
    re.IGNORECASE,
)


def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def find_dates(text: str, reference: dt.date) -> list[DateMention]:
    out = []
    for m in DATE_RE.finditer(text):
        g = m.groupdict()
        try:
            if g["d1"]:
                y = int(g["y1"]) if g["y1"] else reference.year
                y = y + 2000 if y < 100 else y
                d = dt.date(y, int(g["m1"]), int(g["d1"]))
                if not g["y1"] and d > reference + dt.timedelta(days=2):
                    d = d.replace(year=y - 1)
                val, prec = d.isoformat(), "day"
            elif g["d2"]:
                mo = MONTHS[g["m2"].lower()]
                y = int(g["y2"]) if g["y2"] else reference.year
                d = dt.date(y, mo, int(g["d2"]))
                if not g["y2"] and d > reference + dt.timedelta(days=2):
                    d = d.replace(year=y - 1)
                val, prec = d.isoformat(), "day"
            elif g["m3"]:
                val, prec = f"{int(g['y3']):04d}-{MONTHS[g['m3'].lower()]:02d}", "month"
            elif g["y4"]:
                val, prec = g["y4"], "year"
            elif g["wd"]:
                wd = DAYS[g["wd"].lower()]
                back = (reference.weekday() - wd) % 7
                val, prec = (reference - dt.timedelta(days=back)).isoformat(), "day"
            else:
                rel = g["rel"].lower()
                if rel in ("kemarin", "tadi malam"):
                    val, prec = (reference - dt.timedelta(days=1)).isoformat(), "day"
                elif rel in ("hari ini", "semalam", "dini hari tadi"):
                    val, prec = reference.isoformat(), "day"
                elif rel in ("pekan lalu", "minggu lalu"):
                    val, prec = _week(reference - dt.timedelta(days=7)), "week"
                elif rel in ("pekan ini", "minggu ini", "awal pekan ini"):
                    val, prec = _week(reference), "week"
                elif rel == "bulan lalu":
                    first = reference.replace(day=1) - dt.timedelta(days=1)
                    val, prec = f"{first.year:04d}-{first.month:02d}", "month"
                elif rel == "bulan ini":
                    val, prec = f"{reference.year:04d}-{reference.month:02d}", "month"
                elif rel == "tahun lalu":
                    val, prec = str(reference.year - 1), "year"
                else:
                    val, prec = str(reference.year), "year"
        except (ValueError, KeyError):
            continue
        if g["wd"] and re.match(r"\s*,?\s*\(\d", text[m.end() : m.end() + 4]):
            continue  # "Kamis (20/1/2022)": the explicit date that follows wins
        out.append(DateMention(m.start(), m.end(), m.group(0), val, prec))
    return out
