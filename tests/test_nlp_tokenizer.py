"""The news tokenizer on real seed/corpus text: dates, numbers, outlet marks, abbreviations, quotes."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import spacy

from pantau.nlp.tokenizer import customize

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="module")
def nlp():
    return customize(spacy.blank("id"))


def toks(nlp, text: str) -> list[str]:
    return [t.text for t in nlp.make_doc(text)]


def seed_text(prefix: str) -> str:
    files = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not files:
        pytest.skip("shared seeds not available")
    return files[0].read_text(encoding="utf-8")


def seed_line(prefix: str, needle: str) -> str:
    return next(line for line in seed_text(prefix).splitlines() if needle in line)


def test_dateline_date_time_and_outlet(nlp) -> None:
    # "Kompas.com - 21/01/2022, 16:01 WIB"
    t = toks(nlp, seed_line("004", "21/01/2022"))
    assert "Kompas.com" in t
    i = t.index("21/01/2022")
    assert t[i + 1] == "," and t[i + 2] == "16:01"


def test_numbers_whole(nlp) -> None:
    assert "100.000" in toks(nlp, seed_line("004", "100.000"))
    t = toks(nlp, seed_line("002", "18 miliar"))
    i = t.index("18")
    assert t[i + 1] == "miliar"


def test_outlet_marks_and_dashes(nlp) -> None:
    t = toks(nlp, seed_line("000", "KONTAN.CO.ID"))
    assert t[:2] == ["KONTAN.CO.ID", "–"]
    t = toks(nlp, seed_line("002", "TRIBUNGORONTALO.COM"))
    assert t[0] == "TRIBUNGORONTALO.COM" and t[1] == "-"
    assert "(" in t and "AS" in t  # "Amerika Serikat (AS)"


def test_date_in_brackets(nlp) -> None:
    t = toks(nlp, seed_line("000", "20/11/2024"))
    i = t.index("20/11/2024")
    assert t[i - 1] == "(" and t[i + 1] == ")"


def test_curly_quotes_split(nlp) -> None:
    t = toks(nlp, seed_line("000", "informasi spesifik"))
    i = t.index("informasi")
    assert t[i - 1] == "“" and t[i + 2] == "”"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Menurut Dr. Damar, hal itu wajar.", ["Menurut", "Dr.", "Damar", ","]),
        ("Kantor itu di Jl. MH Thamrin No. 5, Jakarta.", ["di", "Jl.", "MH", "Thamrin", "No.", "5", ","]),
        ("Dana dikirim a.n. Budi, dll. lalu", ["dikirim", "a.n.", "Budi", ",", "dll.", "lalu"]),
        ("Inflasi naik 2,5 persen, kata PBB.", ["naik", "2,5", "persen", ",", "kata", "PBB", "."]),
        ("Harga Rp 1.250.000,50 per unit.", ["Rp", "1.250.000,50", "per"]),
        (
            "Serangan–yang dibantah Moskwa—terjadi",
            ["Serangan", "–", "yang", "dibantah", "Moskwa", "—", "terjadi"],
        ),
        ('"Kami menolak," katanya.', ['"', "Kami", "menolak", ",", '"', "katanya", "."]),
        ("Dia bilang 'tidak'—lalu pergi.", ["bilang", "'", "tidak", "'", "—", "lalu"]),
    ],
)
def test_rules(nlp, text: str, expected: list[str]) -> None:
    t = toks(nlp, text)
    n = len(expected)
    assert any(t[i : i + n] == expected for i in range(len(t) - n + 1)), t


def test_clitics_stay_attached(nlp) -> None:
    # GSD 2.1 and the NER corpora keep -nya/-lah/-kah on the host word (see MODEL_CARD.md)
    assert toks(nlp, "katanya bukunya pulanglah apakah") == ["katanya", "bukunya", "pulanglah", "apakah"]


def test_corpus_decimal_numbers(nlp) -> None:
    path = SHARED / "corpus" / "news_id.jsonl.gz"
    if not path.exists():
        pytest.skip("corpus not available")
    pat = re.compile(r"\b\d+,\d+ persen")
    found = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            for m in pat.finditer(text):
                number = m.group(0).split()[0]
                assert number in toks(nlp, text[max(0, m.start() - 40) : m.end() + 5])
                found += 1
            if found >= 20:
                break
    assert found >= 20
