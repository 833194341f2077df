"""The NLP's memory zone (``pantau.nlp.memory_zone``): a long-running process (``pantau watch``, the
API's ingest worker) keeps the model's vocabulary, not every word, name and lemma it ever read, and the
results are the same as without the zone."""

from __future__ import annotations

import threading

import pytest

from pantau import nlp, pipeline
from pantau.pipeline import Stages
from pantau.records import RawRecord

# self-written; the invented names and words are in no model or list, so a parse adds them as strings
TEXTS = [
    "Menteri Pertahanan Zulvandia, Brakomir Tesselhoff, menuduh Rusia menyerang kota Qarnavel pada Senin "
    "(4/3/2024). Kyiv menyangkal klaim tersebut dan meminta PBB mengirim tim penyelidik.",
    "Presiden Indonesia bertemu Perdana Menteri Jepang di Jakarta pada Selasa. Keduanya sepakat "
    "mempererat kemitraan maritim, kata juru bicara Ghulvaretti Mondrassa kepada wartawan.",
    "Ribuan warga berunjuk rasa di depan gedung parlemen Vellomir menolak kenaikan harga bahan bakar. "
    "Aparat menyemprotkan gas pedih ke kerumunan, dan tiga orang ditahan, menurut saksi Trunadewi Ozkarimba.",
]
INVENTED = ["Zulvandia", "Tesselhoff", "Qarnavel", "Ghulvaretti", "Mondrassa", "Vellomir", "Ozkarimba"]


def records() -> list[RawRecord]:
    return [
        RawRecord(source="mem.jsonl", line=i + 1, id=f"mem{i}", published="2024-03-05", text=t)
        for i, t in enumerate(TEXTS)
    ]


def pairs(stages: Stages) -> list:
    recs = records()
    return list(zip(recs, stages.clean_many(recs), strict=True))


def outputs(results: list) -> list[dict]:
    return [r.to_dict() for r in results]


@pytest.fixture
def warm(monkeypatch):
    pipeline.warm_up()
    monkeypatch.setattr(nlp, "VOCAB_GROWTH", 0)  # zones from the first batch (see the last test)
    return nlp.load()


def test_a_batch_leaves_the_vocabulary_as_it_was(warm):
    strings = warm.vocab.strings
    before = len(strings)
    stages = Stages("2024-03-05")
    first = outputs(stages.analyse_many(pairs(stages)))
    assert len(strings) == before  # grew by every new word, name and lemma before the zone
    assert not any(w in strings for w in INVENTED)
    assert any(e["events"] for e in first) and any("Tesselhoff" in str(e["entities"]) for e in first)
    # the next batch reads the same words again after their strings were freed: the same output
    again = outputs(stages.analyse_many(pairs(stages)))
    assert again == first
    # and the same as parsing without a zone (``analyse`` on Docs made outside one)
    plain_pairs = pairs(stages)
    docs = pipeline.parse_many([r for _, r in plain_pairs])
    plain = outputs([pipeline.analyse(r, d) for (_, r), d in zip(plain_pairs, docs, strict=True)])
    assert plain == first


def test_process_all_frees_each_chunk(warm):
    strings = warm.vocab.strings
    with nlp.memory_zone():  # what an earlier test (the plain parse above) added goes first
        pass
    before = len(strings)
    out = outputs(list(pipeline.process_all(records(), "2024-03-05")))
    assert len(strings) == before
    assert any(e["events"] for e in out)
    assert out == outputs(list(pipeline.process_all(records(), "2024-03-05")))


def test_zones_nest_and_other_threads_wait(warm):
    strings = warm.vocab.strings
    seen: list[bool] = []
    with nlp.memory_zone():
        with nlp.memory_zone():  # an inner block runs in the outer zone (spaCy's zones cannot nest)
            doc = nlp.parse("Delegasi Pravoskir tiba di Bandung.")
            assert doc[1].text == "Pravoskir" and "Pravoskir" in strings
        assert "Pravoskir" in strings  # the outer zone still holds it

        def other() -> None:
            with nlp.memory_zone():
                seen.append("Pravoskir" in strings)

        t = threading.Thread(target=other)
        t.start()
        t.join(0.3)
        assert t.is_alive()  # waits for this thread's zone to end
    t.join(10)
    assert seen == [False]


def test_the_vocabulary_learns_up_to_its_allowance_then_stays(warm, monkeypatch):
    strings = warm.vocab.strings
    base = len(strings) - 5  # as if the model had loaded with 5 fewer strings: 5 more may be learnt
    monkeypatch.setitem(nlp._BASE_STRINGS, id(warm.vocab), base)
    monkeypatch.setattr(nlp, "VOCAB_GROWTH", 10)
    texts = [
        "Wali kota Drumvelka, Ostrapine Kelvadoru, membuka pasar baru di Semarang pada Rabu.",
        "Gubernur Plenhavik, Yorvadeni Muschtal, meresmikan jembatan di Medan pada Kamis.",
    ]
    recs = [RawRecord(source="m", line=i, id=f"grow{i}", published="2024-03-06", text=t) for i, t in
            enumerate(texts)]
    stages = Stages("2024-03-06")
    cleaned = stages.clean_many(recs)
    first = outputs(stages.analyse_many([(recs[0], cleaned[0])]))  # below the allowance: no zone
    learnt = len(strings)
    assert learnt > base + 10 and "Kelvadoru" in strings
    second = outputs(stages.analyse_many([(recs[1], cleaned[1])]))  # past it: freed after the batch
    assert len(strings) == learnt and "Muschtal" not in strings
    assert first[0]["article"]["id"] == "grow0" and second[0]["article"]["id"] == "grow1"
