"""When: find and resolve Indonesian temporal expressions against an article's reference date.

Why hand-written finders: dateparser is slow (milliseconds a call) and cannot *find* expressions in
running text; it also misses "pada hari Senin", "pekan lalu", "Jumat lalu" and gives the 21st for
"September 2022". So a few precompiled regexes find candidate expressions and resolve them with
exact calendar arithmetic (vocabulary in ``data/calendar.yaml``, war day counts in ``data/wars.yaml``).
dateparser (cached) is only the fallback of :func:`resolve` for expressions none of them covers.

Output convention (matches shared/eval/score.py ``date_ok``): day -> "YYYY-MM-DD"; week -> the Monday
of that ISO week; month -> "YYYY-MM-01"; year -> "YYYY-01-01"; with precision day/week/month/year.
Day and month without a year take the reference year, or the previous year when that would land
after the reference date (news reports the past).

The reference is the article's publication date (:func:`reference_date`, checked by
``published.normalise_published``) or None: then only absolute expressions resolve and relative ones stay
unresolved. Nothing here reads the clock, so a result never depends on the day of the run.
``checks.check_event_dates`` keeps asserted events from being dated after their article's publication.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pantau.dates.prefix import with_first_chars
from pantau.dates.published import load_yaml

DATA = Path(__file__).resolve().parent / "data"
Precision = str  # "day" | "week" | "month" | "year"


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date: str
    precision: Precision


def _load() -> tuple[dict, dict]:
    cal = load_yaml((DATA / "calendar.yaml").read_text(encoding="utf-8"))
    wars = load_yaml((DATA / "wars.yaml").read_text(encoding="utf-8"))
    return cal, wars


_CAL, _WARS = _load()
WEEKDAY = {w.lower(): int(n) for n, ws in _CAL["weekdays"].items() for w in ws}
MONTH = {m.lower(): int(n) for n, ms in _CAL["months"].items() for m in ms}
# full month names (no abbreviations) for the patterns without a day number
MONTH_FULL = {
    m.lower(): int(n)
    for n, ms in _CAL["months"].items()
    for k, m in enumerate(ms)
    if k == 0 or (len(m) > 3 and m != "Sept")
}
NUMBER = {k: v for k, v in _CAL["numbers"].items()}
UNIT = {k: v for k, v in _CAL["units"].items()}
WAR_WINDOW = int(_WARS.get("window", 160))
WARS = [
    (w["name"], dt.date.fromisoformat(str(w["start"])), [k.lower() for k in w["keywords"]])
    for w in _WARS["wars"]
]


def _alt(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


WD = _alt(list(WEEKDAY))
MO = _alt(list(MONTH))
MOF = _alt(list(MONTH_FULL))
NUMW = _alt([k for k in NUMBER if k != "se"])
UNITW = _alt(list(UNIT))
AGO = r"(?:yang\s+lalu|lalu|sebelumnya|silam|yang\s+silam)"
WD_CAP = r"(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum['’]at|Sabtu|Minggu|Ahad)"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Rabu (20/11/2024), Kamis (20/1), (21/1/2022)
    (
        "paren_num",
        re.compile(
            rf"(?:\b(?P<wd>{WD})\s*,?\s*)?\(\s*(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})(?:\s*/\s*(?P<y>\d{{2}}|\d{{4}}))?\s*\)",
            re.I,
        ),
    ),
    # 21/01/2022, 21-01-2022
    (
        "num_full",
        re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})(?P<sep>[/-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/-])"),
    ),
    # 2022-01-21
    ("iso", re.compile(r"(?<![\d-])(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d-])")),
    # Rabu (20 November 2024), 20 November 2024, 20 November, Jumat, 8 Nov
    (
        "day_month",
        re.compile(
            rf"(?:\b(?P<wd>{WD})\s*,?\s*\(?\s*)?\b(?P<d>\d{{1,2}})\s+(?P<mo>{MO})\.?(?:\s+(?P<y>(?:19|20)\d{{2}}))?\b\)?",
            re.I,
        ),
    ),
    # 13 hingga 15 Mei (2026), 13-15 Mei: the first day
    (
        "day_range",
        re.compile(
            rf"\b(?P<d>\d{{1,2}})\s*(?:-|–|hingga|sampai|s/d|dan)\s*(?P<d2>\d{{1,2}})\s+(?P<mo>{MO})\.?"
            rf"(?:\s+(?P<y>(?:19|20)\d{{2}}))?\b",
            re.I,
        ),
    ),
    # hari ke-258 (of a named war)
    ("war_day", re.compile(r"\bhari\s+ke\s*-?\s*(?P<n>\d{1,2}(?:\.\d{3})+|\d{1,4})\b", re.I)),
    # awal/akhir/pertengahan September 2022, bulan September 2022, September 2022
    (
        "month_year",
        re.compile(
            rf"\b(?:(?:awal|akhir|pertengahan|medio)\s+(?:bulan\s+)?|bulan\s+)?(?P<mo>{MOF})\s+(?P<y>(?:19|20)\d{{2}})\b",
            re.I,
        ),
    ),
    # September lalu, awal November, bulan September (no year)
    (
        "month_only",
        re.compile(
            rf"\b(?:(?P<pre>awal|akhir|pertengahan|medio|bulan)\s+(?:bulan\s+)?)(?P<mo>{MOF})\b(?:\s+(?P<ago>lalu|kemarin))?|"
            rf"\b(?P<mo2>{MOF})\s+(?P<ago2>lalu)\b",
            re.I,
        ),
    ),
    # tahun 2016, pada 2016, sejak 2014
    (
        "year",
        re.compile(
            r"\b(?:tahun|pada|sejak|hingga|sampai|awal|akhir|pertengahan)\s+(?P<y>(?:19|20)\d{2})\b(?![.,]\d)",
            re.I,
        ),
    ),
    # Jumat pekan lalu, Senin minggu ini
    (
        "wd_week",
        re.compile(
            rf"\b(?:(?:pada\s+)?hari\s+)?(?P<wd>{WD_CAP})\s+(?P<w>pekan|minggu)\s+(?P<rel>lalu|ini|depan|kemarin)\b"
        ),
    ),
    # (pada hari) Selasa (lalu)
    (
        "weekday",
        re.compile(
            rf"\b(?:(?P<hari>hari)\s+)?(?P<wd>{WD_CAP})\b(?:\s+(?P<rel>lalu|kemarin|ini|depan|mendatang|nanti))?",
        ),
    ),
    (
        "weekday_lower",
        re.compile(rf"\bhari\s+(?P<wd>{WD})\b(?:\s+(?P<rel>lalu|kemarin|ini|depan|mendatang))?", re.I),
    ),
    # N hari/pekan/bulan/tahun (yang) lalu, sepekan lalu, dua hari sebelumnya
    (
        "ago",
        re.compile(
            rf"\b(?:(?P<n>\d{{1,3}}|{NUMW})\s+(?P<u>{UNITW})|se(?P<u2>hari|pekan|minggu|bulan|tahun))\s+{AGO}\b",
            re.I,
        ),
    ),
    # pekan lalu, awal pekan ini, bulan lalu, tahun ini, akhir pekan
    (
        "rel",
        re.compile(
            r"\b(?:(?P<pre>awal|akhir|pertengahan)\s+)?(?P<u>pekan|minggu|bulan|tahun)\s+(?P<rel>lalu|ini|depan|kemarin)\b",
            re.I,
        ),
    ),
    ("weekend", re.compile(r"\bakhir\s+pekan\b(?!\s+(?:lalu|ini|depan))", re.I)),
    # kemarin, hari ini, kemarin lusa, besok, tadi malam, semalam
    (
        "deictic",
        re.compile(
            r"\b(?P<w>kemarin\s+lusa|kemarin|hari\s+ini|besok|lusa|tadi\s+malam|tadi\s+pagi|tadi\s+siang|"
            r"pagi\s+ini|malam\s+ini|semalam)\b",
            re.I,
        ),
    ),
    # pada bulan itu (anaphoric: the month of the previous mention)
    ("that_month", re.compile(r"\b(?:pada\s+)?bulan\s+(?:itu|tersebut|yang\s+sama)\b", re.I)),
]
# the same patterns with a first-character test in front (``prefix``): the same matches, found faster
RAW_PATTERNS = PATTERNS
PATTERNS = [(kind, with_first_chars(pat)) for kind, pat in RAW_PATTERNS]


# ------------------------------------------------------------------ calendar helpers
def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def last_weekday(ref: dt.date, iso_wd: int, strict: bool = False) -> dt.date:
    """The latest day with ISO weekday ``iso_wd`` on or before ``ref`` (strictly before if strict)."""
    back = (ref.isoweekday() - iso_wd) % 7
    if back == 0 and strict:
        back = 7
    return ref - dt.timedelta(days=back)


def _past_year_date(ref: dt.date, month: int, day: int) -> dt.date | None:
    for y in (ref.year, ref.year - 1):
        try:
            d = dt.date(y, month, day)
        except ValueError:
            continue
        if d <= ref:
            return d
    return None


def _fmt(d: dt.date, precision: str) -> tuple[str, str]:
    if precision == "week":
        d = monday(d)
    elif precision == "month":
        d = d.replace(day=1)
    elif precision == "year":
        d = dt.date(d.year, 1, 1)
    return d.isoformat(), precision


def _num(s: str | None) -> int | None:
    if s is None:
        return None
    s = s.lower()
    if s.isdigit():
        return int(s)
    return NUMBER.get(s)


def _year(y: str) -> int:
    v = int(y)
    return v + 2000 if len(y) == 2 else v


FUTURE_CUE = re.compile(rf"\b(?:{_alt(_CAL['future_cues'])})\b", re.I)


FUTURE_AFTER = re.compile(r"^\W{0,3}(?:mendatang|nanti|depan|yang\s+akan\s+datang)\b", re.I)


def _future_cue(text: str, pos: int, end: int | None = None) -> bool:
    """A future marker earlier in the same clause (within 80 characters, no sentence break), or
    right after the expression ("20 Januari mendatang")."""
    if end is not None and FUTURE_AFTER.match(text[end : end + 30]):
        return True
    left = text[max(0, pos - 80) : pos]
    cut = max(left.rfind(". "), left.rfind("\n"), left.rfind("; "))
    return bool(FUTURE_CUE.search(left[cut + 1 :]))


# ------------------------------------------------------------------ resolution
def _resolve_match(
    kind: str, m: re.Match[str], text: str, ref: dt.date | None, previous: list[DateMention]
) -> tuple[str, str] | None:
    g = m.groupdict()
    if kind in {"paren_num", "num_full", "iso", "day_month", "day_range"}:
        d = int(g["d"])
        mo = int(g["m"]) if kind not in {"day_month", "day_range"} else MONTH[g["mo"].lower()]
        if g.get("y"):
            try:
                return _fmt(dt.date(_year(g["y"]), mo, d), "day")
            except ValueError:
                return None
        if ref is None:
            return None
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return None
        wd = g.get("wd")
        if wd:
            # the weekday picks the year: "Sabtu (18/1)" in an article of 8 January 2025 is 18 January
            # 2025 (a Saturday, announced ahead), not 2024
            want = WEEKDAY[wd.lower()]
            fits = []
            for y in (ref.year - 1, ref.year, ref.year + 1):
                try:
                    cand = dt.date(y, mo, d)
                except ValueError:
                    continue
                if cand.isoweekday() == want and abs((cand - ref).days) <= 183:
                    fits.append(cand)
            if len(fits) == 1:
                return _fmt(fits[0], "day")
            # "Sabtu (7/11)" in an article of 8 December: the weekday and day agree with 7 December,
            # so the month is a typo; trust weekday + day when they fit the week before the reference
            near = last_weekday(ref, WEEKDAY[wd.lower()])
            if near.day == d and near.month != mo:
                return _fmt(near, "day")
        day = _past_year_date(ref, mo, d)
        if _future_cue(text, m.start(), m.end()):
            try:
                ahead = dt.date(ref.year, mo, d)
                if ahead > ref and (ahead - ref).days <= 120:
                    day = ahead  # "akan berkunjung pada 13 Mei": an announced future date
            except ValueError:
                pass
        return _fmt(day, "day") if day else None
    if kind == "war_day":
        n = int(g["n"].replace(".", ""))
        lo, hi = max(0, m.start() - WAR_WINDOW), m.end() + WAR_WINDOW
        window = text[lo:hi].lower()
        for _name, start, kws in WARS:
            if any(k in window for k in kws):
                return _fmt(start + dt.timedelta(days=n - 1), "day")
        return None
    if kind == "month_year":
        return _fmt(dt.date(int(g["y"]), MONTH_FULL[g["mo"].lower()], 1), "month")
    if kind == "month_only":
        if ref is None:
            return None
        mo = MONTH_FULL[(g["mo"] or g["mo2"]).lower()]
        ago = g.get("ago") or g.get("ago2")
        y = ref.year if (mo < ref.month or (mo == ref.month and not ago)) else ref.year - 1
        return _fmt(dt.date(y, mo, 1), "month")
    if kind == "year":
        return _fmt(dt.date(int(g["y"]), 1, 1), "year")
    if ref is None:
        return None
    if kind == "wd_week":
        wd = WEEKDAY[g["wd"].lower()]
        shift = {"lalu": -7, "kemarin": -7, "ini": 0, "depan": 7}[g["rel"].lower()]
        week = monday(ref) + dt.timedelta(days=shift)
        return _fmt(week + dt.timedelta(days=wd - 1), "day")
    if kind in {"weekday", "weekday_lower"}:
        wd_word = g["wd"]
        rel = (g.get("rel") or "").lower()
        if wd_word.lower() == "minggu" and not g.get("hari"):
            # "Minggu lalu"/"minggu ini" is a week, handled by "rel"; "Minggu ke-3" is not a date
            nxt = text[m.end() : m.end() + 4]
            if rel in {"lalu", "ini", "depan", "kemarin"} or nxt.startswith(" ke") or nxt.startswith("-"):
                return None
        wd = WEEKDAY[wd_word.lower()]
        if rel in {"depan", "mendatang", "nanti"}:
            ahead = (wd - ref.isoweekday()) % 7 or 7
            return _fmt(ref + dt.timedelta(days=ahead), "day")
        if rel == "ini":
            return _fmt(monday(ref) + dt.timedelta(days=wd - 1), "day")
        return _fmt(last_weekday(ref, wd, strict=rel in {"lalu", "kemarin"}), "day")
    if kind == "ago":
        n = 1 if g.get("u2") else _num(g.get("n"))
        if n is None:
            return None
        unit = UNIT[(g.get("u") or g.get("u2")).lower()]
        if unit == "day":
            return _fmt(ref - dt.timedelta(days=n), "day")
        if unit == "week":
            return _fmt(ref - dt.timedelta(days=7 * n), "week")
        if unit == "month":
            return _fmt(add_months(ref, -n), "month")
        return _fmt(dt.date(ref.year - n, 1, 1), "year")
    if kind == "rel":
        unit = UNIT[g["u"].lower()]
        step = {"lalu": -1, "kemarin": -1, "ini": 0, "depan": 1}[g["rel"].lower()]
        if unit == "week":
            return _fmt(ref + dt.timedelta(days=7 * step), "week")
        if unit == "month":
            return _fmt(add_months(ref, step), "month")
        if unit == "year":
            return _fmt(dt.date(ref.year + step, 1, 1), "year")
        return None
    if kind == "weekend":
        return _fmt(last_weekday(ref, 6), "week")
    if kind == "deictic":
        w = " ".join(g["w"].lower().split())
        off = {
            "kemarin lusa": -2,
            "kemarin": -1,
            "hari ini": 0,
            "besok": 1,
            "lusa": 2,
            "tadi malam": 0,
            "tadi pagi": 0,
            "tadi siang": 0,
            "pagi ini": 0,
            "malam ini": 0,
            "semalam": -1,
        }[w]
        return _fmt(ref + dt.timedelta(days=off), "day")
    if kind == "that_month":
        for wanted in ("month", "day"):
            for p in reversed(previous):
                if p.precision == wanted:
                    return _fmt(dt.date.fromisoformat(p.date), "month")
        return None
    return None


def find_dates(text: str, reference: dt.date | None) -> list[DateMention]:
    """Every temporal expression in ``text`` resolved against ``reference`` (sorted, non-overlapping).

    Absolute dates ("21/01/2022", "8 November 2022") resolve without a reference; relative ones need it.
    """
    cands: list[tuple[int, int, int, str, re.Match[str], tuple[str, str] | None]] = []
    for order, (kind, pat) in enumerate(PATTERNS):
        for m in pat.finditer(text):
            if m.end() <= m.start():
                continue
            r = None if kind == "that_month" else _resolve_match(kind, m, text, reference, [])
            if r is None and kind != "that_month":
                continue  # an unresolvable reading must not block another one ("Minggu lalu")
            cands.append((m.start(), m.end(), order, kind, m, r))
    # longest first, then leftmost, then pattern order; keep non-overlapping
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
    occupied: list[tuple[int, int]] = []
    chosen = []
    for c in cands:
        if any(s < c[1] and c[0] < e for s, e in occupied):
            continue
        occupied.append((c[0], c[1]))
        chosen.append(c)
    chosen.sort(key=lambda c: c[0])
    out: list[DateMention] = []
    for s, e, _order, kind, m, r in chosen:
        if kind == "that_month":
            r = _resolve_match(kind, m, text, reference, out)
            if r is None:
                continue
        while e > s and text[e - 1] in " ,":
            e -= 1
        out.append(DateMention(s, e, text[s:e], r[0], r[1]))
    return out


@lru_cache(maxsize=4096)
def _dateparser(expr: str, reference: dt.date) -> str | None:
    try:
        import dateparser
    except ImportError:  # pragma: no cover
        return None
    base = dt.datetime(reference.year, reference.month, reference.day, 23, 59)
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": base,
        "PREFER_DAY_OF_MONTH": "first",
    }
    got = dateparser.parse(expr, languages=["id", "en"], settings=settings)
    return got.date().isoformat() if got else None


def resolve(expr: str, reference: dt.date | None) -> tuple[str, str] | None:
    """Resolve one expression: the hand-written finders first, then dateparser (day precision)."""
    ms = find_dates(expr, reference)
    if ms:
        best = max(ms, key=lambda d: d.end - d.start)
        return best.date, best.precision
    if reference is None or not expr.strip():
        return None
    got = _dateparser(expr.strip(), reference)
    return (got, "day") if got else None


def _as_date(value: Any) -> dt.date | None:
    """The day of a publication value (checked by ``normalise_published``); None if missing or unusable."""
    from pantau.dates.published import normalise_published

    try:
        got = normalise_published(value)
    except ValueError:
        return None
    return dt.date.fromisoformat(got[:10]) if got else None


def reference_date(article: Any) -> dt.date | None:
    """The article's publication day, or None.

    No fallback to the clock (results would depend on the run day) nor to a date found in the text (the
    latest date an article mentions is often not its own day; cleaning already reads timestamp lines
    such as "Kompas.com - 21/01/2022, 16:01 WIB" into ``published``). Without it, relative expressions
    stay unresolved and absolute ones still resolve (:func:`find_dates` with ``reference=None``).
    """
    return _as_date(getattr(article, "published", None))


__all__ = ["DateMention", "find_dates", "resolve", "reference_date", "last_weekday", "monday", "add_months"]
