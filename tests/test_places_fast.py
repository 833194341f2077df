"""find_places' fast scan (capitalised tokens found by one regex, windows pruned by name prefixes) finds
exactly what the plain scan over every token finds: the plain scan is written out here as the reference,
run on self-written odd strings and on corpus leads read at run time (skipped when the corpus is absent)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

import pantau.places as P
from pantau.nlp.morph import in_lexicon

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "news_id.jsonl.gz"


def plain_find_places(text: str, prefer_country: str | None = None) -> list[tuple[int, int, Any]]:
    """The scan over every ``TOKEN_RE`` token that find_places replaced (text input, no Doc)."""
    if P._PERSONS is None:
        P._PERSONS = P._person_aliases()
    g = P.get_gazetteer()
    out: list[tuple[int, int, Any]] = []
    toks = [(m.start(), m.end(), m.group().rstrip(".")) for m in P.TOKEN_RE.finditer(text)]
    reach = list(range(len(toks)))
    for k in range(len(toks) - 2, -1, -1):
        if text[toks[k][1] : toks[k + 1][0]] in {" ", "-"}:
            reach[k] = reach[k + 1]
    i = 0
    while i < len(toks):
        s, _e, w = toks[i]
        if not w[:1].isupper() or w in P.STOP or w.lower() in P.CUES:
            i += 1
            continue
        found = None
        for n in range(min(g.maxlen, len(toks) - i, reach[i] - i + 1), 0, -1):
            span = text[s : toks[i + n - 1][1]].rstrip(".")
            if P._norm(span) in P._PERSONS:
                found = (n, None)
                break
            p = P._geocode_cached(span, prefer_country)
            if p is None:
                continue
            cue = (toks[i - 1][2].lower() if i > 0 else "") in P.CUES
            bare_ok = p.kind in {"exonym", "country"} or (
                p.kind == "city" and p.pop >= P.BIG_CITY and (n > 1 or not in_lexicon(span.lower()))
            )
            if (cue and (p.kind != "city_alt" or n > 1 or len(span) > 4)) or bare_ok:
                found = (n, p)
                break
        if found is None:
            i += 1
            continue
        n, p = found
        end = toks[i + n - 1][1]
        if p is not None:
            while end > s and text[end - 1] == ".":
                end -= 1
            out.append((s, end, P._loc(text[s:end], p)))
        i += n
    out.sort(key=lambda x: x[0])
    return out


# self-written: capitals inside words, after digits, "×" and "÷" (which start a token but never continue
# one), cue words with dots or numbers between, names split by other gaps, ligatures, trailing dots
ODD = [
    "Pasukan tiba di Kuala Lumpur kemarin, lalu ke Jenewa.",
    "iPhone dijual di Jakarta; 1Jakarta dan _Paris bukan nama tempat di ×Paris atau ÷Roma.",
    "Ia terbang dari 12 Moskwa ke Kota-Baru lalu ke Kota. Washington, D.C. menolak.",
    "Delegasi AS dan RI bertemu di U.S. Embassy, New  York, dan New-York.",
    "di. Kursk; ke.. Belgorod Rusia; kota Serang; di Serang; Serang menyerang.",
    "Muhammadﷺ tiba di Madinah. ΑΣ Athena dan İstanbul, dI Ankara, ke İzmir.",
    "Joko Widodo bertemu Vladimir Putin di Sochi pada Senin.",
    "DI SURABAYA, Gubernur ke Den Haag dan ke San Francisco Bay Area...",
    "",
    "×",
    "A. B. C. Jakarta.",
]


@pytest.mark.parametrize("text", ODD)
def test_fast_scan_finds_what_the_plain_scan_finds(text: str) -> None:
    for country in (None, "IDN", "US"):
        assert P.find_places(text, country) == plain_find_places(text, country)


def test_fast_scan_on_mutated_odd_strings() -> None:
    rng = random.Random(31)
    pieces = [*ODD, " ", ".", "-", "’", "1", "×", "di ", "Di ", "ke ", " 7 ", "Jakarta", "Kuala Lumpur", "AS"]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8)))
        assert P.find_places(text) == plain_find_places(text), text


def test_fast_scan_on_corpus_leads() -> None:
    if not CORPUS.exists():
        pytest.skip("shared/corpus not available")
    n = 0
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            art = json.loads(line)
            text = ((art.get("title") or "") + "\n" + (art.get("text") or ""))[:1500]
            assert P.find_places(text) == plain_find_places(text), art.get("id")
            n += 1
            if n >= 400:
                break
    assert n == 400
