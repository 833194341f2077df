"""The learned event coder: its weights' arithmetic, and what it codes on self-written news text."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from pantau.events.model import store
from pantau.events.model.linear import LinearModel
from pantau.records import RawRecord

needs_model = pytest.mark.skipif(not store.MODEL_PATH.exists(), reason="no trained event model shipped")


@pytest.mark.parametrize("n_classes", [2, 4])
def test_linear_model_reproduces_sklearn_probabilities(n_classes):
    rng = np.random.default_rng(0)
    rows = [{f"f{j}": float(rng.random()) for j in rng.choice(30, 5, replace=False)} for _ in range(200)]
    labels = [f"c{int(sum(r.values()) * 10) % n_classes}" for r in rows]
    vec = DictVectorizer()
    clf = LogisticRegression(max_iter=500).fit(vec.fit_transform(rows), labels)
    model = LinearModel.from_sklearn(vec, clf)
    again = LinearModel.from_arrays(model.to_arrays("m"), "m")
    test = rows[:20] + [{"unseen": 1.0}]
    expected = clf.predict_proba(vec.transform(test))
    assert np.allclose(again.proba(test), expected, atol=1e-5)
    assert again.classes == [str(c) for c in clf.classes_]


def _extract(text: str, published: str = "2025-03-12"):
    from pantau.pipeline import process_all

    out = list(process_all([RawRecord(source="t", id="t", text=text, published=published)]))
    assert len(out) == 1
    return out[0]


def _asserted(result, typ=None):
    real = [e for e in result.events if e.factuality in ("asserted", "future")]
    return [e for e in real if typ is None or e.type == typ]


@needs_model
def test_model_codes_an_attack_with_evidence_and_trace():
    text = ("Jakarta - Militer Israel menyerang sebuah kamp pengungsi di Jalur Gaza pada Selasa (11/3/2025), "
            "menewaskan sedikitnya 12 orang. Kementerian Luar Negeri Indonesia mengecam serangan Israel "
            "tersebut dan mendesak Dewan Keamanan PBB segera bertindak.")
    res = _extract(text)
    types = {e.type for e in _asserted(res)}
    assert "ASSAULT" in types and "ACCUSE" in types
    for ev in res.events:
        assert ev.pattern.startswith("model:trigger"), ev.pattern
        assert 0.0 < ev.confidence <= 1.0
        for span in ev.evidence:
            assert res.article.text[span.start : span.end] == span.text
    assault = next(e for e in _asserted(res, "ASSAULT"))
    assert "ISR" in {a.code for a in assault.actor}
    assert assault.date == "2025-03-11"


@needs_model
def test_model_codes_no_event_in_sport_or_market_news():
    sport = ("Persib Bandung menang 2-0 atas Persija Jakarta dalam laga lanjutan Liga 1 di Stadion Gelora "
             "Bandung Lautan Api, Minggu malam. Dua gol dicetak pada babak kedua.")
    market = ("Indeks Harga Saham Gabungan ditutup menguat 0,8 persen pada perdagangan Senin sore, didorong "
              "kenaikan saham perbankan. Nilai tukar rupiah melemah tipis terhadap dolar AS.")
    for text in (sport, market):
        assert _asserted(_extract(text)) == [], text


@needs_model
def test_model_leaves_read_also_lines_and_conditions_uncoded():
    text = ("Baca Juga: Rusia Serang Kyiv dengan Puluhan Drone\n\n"
            "Menteri Pertahanan Jepang mengatakan negaranya akan membalas jika Korea Utara menembakkan rudal "
            "ke wilayah Jepang.")
    res = _extract(text)
    read_also = res.article.text.find("Baca Juga")
    for ev in _asserted(res):
        assert all(span.start > read_also + 40 for span in ev.evidence) or read_also < 0
        assert ev.type != "ASSAULT", ev


def test_rules_switch_selects_the_rule_coder(monkeypatch):
    monkeypatch.setenv("PANTAU_EVENT_CODER", "rules")
    store.load.cache_clear()
    try:
        assert store.load() is None
    finally:
        monkeypatch.delenv("PANTAU_EVENT_CODER")
        store.load.cache_clear()


@needs_model
def test_relevance_keeps_sport_out_and_says_why():
    """A match report full of conflict words ("menyerang", "menggempur", "ancaman") is scored as not
    political: its actors stay, its events are not coded, and the flag gives the score."""
    text = ("Timnas Jepang menyerang sejak menit pertama dan menggempur pertahanan Arab Saudi dalam laga "
            "kualifikasi Piala Dunia di Stadion Saitama, Selasa malam. Pelatih Jepang mengatakan ancaman "
            "terbesar datang dari serangan balik lawan. Gol kedua dicetak lewat sundulan pada menit ke-78, "
            "dan Jepang kini memimpin klasemen grup dengan selisih empat poin.")
    res = _extract(text)
    art = res.article
    assert art.relevance is not None and art.relevance < store.load().relevance_threshold
    assert res.events == []
    assert [f for f in art.flags if f.startswith("not_coded:relevance=")] == [
        f"not_coded:relevance={art.relevance:.2f}"]
    assert {e.code for e in res.entities} & {"JPN", "SAU"}


@needs_model
def test_relevance_codes_political_news():
    text = ("Kementerian Luar Negeri Korea Selatan memanggil duta besar Jepang di Seoul pada Senin "
            "(10/3/2025) untuk memprotes klaim Tokyo atas pulau Dokdo. Seoul menuntut Jepang mencabut "
            "pernyataan itu.")
    res = _extract(text)
    assert res.article.relevance is not None and res.article.relevance >= store.load().relevance_threshold
    assert not any(f.startswith("not_coded:") for f in res.article.flags)
    assert _asserted(res)


def test_targetless_events_are_dropped_unless_one_sided_or_two_sided_in_the_actor():
    """The learned coder keeps a merged event without a recipient only as the rule coder keeps a mention."""
    from pantau.events.rules.merge import dyadic_ok
    from pantau.records import Entity, Event

    def event(typ: str, *codes: str, recipient: bool = False) -> Event:
        actor = [Entity(c, "LOC", code=c) for c in codes]
        target = [Entity("Kyiv", "LOC", code="UKR")] if recipient else []
        return Event(id="e", type=typ, actor=actor, recipient=target)

    assert not dyadic_ok(event("ACCUSE", "RUS"))
    assert dyadic_ok(event("ACCUSE", "RUS", recipient=True))
    assert dyadic_ok(event("MOBILIZE", "RUS"))
    assert dyadic_ok(event("AGREE", "RUS", "USA"))
    assert not dyadic_ok(event("AGREE", "RUS"))


SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_corpus = pytest.mark.skipif(not (SHARED / "corpus" / "news_id.jsonl.gz").exists(),
                                  reason="no ../shared corpus")


def _training_script():
    """scripts/train_events.py, whose corpus samples are the ones the relevance model holds out."""
    if "train_events" not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "scripts" / "train_events.py"
        spec = importlib.util.spec_from_file_location("train_events", path)
        sys.modules["train_events"] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
        spec.loader.exec_module(sys.modules["train_events"])
    return sys.modules["train_events"]


def _coded(articles) -> int:
    from pantau import nlp
    from pantau.pipeline import analyse
    from pantau.records import Result

    docs = nlp.pipe([a.text for a in articles])
    results = [analyse(Result(article=a), doc) for a, doc in zip(articles, docs, strict=True)]
    return sum(1 for r in results if _asserted(r))


@needs_model
@needs_corpus
def test_held_out_sport_and_gadget_articles_get_no_events():
    """Real corpus articles of sport, technology and entertainment desks that neither the relevance
    classifier nor any eval set has seen: nearly all are left uncoded."""
    script = _training_script()
    articles = script.weak_negatives(SHARED, 30, skip=int(script.RELEVANCE["sample"]))
    assert len(articles) == 30
    assert _coded(articles) <= 5


@needs_model
@needs_corpus
def test_unannotated_international_articles_are_coded():
    """Real international-desk articles outside the eval sets: most report a political event."""
    articles = _training_script().unannotated_international(SHARED, 30)
    assert _coded(articles) >= 18


def test_choice_model_ranks_the_gold_candidate_first():
    """The conditional logit learns which of a trigger's candidates fills the role, against the others."""
    rng = np.random.default_rng(1)
    groups = []
    for _ in range(120):
        n = int(rng.integers(2, 5))
        gold = int(rng.integers(n))
        rows = [{"bias": 1.0, f"noise{int(rng.integers(3))}": 1.0, **({"subject": 1.0} if j == gold else {})}
                for j in range(n)]
        groups.append((rows, [j == gold for j in range(n)]))
    model = _training_script()._fit_choice(groups, l2=1.0)
    again = LinearModel.from_arrays(model.to_arrays("choice"), "choice")
    scores = again.scores([{"bias": 1.0, "noise1": 1.0}, {"bias": 1.0, "subject": 1.0, "noise1": 1.0}])[:, 0]
    assert scores[1] > scores[0] + 1.0
    assert again.vocab.keys() >= {"subject", "bias"}


def test_second_look_features_see_repeats_self_dyads_and_age():
    from pantau.events.lexicon import Entry, Hit
    from pantau.events.model import rerank
    from pantau.events.model.context import ArticleContext
    from pantau.events.rules.mentions import Candidate
    from pantau.records import Article, Entity, Event, Span

    art = Article(id="a", text="Satu. Dua. Tiga.", published="2025-03-12")
    ctx = ArticleContext(art, None, [], [], [], None, sent_spans=[(0, 5), (6, 10), (11, 16)],
                         code_counts={"RUS": 4, "UKR": 2})

    def event(rec: str, day: str | None, start: int) -> Event:
        return Event(id="e", type="ASSAULT", actor=[Entity("Rusia", "LOC", code="RUS", sector="MIL")],
                     recipient=[Entity("X", "LOC", code=rec)], date=day,
                     evidence=[Span(start, start + 3, "x")])

    member = Candidate(hit=Hit(Entry("gempur", "ASSAULT"), 1, "active"), ti=0, sent=(0, 5), actor=[],
                       recipient=[], factuality="asserted", mode=None, ctx=[], rule="", confidence=0.5,
                       scores={"trigger": 0.9, "actor": 0.95, "recipient": 0.6},
                       origins={"actor": "sentence", "recipient": "prev"})
    first = event("UKR", "2025-03-11", 0)
    f1 = rerank.features(first, [member], ctx, [], 0.8)
    assert f1["p_trigger"] == pytest.approx(0.9)
    assert f1["actor_rank=0"] == 1.0 and f1["recipient_rank=1"] == 1.0
    assert f1["age=1"] == 1.0 and f1["sentence=0"] == 1.0 and "repeats_event" not in f1
    assert f1["actor_origin=sentence"] == 1.0 and f1["recipient_origin=prev"] == 1.0
    again = rerank.features(event("UKR", "2024-01-05", 11), [member], ctx, [first], 0.8)
    assert again["repeats_event"] == 1.0 and again["age=4"] == 1.0 and again["sentence=2"] == 1.0
    own = rerank.features(event("RUS", None, 6), [member, member], ctx, [], None)
    assert own["self_dyad"] == 1.0 and own["age=none"] == 1.0 and own["mentions=2"] == 1.0


def test_models_round_trip_with_choice_and_second_look(tmp_path):
    rows = [{"a": 1.0}, {"b": 1.0}] * 10
    vec = DictVectorizer()
    clf = LogisticRegression().fit(vec.fit_transform(rows), [0, 1] * 10)
    part = LinearModel.from_sklearn(vec, clf)
    models = store.Models(part, part, part, 0.2, 0.1, part, 0.1, part, part, part, 0.3, {"x": 1})
    models.save(tmp_path / "m.npz")
    back = store.read(tmp_path / "m.npz")
    assert back.rerank_threshold == 0.3 and back.info == {"x": 1}
    for name in ("actor_choice", "recipient_choice", "rerank", "relevance"):
        assert np.allclose(getattr(back, name).proba(rows[:2]), part.proba(rows[:2]))


@needs_model
@needs_corpus
def test_uncoded_articles_skip_the_dependency_parser_and_lose_nothing():
    """Held-out sport, technology and entertainment articles that the relevance model leaves uncoded
    are parsed without the dependency parser (half of the NLP time); their entities, quotes, flags and
    (no) events are what a full parse gives. A political article still gets its parse."""
    from dataclasses import replace

    from pantau import events, nlp
    from pantau.pipeline import analyse, parse_many
    from pantau.records import Result

    script = _training_script()
    articles = script.weak_negatives(SHARED, 16, skip=int(script.RELEVANCE["sample"]) + 30)
    uncoded = [a for a in articles if not events.needs_parse(a)]
    assert len(uncoded) >= 10
    light = parse_many([Result(article=a) for a in uncoded])
    assert not any(d.has_annotation("DEP") for d in light)
    for art, doc, full in zip(uncoded, light, nlp.pipe([a.text for a in uncoded]), strict=True):
        a, b = analyse(Result(article=replace(art)), doc), analyse(Result(article=replace(art)), full)
        assert (a.entities, a.quotes, a.events, a.article.flags) == (b.entities, b.quotes, b.events,
                                                                     b.article.flags)
        assert a.events == [] and a.entities
    political = replace(articles[0], title="Manila protes Beijing", text=(
        "Manila memanggil dubes Tiongkok pada Senin untuk memprotes semprotan meriam air kapal "
        "penjaga pantai Tiongkok ke perahu nelayan Filipina. Manila meminta Beijing berhenti mengganggu "
        "nelayannya."))
    assert events.needs_parse(political)
    assert parse_many([Result(article=political)])[0].has_annotation("DEP")


def test_merge_keeps_a_later_statement_with_another_predicate_apart():
    """Statements by the same party to the same party: another predicate in another sentence is a further
    statement (two events); two predicates in one sentence, or the same predicate retold, are one."""
    from pantau.events.lexicon import Entry, Hit
    from pantau.events.rules.mentions import Candidate
    from pantau.events.rules.merge import merge
    from pantau.records import Article, Entity

    text = ("Teheran mengecam Washington atas sanksi baru itu. Sang diplomat lalu menuding "
            "Washington mengganggu jalur pelayaran.")
    first, second = (0, 50), (51, len(text))

    def cand(key: str, sent: tuple[int, int]) -> Candidate:
        return Candidate(hit=Hit(Entry(key=key, type="ACCUSE"), 1, "active"), ti=1, sent=sent,
                         actor=[Entity("Teheran", "LOC", code="IRN")],
                         recipient=[Entity("Washington", "LOC", code="USA")],
                         factuality="asserted", mode=None, ctx=[], rule="test", confidence=0.9, type="ACCUSE")

    art = Article(id="a", text=text)
    assert len(merge([cand("kecam", first), cand("tuding", second)], text, [], art)) == 2
    assert len(merge([cand("kecam", first), cand("tuding", first)], text, [], art)) == 1
    assert len(merge([cand("kecam", first), cand("kecam", second)], text, [], art)) == 1


@needs_model
def test_no_comment_reply_is_not_a_rejection():
    """The lexicon's licence (``block``) holds for the learned coder too: "menolak berkomentar" declines
    to comment, which the guidelines do not code (EVENTS.md §1)."""
    text = ("Seorang diplomat senior China menolak berkomentar soal tudingan Washington kalau "
            "Beijing memasok senjata ke Rusia.")
    assert not [e for e in _extract(text).events if e.type == "REJECT"]


@needs_model
def test_coordinated_recipients_are_all_targets():
    """A target joined to the chosen recipient by "dan" ("Rusia dan Belarus") is a recipient too, as a
    joined subject is a further actor."""
    res = _extract("Kanselir Jerman Olaf Scholz mengecam Rusia dan Belarus atas serangan itu pada Senin.")
    accuse = _asserted(res, "ACCUSE")
    assert accuse and {r.code for r in accuse[0].recipient} == {"RUS", "BLR"}
    assert "with 'Belarus'" in accuse[0].pattern
