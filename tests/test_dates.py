"""Dates: Indonesian temporal expressions resolved against the reference date.

Explicit cases come from the seed articles (shared/seeds) and common news phrasing; hypothesis
checks the calendar arithmetic across month and year boundaries.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.dates import find_dates, reference_date, resolve
from pantau.records import Article

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds" / "seeds.jsonl"
CORPUS = SHARED / "corpus" / "news_id.jsonl.gz"

REF = dt.date(2022, 1, 21)  # a Friday (seed 004)
WEEKDAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
days = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2035, 12, 31))


def seed(i: int) -> dict:
    if not SEEDS.exists():
        pytest.skip("shared/seeds not available")
    return [json.loads(line) for line in SEEDS.read_text(encoding="utf-8").splitlines()][i]


@pytest.mark.parametrize(
    "expr,ref,date,precision",
    [
        ("Rabu (20/11/2024)", dt.date(2024, 11, 21), "2024-11-20", "day"),
        ("Kamis (20/1)", REF, "2022-01-20", "day"),
        ("pada (20/1)", dt.date(2022, 1, 10), "2021-01-20", "day"),  # would be after reference
        ("Kamis (20/1)", dt.date(2022, 1, 10), "2022-01-20", "day"),  # but the weekday fits 2022
        ("Sabtu (18/1)", dt.date(2025, 1, 8), "2025-01-18", "day"),
        ("26 Mei mendatang", dt.date(2026, 5, 25), "2026-05-26", "day"),
        ("Jumat (21/1/2022)", REF, "2022-01-21", "day"),
        ("21/01/2022, 16:01 WIB", None, "2022-01-21", "day"),
        ("Rabu (20 November)", dt.date(2024, 11, 21), "2024-11-20", "day"),
        ("20 November 2024", None, "2024-11-20", "day"),
        ("8 November 2022", None, "2022-11-08", "day"),
        ("pada hari Selasa", REF, "2022-01-18", "day"),
        ("Jumat", REF, "2022-01-21", "day"),  # the reference day itself
        ("Jumat lalu", REF, "2022-01-14", "day"),
        ("Selasa lalu", REF, "2022-01-18", "day"),
        ("Jumat pekan lalu", REF, "2022-01-14", "day"),
        ("kemarin", REF, "2022-01-20", "day"),
        ("hari ini", REF, "2022-01-21", "day"),
        ("pekan lalu", REF, "2022-01-10", "week"),
        ("minggu lalu", REF, "2022-01-10", "week"),
        ("Minggu lalu", REF, "2022-01-10", "week"),
        ("Awal pekan ini", REF, "2022-01-17", "week"),
        ("bulan lalu", REF, "2021-12-01", "month"),
        ("September 2022", None, "2022-09-01", "month"),
        ("bulan September 2022 lalu", None, "2022-09-01", "month"),
        ("Februari lalu", dt.date(2022, 11, 8), "2022-02-01", "month"),
        ("awal November", dt.date(2022, 11, 8), "2022-11-01", "month"),
        ("tahun lalu", REF, "2021-01-01", "year"),
        ("tahun 2016", None, "2016-01-01", "year"),
        ("dua hari lalu", REF, "2022-01-19", "day"),
        ("tiga pekan lalu", REF, "2021-12-27", "week"),
        ("sepekan lalu", REF, "2022-01-10", "week"),
        ("pada hari Minggu", REF, "2022-01-16", "day"),
        ("Minggu (16/1)", REF, "2022-01-16", "day"),
    ],
)
def test_resolve(expr, ref, date, precision):
    assert resolve(expr, ref) == (date, precision)


def test_weekday_fixes_a_wrong_month_and_future_cues():
    # "Sabtu (7/11)" in an article of 8 December 2024: 7 December was the Saturday
    assert resolve("Sabtu (7/11)", dt.date(2024, 12, 8)) == ("2024-12-07", "day")
    t = "Trump akan melakukan kunjungan kenegaraan dari tanggal 13 hingga 15 Mei."
    assert [(d.text, d.date) for d in find_dates(t, dt.date(2026, 5, 12))] == [
        ("13 hingga 15 Mei", "2026-05-13")
    ]
    assert find_dates("Ia tiba pada 15 Mei.", dt.date(2026, 5, 12))[0].date == "2025-05-15"


def test_dateparser_fallback_for_other_forms():
    assert resolve("January 5, 2023", dt.date(2023, 2, 1)) == ("2023-01-05", "day")


def test_numbers_are_not_dates():
    text = "Israel siagakan 40.000 personel di perbatasan, 215 km dari Lebanon; 7 miliar dolar, 12/3 suara."
    assert find_dates(text, REF) == []


def test_war_day_counts():
    t = "Kabar Perang Rusia vs Ukraina hari ke-300 pada Selasa (20/12/2022): Kyiv gelar perundingan"
    got = {(d.text, d.date) for d in find_dates(t, dt.date(2022, 12, 20))}
    assert ("hari ke-300", "2022-12-20") in got and ("Selasa (20/12/2022)", "2022-12-20") in got
    t = "Kyiv menandai hari ke-1.000 invasi Rusia dengan upacara sederhana."
    assert [(d.date, d.precision) for d in find_dates(t, dt.date(2024, 11, 21))] == [("2024-11-19", "day")]
    t = "Serangan Israel ke Gaza memasuki hari ke-100."
    assert find_dates(t, dt.date(2024, 1, 20))[0].date == "2024-01-14"
    assert find_dates("Festival itu memasuki hari ke-3.", dt.date(2024, 1, 20)) == []  # no named war


def test_seed_004_dates():
    s = seed(4)
    got = [(d.text, d.date, d.precision) for d in find_dates(s["text"], dt.date(2022, 1, 21))]
    assert ("Jumat (21/1/2022)", "2022-01-21", "day") in got
    assert ("Kamis (20/1/2022)", "2022-01-20", "day") in got
    assert ("Awal pekan ini", "2022-01-17", "week") in got


def test_seed_000_monday_and_seed_002_that_month():
    got = {d.text: d.date for d in find_dates(seed(0)["text"], dt.date(2024, 11, 21))}
    assert got["hari Senin"] == "2024-11-18"  # gold: the Monday before publication
    got = {d.text: (d.date, d.precision) for d in find_dates(seed(2)["text"], dt.date(2022, 11, 8))}
    assert got["pada bulan itu"] == ("2022-09-01", "month")  # the September just mentioned
    assert got["pekan lalu"] == ("2022-10-31", "week")


def test_spans_are_exact_and_sorted():
    s = seed(1)
    ds = find_dates(s["text"], dt.date(2024, 11, 21))
    assert ds and all(s["text"][d.start : d.end] == d.text for d in ds)
    assert [d.start for d in ds] == sorted(d.start for d in ds)
    assert all(a.end <= b.start for a, b in zip(ds, ds[1:], strict=False))


def test_reference_date():
    assert reference_date(Article(id="a", text="x", published="2024-11-21T08:00:00+07:00")) == dt.date(
        2024, 11, 21
    )
    # no publication date: no reference (not the clock, not the latest date the text mentions; cleaning
    # reads timestamp lines such as this one into ``published`` before)
    text = "Tempo.co - 14/03/2023, 09:30 WIB. Sebelumnya, pada Senin (13/3/2023), Retno ..."
    assert reference_date(Article(id="b", text=text)) is None
    assert reference_date(Article(id="c", text="Tanpa tanggal sama sekali.")) is None
    assert reference_date(Article(id="d", text="x", published="2024-02-30")) is None
    assert reference_date(Article(id="e", text="x", published="20240101")) == dt.date(2024, 1, 1)


# ------------------------------------------------------------------ property tests
@settings(max_examples=300, deadline=None)
@given(ref=days, wd=st.integers(0, 6), lalu=st.booleans())
def test_weekday_is_latest_on_or_before_reference(ref, wd, lalu):
    name = WEEKDAYS[wd]
    expr = f"pada hari {name}" + (" lalu" if lalu else "")
    date, precision = resolve(expr, ref)
    d = dt.date.fromisoformat(date)
    assert precision == "day" and d.weekday() == wd
    assert d <= ref and (ref - d).days < 7 + (1 if lalu else 0)
    if lalu:
        assert d < ref


@settings(max_examples=300, deadline=None)
@given(ref=days)
def test_month_and_week_arithmetic(ref):
    month, p = resolve("bulan lalu", ref)
    first = ref.replace(day=1)
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    assert (month, p) == (prev.isoformat(), "month")
    if ref.month == 1:
        assert month == f"{ref.year - 1}-12-01"
    week, p = resolve("pekan lalu", ref)
    w = dt.date.fromisoformat(week)
    assert p == "week" and w.weekday() == 0
    assert w.isocalendar()[:2] == (ref - dt.timedelta(days=7)).isocalendar()[:2]
    year, p = resolve("tahun lalu", ref)
    assert (year, p) == (f"{ref.year - 1}-01-01", "year")
    n_days, _ = resolve("tiga hari lalu", ref)
    assert dt.date.fromisoformat(n_days) == ref - dt.timedelta(days=3)


@settings(max_examples=300, deadline=None)
@given(ref=days, day=days)
def test_day_month_without_year_is_never_after_reference(ref, day):
    if day.month == 2 and day.day == 29:
        return
    got = resolve(f"pada ({day.day}/{day.month})", ref)
    assert got is not None
    d = dt.date.fromisoformat(got[0])
    assert d <= ref and (ref - d).days < 366 and (d.month, d.day) == (day.month, day.day)


def test_find_dates_is_fast_on_the_corpus():
    if not CORPUS.exists():
        pytest.skip("shared/corpus not available")
    arts = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            if a.get("text") and a.get("published"):
                arts.append(a)
            if len(arts) >= 100:
                break
    t = time.perf_counter()
    n = 0
    for a in arts:
        for d in find_dates(a["text"], dt.date.fromisoformat(a["published"][:10])):
            n += 1
            assert a["text"][d.start : d.end] == d.text
            assert d.precision in {"day", "week", "month", "year"}
            dt.date.fromisoformat(d.date)
    assert n > 50 and time.perf_counter() - t < 10


# ------------------------------------------------------------------ publication dates (issue 20)
MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), hh=st.integers(0, 23))
def test_published_forms_agree(day, hh):
    """Every accepted spelling of one day gives the same ISO day; with a WIB time, that time."""
    from pantau.dates.published import normalise_published

    wd = WEEKDAYS[day.weekday()]
    forms = [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%Y%m%d"),
        f"{wd}, {day.day} {MONTHS_ID[day.month - 1]} {day.year}",
    ]
    assert {normalise_published(f) for f in forms} == {day.isoformat()}
    stamp = f"{wd}, {day.day} {MONTHS_ID[day.month - 1]} {day.year} {hh:02d}:05 WIB"
    assert normalise_published(stamp) == f"{day.isoformat()}T{hh:02d}:05"
    # epoch seconds of that WIB time give it back
    epoch = dt.datetime(day.year, day.month, day.day, hh, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    if epoch.timestamp() >= 1e8:
        assert normalise_published(int(epoch.timestamp())) == f"{day.isoformat()}T{hh:02d}:05"


def test_first_char_prefix_keeps_every_match():
    """The date patterns with their first-character test find exactly what the plain ones find."""
    import gzip
    import itertools
    import json
    from pathlib import Path

    from pantau.dates import PATTERNS, RAW_PATTERNS

    texts = [
        "Pada hari Senin (8/1/2024) dan Jum'at pekan lalu, 2 hari yang lalu; AWAL BULAN MEI 2020.",
        "ſenin \u212aamis 3 mei; Rabu, 13-15 Mei 2026; 2022-01-21 dan 21/01/2022; hari ke-258; kemarin lusa.",
        "tiga tahun silam, sepekan lalu, akhir pekan ini, pada bulan itu, tahun 2016, September lalu.",
    ]
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "news_id.jsonl.gz"
    if corpus.exists():
        with gzip.open(corpus, "rt", encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in itertools.islice(fh, 300)]
    assert any(p is not r for (_, p), (_, r) in zip(PATTERNS, RAW_PATTERNS, strict=True))
    for (kind, fast), (_, plain) in zip(PATTERNS, RAW_PATTERNS, strict=True):
        for text in texts:
            got = [(m.span(), m.groupdict()) for m in fast.finditer(text)]
            assert got == [(m.span(), m.groupdict()) for m in plain.finditer(text)], kind


def test_first_char_prefix_leaves_unknown_patterns_alone():
    import re

    from pantau.dates.prefix import with_first_chars

    assert with_first_chars(re.compile(r"\bhari\s+ini", re.I)).pattern.startswith("(?=[h])")
    assert with_first_chars(re.compile(r"(?:\d+|se)\s+hari")).pattern.startswith(r"(?=[\ds])")
    for kept in (r"(a)?\1b", r"[^a]b", r"(?i:x)y", r"a*", r"(?i)abc", r".b"):
        pattern = re.compile(kept)
        assert with_first_chars(pattern) is pattern
