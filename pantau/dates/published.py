"""One rule for what an article's publication date is: :func:`normalise_published`.

Why: relative expressions ("kemarin", "pekan lalu") are resolved against the publication date, so an
unchecked value ("20240101", an epoch number, "2024-02-30") either broke the output schema or moved
every relative date. Every source of a publication date (the input's ``published`` field, a timestamp
line in the text, the HTML page's date, the caller's default) goes through this function.

Accepted (forms and bounds in ``data/published.yaml``; month and weekday names from ``calendar.yaml``):

* ISO dates and datetimes, with or without seconds, fraction and zone: "2024-02-12",
  "2024-02-12T10:00:00+07:00", "2024-02-12 10:00", also "2024/02/12";
* day-first dates as Indonesian outlets write them: "12/02/2024", "12-02-2024", "12.02.2024",
  "Senin, 12 Februari 2024 10:00 WIB", "12 Feb 2024 pukul 10.00", "Mon, 12 Feb 2024 10:00:00 +0700";
  "February 12, 2024";
* Unix epoch seconds (9-10 digits) or milliseconds (13 digits), as a number or a digit string;
* "YYYYMMDD" (8 digits, e.g. "20240101"): unambiguous, 8-digit epoch seconds lie before 1990;
* other absolute forms dateparser reads with day, month and year all given (relative ones such as
  "2 jam yang lalu" are refused: they depend on when they were read).

Output: "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM" when a time is given (the schema's pattern accepts both).
The time is the outlet's local wall clock when given in an Indonesian zone (WIB/WITA/WIT or
+07/+08/+09); other zones and epoch numbers are converted to WIB. Seconds and offset are dropped.

Refused with ValueError (the message says why): impossible dates ("2024-02-30", "2024-13-01"),
years outside the bounds, times such as 25:00, digit strings of other lengths, anything else.
Missing values (None, "", whitespace) give None without an error.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent / "data"
INVALID_FLAG = "invalid_published"  # Article.flags entry: a given publication date was refused


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with libyaml's C parser where PyYAML has it (7-10x faster, the same data:
    tests/test_clean.py compares both on every data file)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))



def _load() -> tuple[dict[str, Any], dict[str, Any]]:
    cal = load_yaml((DATA / "calendar.yaml").read_text(encoding="utf-8"))
    pub = load_yaml((DATA / "published.yaml").read_text(encoding="utf-8"))
    return cal, pub


_CAL, _PUB = _load()
YEAR_MIN, YEAR_MAX = int(_PUB["years"]["min"]), int(_PUB["years"]["max"])
SECONDS_DIGITS = {int(n) for n in _PUB["epoch"]["seconds_digits"]}
MILLIS_DIGITS = {int(n) for n in _PUB["epoch"]["millis_digits"]}
COMPACT_DIGITS = int(_PUB["epoch"]["compact_date_digits"])


def _offset(text: str) -> dt.timezone:
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if not m:
        raise ValueError(f"bad offset {text!r} in published.yaml")
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return dt.timezone(dt.timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


DEFAULT_TZ = _offset(_PUB["default_offset"])
ZONES = {k.upper(): _offset(v) for k, v in _PUB["zones"].items()}
LOCAL = {_offset(v).utcoffset(None) for v in _PUB["local_offsets"]}
MONTH = {m.lower(): int(n) for n, ms in _CAL["months"].items() for m in ms}
WEEKDAYS = [w for ws in _CAL["weekdays"].values() for w in ws] + list(_PUB["weekdays_en"])


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WD = rf"(?:(?:{_alt(WEEKDAYS)})\.?\s*,?\s*)?"
_TZ = rf"(?:\s*(?P<tz>{_alt(ZONES)}|[+-]\d{{2}}:?\d{{2}}))?"
_TIME = (
    rf"(?:(?:\s*[,|-]\s*|\s+)(?:(?:{_alt(_PUB['time_words'])})\s+)?"
    r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.]\d{2}(?:\.\d+)?)?)?"
)
_MO = _alt(MONTH)
FORMS: list[re.Pattern[str]] = [
    # 2024-02-12, 2024-02-12T10:00:00.5+07:00, 2024/02/12 10:00
    re.compile(
        r"(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
        r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?)?" + _TZ,
        re.I,
    ),
    # 12/02/2024, Senin, 12-02-2024 10:00 WIB
    re.compile(
        rf"{_WD}(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_TIME}{_TZ}", re.I
    ),
    # Senin, 12 Februari 2024 10:00 WIB; Mon, 12 Feb 2024 10:00:00 +0700
    re.compile(rf"{_WD}(?P<d>\d{{1,2}})\s+(?P<mo>{_MO})\.?,?\s+(?P<y>\d{{4}}){_TIME}{_TZ}", re.I),
    # February 12, 2024 10:00
    re.compile(rf"{_WD}(?P<mo>{_MO})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){_TIME}{_TZ}", re.I),
]
_NUMBER = re.compile(r"(?P<int>\d+)(?:\.\d+)?")


def _fmt(d: dt.datetime | dt.date, with_time: bool) -> str:
    if with_time and isinstance(d, dt.datetime):
        return d.strftime("%Y-%m-%dT%H:%M")
    return (d.date() if isinstance(d, dt.datetime) else d).isoformat()


def _check_year(y: int, shown: str) -> None:
    if not YEAR_MIN <= y <= YEAR_MAX:
        raise ValueError(f"publication date {shown!r}: year {y} outside {YEAR_MIN}-{YEAR_MAX}")


def _build(shown: str, y: int, mo: int, d: int, hh: str | None, mm: str | None, tz: str | None) -> str:
    """Validated ISO text from parts; an impossible date or time raises ValueError."""
    _check_year(y, shown)
    try:
        day = dt.date(y, mo, d)
    except ValueError as exc:
        ymd = f"{y:04d}-{mo:02d}-{d:02d}"
        raise ValueError(f"publication date {shown!r}: impossible date {ymd} ({exc})") from None
    if hh is None or mm is None:
        return day.isoformat()
    if int(hh) > 23 or int(mm) > 59:
        raise ValueError(f"publication date {shown!r}: impossible time {hh}:{mm}")
    when = dt.datetime(y, mo, d, int(hh), int(mm))
    if tz:
        zone = ZONES.get(tz.upper()) or _offset(tz)
        if zone.utcoffset(None) not in LOCAL:  # UTC and foreign zones: the outlet's (WIB) day and time
            when = when.replace(tzinfo=zone).astimezone(DEFAULT_TZ).replace(tzinfo=None)
    return _fmt(when, True)


def _epoch(seconds: float, shown: str) -> str:
    when = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).astimezone(DEFAULT_TZ)
    _check_year(when.year, shown)
    return _fmt(when.replace(tzinfo=None), True)


def _digits(s: str, shown: str) -> str:
    m = _NUMBER.fullmatch(s)
    assert m is not None
    n = len(m.group("int"))
    if n == COMPACT_DIGITS and s.isdigit():
        return _build(shown, int(s[:4]), int(s[4:6]), int(s[6:8]), None, None, None)
    if n in SECONDS_DIGITS:
        return _epoch(float(s), shown)
    if n in MILLIS_DIGITS:
        return _epoch(float(s) / 1000, shown)
    raise ValueError(
        f"publication date {shown!r}: a number of {n} digits is neither YYYYMMDD nor epoch (ms) seconds"
    )


@lru_cache(maxsize=1024)
def _dateparser(s: str) -> str | None:
    """dateparser for other absolute forms; day, month and year must be written, relative forms refused."""
    try:
        import dateparser
    except ImportError:  # pragma: no cover
        return None
    settings: dict[str, Any] = {
        "PARSERS": ["absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
        "STRICT_PARSING": True,
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": dt.datetime(2000, 1, 1),  # never the clock
        "RETURN_AS_TIMEZONE_AWARE": False,
        "TIMEZONE": "+0700",  # a time without zone is WIB, not the machine's zone
        "TO_TIMEZONE": "+0700",
    }
    got = dateparser.parse(s, languages=["id", "en"], settings=settings)
    if got is None:
        return None
    _check_year(got.year, s)
    return _fmt(got, bool(re.search(r"\d[:.]\d{2}", s)))


def normalise_published(value: object) -> str | None:
    """The publication date as "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM".

    None when missing; ValueError (saying why) when unusable.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"publication date {value!r}: a boolean is not a date")
    if isinstance(value, dt.datetime):
        return _build(str(value), value.year, value.month, value.day, f"{value.hour}", f"{value.minute}",
                      value.strftime("%z") or None)  # fmt: skip
    if isinstance(value, dt.date):
        return _build(str(value), value.year, value.month, value.day, None, None, None)
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"publication date {value!r}: not a number")
        return _digits(str(int(value)) if float(value).is_integer() else repr(value), str(value))
    if not isinstance(value, str):
        raise ValueError(f"publication date {value!r}: a {type(value).__name__} is not a date")
    s = " ".join(value.split())
    if not s:
        return None
    if _NUMBER.fullmatch(s):
        return _digits(s, value)
    for rx in FORMS:
        m = rx.fullmatch(s)
        if m:
            g = m.groupdict()
            mo = int(g["m"]) if g.get("m") else MONTH[g["mo"].lower()]
            return _build(value, int(g["y"]), mo, int(g["d"]), g.get("H"), g.get("M"), g.get("tz"))
    got = _dateparser(s)
    if got is None:
        raise ValueError(
            f"publication date {value!r}: not a recognised date (ISO, DD/MM/YYYY, '12 Februari 2024', epoch)"
        )
    return got


def choose_published(
    candidates: Iterable[tuple[str, object]], where: str = ""
) -> tuple[str | None, list[str]]:
    """The first usable candidate (label, value), normalised, and flags for refused ones.

    Candidates are tried in order (given metadata first); a refused value is logged with its reason and
    flagged ``invalid_published`` on the article, and the next candidate is tried. Lazy: candidates after
    the first usable one are not computed.
    """
    flags: list[str] = []
    for label, value in candidates:
        try:
            got = normalise_published(value)
        except ValueError as exc:
            log.warning("%s%s refused (%s); not used", f"{where}: " if where else "", label, exc)
            if INVALID_FLAG not in flags:
                flags.append(INVALID_FLAG)
            continue
        if got is not None:
            return got, flags
    return None, flags


__all__ = ["normalise_published", "choose_published", "INVALID_FLAG"]
