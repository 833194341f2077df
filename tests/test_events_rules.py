"""The rule coder's coding units and its per-unit failure guard (issue 20, item 2).

Texts are written for these tests: a related-article headline glued between two story sentences,
ending in a hyphen compound whose second half is a country ("Rusia-Ukraina").
"""

from __future__ import annotations

import logging

from pantau.events import analyse
from pantau.events.lexicon import load
from pantau.events.rules.sentence import SentenceCoder
from pantau.events.rules.units import coding_units
from pantau.events.text import sentences
from pantau.records import Article, Entity

HEADLINE = "Warga Eropa Menolak Pengungsi Baru dari Rusia-Ukraina"
TEXT = (
    "Pasukan Rusia menembakkan puluhan rudal ke Kyiv pada Senin."
    + HEADLINE
    + ' "Kami akan terus membantu," kata Macron. Prancis mengirim bantuan ke Ukraina.'
)


def _ent(text: str, name: str, code: str, label: str = "LOC", after: int = 0) -> Entity:
    start = text.index(name, after)
    return Entity(name, label, start, start + len(name), code=code)


def _events(text: str = TEXT):
    _, events, _ = analyse(Article(id="glued", text=text, published="2025-03-04"), None)
    return {(e.type, tuple(a.code for a in e.actor), tuple(r.code for r in e.recipient)) for e in events}


def test_headline_ending_in_a_compound_with_a_country_is_cut_whole():
    h = TEXT.index(HEADLINE)
    ents = [
        _ent(TEXT, "Rusia", "RUS", after=h),  # both halves of "Rusia-Ukraina" are names; the last
        _ent(TEXT, "Ukraina", "UKR", after=h),  # one ends the headline inside its only token
    ]
    units = [TEXT[a:b] for a, b in coding_units(TEXT, sentences(TEXT), ents, load())]
    assert not any("Menolak" in u or "Rusia-Ukraina" in u for u in units), units
    assert '"Kami akan terus membantu," kata Macron.' in units


def test_name_closing_a_headline_still_opens_the_story_sentence():
    text = "Kabar Terkini Menteri Baru Pemerintahan Jepang Tokyo menolak tuduhan itu."
    ents = [_ent(text, "Jepang", "JPN"), _ent(text, "Tokyo", "JPN")]
    units = [text[a:b] for a, b in coding_units(text, sentences(text), ents, load())]
    assert units == ["Tokyo menolak tuduhan itu."]


def test_article_with_such_a_headline_is_coded_not_lost():
    events = _events()
    assert ("ASSAULT", ("RUS",), ("UKR",)) in events
    assert ("AID", ("FRA",), ("UKR",)) in events


def test_a_unit_that_raises_loses_only_its_own_events(monkeypatch, caplog):
    real = SentenceCoder.code

    def code(self, ti, hit):
        if "bantuan" in self.lows:
            raise ValueError("a rule broke on this unit")
        return real(self, ti, hit)

    monkeypatch.setattr(SentenceCoder, "code", code)
    with caplog.at_level(logging.WARNING, logger="pantau.events.rules"):
        events = _events()
    assert ("ASSAULT", ("RUS",), ("UKR",)) in events
    assert not any(typ == "AID" for typ, _, _ in events)
    assert any("glued" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_an_undated_event_takes_the_day_the_article_names_most():
    """No date in the clause or paragraph: the day the article names most often (not a later one, not
    the first in the lead) dates the event, before the day of publication does."""
    from datetime import date

    from pantau.dates import DateMention
    from pantau.events.rules.dating import fallback_dates, most_named_day
    from pantau.records import Event, Span

    text = ("Manila, Kamis (16/3/2023) - Laporan ini tiba sore hari.\n"
            "Polisi Filipina menangkap dua orang, Selasa (14/3/2023).\n"
            "Penangkapan Selasa (14/3/2023) itu disusul razia.\n"
            "Pada Jumat (17/3/2023) sidang digelar.\n"
            "Polisi menahan keduanya di Manila.")
    days = {"Kamis (16/3/2023)": "2023-03-16", "Selasa (14/3/2023)": "2023-03-14",
            "Jumat (17/3/2023)": "2023-03-17"}
    mentions, pos = [], 0
    for label in ("Kamis (16/3/2023)", "Selasa (14/3/2023)", "Selasa (14/3/2023)", "Jumat (17/3/2023)"):
        pos = text.index(label, pos)
        mentions.append(DateMention(pos, pos + len(label), label, days[label], "day"))
        pos += len(label)
    ref = date(2023, 3, 16)
    # a later day, named twice as well, never dates a past act
    assert most_named_day(mentions + mentions[-1:], ref) == "2023-03-14"
    assert most_named_day([], ref) is None
    start = text.index("Polisi menahan")
    ev = Event("e", "COERCE", [Entity("Polisi Filipina", "ORG", 0, 15, "PHL", "COP")],
               evidence=[Span(start, start + 14, "Polisi menahan")], pattern="p")
    fallback_dates([ev], mentions, text, ref)
    assert (ev.date, ev.date_precision) == ("2023-03-14", "day")
    assert "names most" in ev.pattern
