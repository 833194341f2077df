"""Language identification: Indonesian vs Malay vs English vs other, on seeds, corpus and own sentences."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pantau.clean import clean_article
from pantau.clean.language import detect, sample_sentences
from pantau.ingest import read_inputs
from pantau.records import RawRecord

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus" / "news_id.jsonl.gz"

# Own sentences (not corpus text).
ENGLISH = (
    "The foreign ministry said on Tuesday that the embassy would remain closed until further notice. "
    "Officials warned citizens to avoid large gatherings and to follow local news. "
    "The decision follows a week of rising tension along the border."
)
MALAY = (
    "Kerajaan Malaysia berkata bahawa pejabat kedutaan akan ditutup sehingga notis selanjutnya. "
    "Menteri Luar Negeri berkata rakyat Malaysia di negara itu boleh menghubungi jabatan berkenaan. "
    "Kenyataan itu dikeluarkan selepas mesyuarat kabinet semalam kerana keadaan semakin tegang."
)
INDONESIAN = (
    "Pemerintah Indonesia mengatakan bahwa kantor kedutaan akan ditutup sampai pemberitahuan lebih lanjut. "
    "Menteri Luar Negeri mengatakan warga negara Indonesia di sana bisa menghubungi kantor perwakilan. "
    "Pernyataan itu disampaikan setelah rapat kabinet kemarin karena situasi semakin tegang."
)
GERMAN = (
    "Die Regierung teilte am Dienstag mit, dass die Botschaft bis auf Weiteres geschlossen bleibt. "
    "Die Bürger sollen große Menschenansammlungen meiden und die lokalen Nachrichten verfolgen."
)


def test_own_sentences():
    assert detect(INDONESIAN)[0] == "id"
    assert detect(MALAY)[0] == "ms"
    assert detect(ENGLISH)[0] == "en"
    assert detect(GERMAN)[0] == "other"
    code, conf = detect(INDONESIAN)
    assert 0.5 < conf <= 1.0


def test_indonesian_outlet_pushes_to_indonesian_but_not_english():
    # A short, ambiguous Indonesian/Malay line: the outlet evidence decides.
    ambiguous = (
        "Polis menahan dua lelaki di ibu kota pada malam itu. Mereka dibawa ke balai untuk siasatan lanjut."
    )
    assert detect(ambiguous, indonesian_outlet=True)[0] == "id"
    # English stays English even from an Indonesian outlet.
    assert detect(ENGLISH, indonesian_outlet=True)[0] == "en"


def test_no_letters():
    assert detect("12345 -- 678") == ("und", 0.0)


def test_non_indonesian_article_flagged():
    art = clean_article(RawRecord(source="t", text=ENGLISH))
    assert art.language == "en" and "non_indonesian" in art.flags
    art = clean_article(RawRecord(source="t", text=INDONESIAN))
    assert art.language == "id" and art.flags == []
    assert art.language_confidence and art.language_confidence > 0.5


def test_sentence_sampling_is_bounded():
    text = " ".join(f"Kalimat nomor {i} ini cukup panjang untuk dinilai bahasanya." for i in range(200))
    sample = sample_sentences(text)
    assert 1 <= len(sample) <= 3 and all(len(s) <= 220 for s in sample)


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/ not available")
def test_seeds_are_indonesian():
    for rec in read_inputs([str(SEEDS)]):
        art = clean_article(rec)
        assert art.language == "id", rec.source
        assert "non_indonesian" not in art.flags


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")
def test_corpus_share_indonesian():
    """All corpus articles are Indonesian; over a 1-in-5 sample at least 99% must be judged "id"."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for i, line in enumerate(fh) if i % 5 == 0]
    judged = [detect(d["text"], indonesian_outlet=True)[0] for d in docs]
    share = judged.count("id") / len(judged)
    assert share > 0.99, share
    # without the outlet evidence lingua + markers alone still get the large majority
    plain = [detect(d["text"])[0] for d in docs[::4]]
    assert plain.count("id") / len(plain) > 0.95
