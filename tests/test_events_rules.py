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
