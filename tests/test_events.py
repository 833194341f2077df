"""Event coder tests on corpus and self-written sentences (never eval-set text); seed expectations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pantau.events import analyse
from pantau.events.lexicon import generate, load
from pantau.records import Article

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def code(text: str, published: str = "2024-11-21"):
    """Events of one short text (no cleaner, no spaCy: the coder must work on raw text too)."""
    _, events, _ = analyse(Article(id="t", text=text, published=published), None)
    return events


def asserted(events, typ=None):
    return [e for e in events if e.factuality in ("asserted", "future") and (typ is None or e.type == typ)]


def codes(ents) -> set[str]:
    return {e.code for e in ents}


# ------------------------------------------------------------------ lexicon / morphology
def test_generated_forms_cover_affixes():
    forms = generate("serang", ("verb", "passive", "noun", "bare"))
    for w in ("menyerang", "diserang", "serangan", "penyerangan", "terserang"):
        assert w in forms
    assert forms["diserang"] == "passive" and forms["serangan"] == "nominal"
    assert "menembak" in generate("tembak", ("verb",)) and "mengirim" in generate("kirim", ("verb",))


def test_lexicon_does_not_overstem():
    lex = load()
    assert not lex.match(["pertahanan"], 0)  # defence is not "tahan" (arrest)
    assert {h.entry.type for h in lex.match(["mengerahkan"], 0)} == {"MOBILIZE"}
    assert {h.entry.type for h in lex.match(["memperingatkan"], 0)} == {"THREATEN"}


def test_lexicon_covers_all_sixteen_types():
    types = {e.type for es in load().roots.values() for e in es}
    assert types == {
        "AGREE",
        "CONSULT",
        "SUPPORT",
        "CONCEDE",
        "COOPERATE",
        "AID",
        "RETREAT",
        "REQUEST",
        "ACCUSE",
        "REJECT",
        "THREATEN",
        "SANCTION",
        "PROTEST",
        "MOBILIZE",
        "COERCE",
        "ASSAULT",
    }
    assert sum(len(es) for es in load().roots.values()) >= 200


# ------------------------------------------------------------------ type families and syntax
def test_assault_active_with_weapon_modifier():
    ev = asserted(
        code(
            "Menurut laporan pada hari Senin, Ukraina menyerang kilang minyak Rusia "
            "menggunakan rudal jelajah Storm Shadow buatan Inggris."
        ),
        "ASSAULT",
    )
    assert ev and codes(ev[0].actor) == {"UKR"} and "RUS" in codes(ev[0].recipient)
    assert ev[0].mode == "heavy-weapons" and ev[0].date == "2024-11-18"


def test_assault_light_verb_nominal():
    ev = asserted(
        code(
            "Pada hari Minggu, Israel melancarkan serangan roket dan drone besar-besaran "
            "terhadap Lebanon yang menewaskan sebelas orang."
        ),
        "ASSAULT",
    )
    assert ev and codes(ev[0].actor) == {"ISR"} and codes(ev[0].recipient) == {"LBN"}
    assert ev[0].date == "2024-11-17" and ev[0].actor[0].sector == "MIL"


def test_nominal_genitive_actor_and_terhadap_recipient():
    ev = asserted(code("Kyiv mengecam serangan Rusia terhadap Ukraina pada Senin (18/11/2024)."), "ASSAULT")
    assert ev and codes(ev[0].actor) == {"RUS"} and codes(ev[0].recipient) == {"UKR"}


def test_passive_with_oleh_swaps_roles():
    text = "Kamp pengungsi Rohingya di Cox's Bazar diserbu oleh milisi Myanmar pada dini hari."
    ev = asserted(code(text, "2017-09-28"))
    assert (
        # the refugees are the target, coded by their state (MMR, civilians)
        ev
        and ev[0].type == "ASSAULT"
        and codes(ev[0].actor) == {"MMR"}
        and [(r.code, r.sector) for r in ev[0].recipient] == [("MMR", "CVL")]
    )


def test_mobilize_passive_troops_are_the_actor():
    ev = asserted(
        code(
            "Situasi di perbatasan kian memanas, dengan pasukan Korea Utara "
            "dikerahkan di dekat Vladivostok."
        ),
        "MOBILIZE",
    )
    assert ev and codes(ev[0].actor) == {"PRK"}


def test_consult_dengan_partner_and_coordinated_recipients():
    ev = asserted(
        code(
            "Sebelumnya, Menhan AS Lloyd Austin juga sudah menggelar diskusi dengan para mitranya yakni "
            "Jepang, Australia dan Filipina.",
            "2023-06-03",
        ),
        "CONSULT",
    )
    assert ev and codes(ev[0].actor) == {"USA"} and codes(ev[0].recipient) == {"JPN", "AUS", "PHL"}


def test_coordinated_subject_is_several_actors():
    ev = asserted(
        code(
            "Inggris, Prancis dan Jerman mendesak Iran segera kembali ke meja perundingan nuklir.",
            "2019-07-10",
        ),
        "REQUEST",
    )
    assert ev and {"GBR", "FRA", "DEU"} <= codes(ev[0].actor) and "IRN" in codes(ev[0].recipient)


def test_threaten_warning_with_explicit_date():
    ev = asserted(
        code(
            "Sebelumnya, pada Senin (13/3/2023), Blinken memperingatkan bahwa Pyongyang bisa menerima "
            "balasan keras jika salah satu rudalnya kembali jatuh di laut lepas.",
            "2023-03-14",
        )
    )
    assert [e.type for e in ev] == ["THREATEN"]
    assert codes(ev[0].actor) == {"USA"} and codes(ev[0].recipient) == {"PRK"} and ev[0].date == "2023-03-13"


def test_request_and_requested_act_is_not_asserted():
    ev = code(
        "Menlu Jerman Annalena Baerbock juga telah meminta Netanyahu untuk berhenti dan "
        "mundur dari Rafah sebelum korban sipil terus bertambah.",
        "2024-03-21",
    )
    req = asserted(ev, "REQUEST")
    assert req and codes(req[0].actor) == {"DEU"} and codes(req[0].recipient) == {"ISR"}
    assert not asserted(ev, "RETREAT")  # the withdrawal is only demanded


def test_appositive_title_is_one_actor_with_sector():
    ev = asserted(
        code(
            "Kepala intelijen luar negeri Rusia, Sergei Naryshkin, pada hari Rabu menyebut bahwa Moskow "
            "akan membalas negara-negara NATO yang memasok rudal."
        ),
        "THREATEN",
    )
    assert ev and codes(ev[0].actor) == {"RUS"} and "NATO" in codes(ev[0].recipient)
    assert ev[0].date == "2024-11-20"


# ------------------------------------------------------------------ factuality and negatives
def test_conditional_attack_is_hypothetical():
    ev = code("Jika Rusia menyerang Ukraina, Barat akan menjatuhkan sanksi.", "2022-01-21")
    assert all(e.factuality == "hypothetical" for e in ev if e.type == "ASSAULT")
    assert not asserted(ev, "ASSAULT")


def test_negated_and_denied_acts_are_not_asserted():
    assert not asserted(
        code(
            "Tiongkok menyiagakan 50.000 personel di pesisir, tetapi menyangkal berencana untuk "
            "menyerang Taiwan.",
            "2022-08-10",
        ),
        "ASSAULT",
    )
    neg = code(
        "“Baik Jepang maupun Korea Selatan tidak akan menjadi ancaman apa pun bagi Tiongkok,” ujar juru "
        "bicara Departemen Luar Negeri AS Matthew Miller."
    )
    assert not asserted(neg, "THREATEN")


def test_feared_attack_is_not_an_event():
    ev = code("Konsulat Jepang di Beirut ditutup karena kekhawatiran akan kemungkinan serangan udara Israel.")
    assert not asserted(ev, "ASSAULT")


def test_declining_to_comment_is_not_a_rejection():
    assert not asserted(
        code(
            "Lin Jian, juru bicara Kemlu Tiongkok, menolak mengomentari kabar itu.",
            "2023-05-02",
        ),
        "REJECT",
    )


def test_advice_to_own_citizens_is_not_an_event():
    assert not asserted(
        code(
            "Kementerian itu juga menyarankan seluruh warga negara Jepang di ibu kota "
            "Lebanon bersiap untuk segera mengungsi jika sirene dibunyikan."
        )
    )


def test_baca_juga_headline_yields_nothing():
    assert not code(
        "Baca Juga: Israel Luncurkan Rudal Jarak Jauh Pertama Kalinya dalam Perang Melawan Iran"
    )


def test_evidence_spans_index_the_text_exactly():
    text = (
        "Pada hari Kamis, Israel memakai jet F-35 buatan AS untuk menyerang gudang senjata di Lebanon.\n"
        "Iran telah memberi sinyal kepada AS dan sekutunya selama berpekan-pekan."
    )
    for ev in code(text):
        assert ev.evidence
        for sp in ev.evidence:
            assert text[sp.start : sp.end] == sp.text
        assert ev.pattern.startswith("lexicon:") and 0 < ev.confidence <= 1


# ------------------------------------------------------------------ seeds end to end
def _seed_results():
    from pantau.ingest import read_inputs
    from pantau.pipeline import process_all

    path = SHARED / "seeds" / "seeds.jsonl"
    if not path.exists():
        pytest.skip("shared seeds not available")
    return {r.article.id: r for r in process_all(read_inputs([str(path)])) if hasattr(r, "article")}


@pytest.fixture(scope="module")
def seeds():
    return _seed_results()


def _find(result, typ, actor, recipient=None, date=None):
    for e in result.events:
        if e.type != typ or e.factuality not in ("asserted", "future") or actor not in codes(e.actor):
            continue
        if recipient and recipient not in codes(e.recipient):
            continue
        if date and e.date != date:
            continue
        return e
    return None


def test_seed_atacms_strikes(seeds):
    assert _find(seeds["000_9f7690cda1b435db"], "ASSAULT", "UKR", "RUS", "2024-11-18")
    assert _find(seeds["001_20debd9e31ace2f4"], "ASSAULT", "UKR", "RUS", "2024-11-19")


def test_seed_power_grid_strike(seeds):
    assert _find(seeds["001_20debd9e31ace2f4"], "ASSAULT", "RUS", "UKR", "2024-11-17")


def test_seed_naryshkin_threat(seeds):
    ev = _find(seeds["001_20debd9e31ace2f4"], "THREATEN", "RUS", "NATO", "2024-11-20")
    assert ev and ev.actor[0].sector == "SPY"


def test_seed_secret_talks_one_event(seeds):
    talks = [
        e
        for e in seeds["002_e346ba8becf762af"].events
        if e.type == "CONSULT" and {"USA", "RUS"} <= codes(e.actor) | codes(e.recipient)
    ]
    assert len(talks) == 1 and len(talks[0].evidence) >= 2  # headline/lead/retellings merged


@pytest.mark.xfail(
    strict=True,
    reason="learned coder: the Geneva meeting's trigger gets Rusia-Ukraina from its sentence, not the "
    "ministers named before it (events/model/MODEL_CARD.md, limits)",
)
def test_seed_blinken_warning_geneva_meeting_truss_demand(seeds):
    r = seeds["004_ba82534faf156d6a"]
    assert _find(r, "THREATEN", "USA", "RUS", "2022-01-20")
    geneva = [
        e for e in r.events if e.type == "CONSULT" and {"USA", "RUS"} <= codes(e.actor) | codes(e.recipient)
    ]
    assert geneva and geneva[0].factuality == "future"
    assert _find(r, "REQUEST", "GBR", "RUS")


def test_seed_no_event_from_baca_juga_and_exact_spans(seeds):
    for r in seeds.values():
        text = r.article.text
        for e in r.events:
            for sp in e.evidence:
                assert text[sp.start : sp.end] == sp.text
                assert not sp.text.lower().startswith("baca juga")
        assert e.id.startswith(r.article.id + ":e") if r.events else True


# ------------------------------------------------------------------ corpus sample
def test_corpus_international_articles_spans_and_fields():
    path = SHARED / "corpus" / "news_id.jsonl.gz"
    if not path.exists():
        pytest.skip("corpus not available")
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            if a.get("topic_guess") != "international" or not a.get("text"):
                continue
            art = Article(id=a["id"], text=a["text"], published=a.get("published"))
            _, events, quotes = analyse(art, None)
            for e in events:
                assert (
                    e.actor and e.type and e.factuality in ("asserted", "future", "hypothetical", "negated")
                )
                for sp in e.evidence:
                    assert art.text[sp.start : sp.end] == sp.text
            for q in quotes:
                assert art.text[q.span.start : q.span.end] == q.span.text
            n += 1
            if n >= 40:
                break
    assert n > 0


def test_glued_related_headline_is_cut_out():
    text = (
        "Dalam keterangan tertulis, militer Israel mengatakan pihaknya menggempur gudang senjata "
        'Hizbullah di Lebanon selatan "termasuk jalur pasokan di perbatasan Suriah."5 Jenderal China '
        'yang Dipecat Xi Jinping karena Skandal Suap "Kami memperingatkan Hizbullah bahwa setiap roket '
        'akan dibalas berlipat ganda," ujar Kepala Staf Militer Israel, Herzi Halevi, kepada wartawan.'
    )
    ev = asserted(code(text, "2024-10-20"))
    assert not any("CHN" in codes(e.actor) for e in ev)  # nothing from the glued-in headline
    threat = [e for e in ev if e.type == "THREATEN"]
    assert threat and codes(threat[0].actor) == {"ISR"} and "LBN" in codes(threat[0].recipient)
    assert threat[0].quote


def test_targetless_dyadic_act_is_dropped_but_monadic_kept():
    assert not asserted(code("Sedangkan Rusia mengecam keras.", "2022-11-08"))
    mob = code("Kim Jong Un mendeklarasikan mobilisasi pasukan cadangan.", "2022-10-13")
    assert asserted(mob, "MOBILIZE")


# ------------------------------------------------------------------ dependency roles and anaphora
def parsed(text: str, published: str = "2024-11-21"):
    """Events of a text coded by the rule coder with the shipped dependency parse (the learned coder,
    which codes the pipeline's events when its weights ship, is tested in test_events_model.py)."""
    from unittest import mock

    from pantau import nlp

    with mock.patch("pantau.events.model.load", return_value=None):
        _, events, _ = analyse(Article(id="t", text=text, published=published), nlp.parse(text))
    return events


def test_dep_parse_gives_roles_where_positions_find_none():
    from pantau import nlp
    from pantau.events.rules.mentions import mentions_in
    from pantau.events.rules.sentence import SentenceCoder
    from pantau.events.text import tokenize
    from pantau.records import Entity

    text = "Kota itu diserang oleh pasukan Rusia pada Senin."
    doc = nlp.parse(text)
    toks = tokenize(text, 0)
    for k, t in enumerate(toks):
        t.i = k
    ents = [Entity("Kota itu", "LOC", 0, 8, code="UKR"), Entity("pasukan Rusia", "ACTOR", 23, 36, code="RUS")]
    sc = SentenceCoder(load(), toks, mentions_in(ents, toks), None, [], {t.idx: t for t in doc})
    args = sc.dep_args(2)  # "diserang"
    if not args:
        pytest.skip("no trained parser shipped")
    assert codes(args.get("agent", [])) == {"RUS"} and codes(args.get("pass", [])) == {"UKR"}


def test_dep_subject_of_coordinated_verb():
    # dev/corpus style: the subject of "berdiplomasi" is shared by the conjoined "berkonsultasi"
    ev = asserted(
        parsed(
            "Bongbong mengatakan Mary Jane akan kembali ke Filipina, setelah Filipina berdiplomasi "
            "dan berkonsultasi dengan pemerintah Indonesia selama lebih dari satu dekade untuk "
            "menunda eksekusinya.",
            "2024-12-18",
        ),
        "CONSULT",
    )
    assert ev and "PHL" in codes(ev[0].actor) and "IDN" in codes(ev[0].actor) | codes(ev[0].recipient)


def test_dep_subject_not_taken_from_the_matrix_clause():
    # the attacker is "seorang pria" (no actor), not the minister who reports it
    ev = asserted(
        parsed(
            "Menteri Dalam Negeri Perancis, Darmanin, mengatakan satu orang tewas dan dua lainnya terluka "
            "setelah seorang pria menyerang para turis di pusat Kota Paris.",
            "2023-12-03",
        ),
        "ASSAULT",
    )
    assert not any("FRA" in codes(e.actor) and "dep" in e.pattern for e in ev)


def test_anaphoric_alliance_resolves_to_nato():
    text = (
        "Lituania menjadi tuan rumah latihan gabungan NATO pada Kamis (6/3/2025). "
        "Dalam kesempatan itu, Lituania juga meminta aliansi menambah pasukan di perbatasan timur."
    )
    ev = asserted(parsed(text, "2025-03-06"), "REQUEST")
    assert ev and codes(ev[0].actor) == {"LTU"} and "NATO" in codes(ev[0].recipient)


def test_alliance_without_antecedent_or_generic_is_not_resolved():
    ev = parsed(
        "Dalam kesempatan itu, Lituania juga meminta aliansi menambah pasukan di perbatasan timur.",
        "2025-03-06",
    )
    assert not any("NATO" in codes(e.recipient) for e in ev)
    from pantau.events.rules.anaphora import anaphors
    from pantau.records import Entity

    text = "NATO bertemu di Brussel. Mereka membentuk aliansi baru di Asia."
    ents = [Entity("NATO", "ORG", 0, 4, code="NATO")]
    assert anaphors(text, [(0, 24), (25, len(text))], ents, load()) == []


def test_kedua_negara_pair_and_ambiguous_window():
    from pantau.events.rules.anaphora import anaphors
    from pantau.records import Entity

    text = "Anwar menelepon Pezeshkian dari Putrajaya. Kedua negara sepakat memperkuat hubungan."
    ents = [Entity("Anwar", "PER", 0, 5, code="MYS"), Entity("Pezeshkian", "PER", 16, 26, code="IRN")]
    sents = [(0, 42), (43, len(text))]
    got = anaphors(text, sents, ents, load())
    assert {e.code for e in got} == {"MYS", "IRN"} and all(e.text == "Kedua negara" for e in got)
    three = ents + [Entity("Putrajaya", "LOC", 32, 41, code="EGY")]
    assert anaphors(text, sents, three, load()) == []  # three states: "kedua negara" is ambiguous


def test_anaphora_in_seed_articles(seeds):
    from pantau.events.rules.anaphora import anaphors
    from pantau.events.text import sentences

    found = {}
    for r in seeds.values():
        text = r.article.text
        ents = sorted([e for e in r.entities if e.start is not None and e.code], key=lambda e: e.start)
        for e in anaphors(text, sentences(text), ents, load()):
            found.setdefault(e.text.lower(), set()).add(e.code)
    assert found.get("aliansi itu") == {"NATO"} and found.get("negara tersebut") == {"RUS"}


def test_purpose_clause_is_not_a_reported_act():
    ev = code(
        "Erdogan juga mengundang Prabowo untuk berkunjung ke Ankara guna memperdalam kerja sama "
        "pertahanan kedua negara.",
        "2025-02-12",
    )
    assert not asserted(ev, "COOPERATE")


def test_reciprocal_saling_gives_both_directions():
    ev = asserted(
        code(
            "Ketegangan di perbatasan kembali memanas, dengan tentara Thailand dan Kamboja saling "
            "menuduh melepaskan tembakan lebih dulu.",
            "2025-07-25",
        ),
        "ACCUSE",
    )
    pairs = {(tuple(sorted(codes(e.actor))), tuple(sorted(codes(e.recipient)))) for e in ev}
    assert (("THA",), ("KHM",)) in pairs and (("KHM",), ("THA",)) in pairs


def test_receiving_weapons_from_a_state_is_its_aid():
    ev = asserted(
        code("Filipina telah menerima 12 unit jet tempur ringan FA-50 dari Korea Selatan.", "2024-12-16")
    )
    assert any(e.type == "AID" and codes(e.actor) == {"KOR"} and codes(e.recipient) == {"PHL"} for e in ev)
    # receiving criticism is no aid
    assert not asserted(code("Taiwan menerima kritik dari Amerika Serikat.", "2024-12-16"), "AID")


def test_announced_future_investment_is_a_promise():
    ev = code(
        "Bahlil mengatakan Korea Selatan dan Uni Emirat Arab akan berinvestasi dalam pembangunan kilang "
        "minyak baru di Indonesia.",
        "2024-12-11",
    )
    agree = asserted(ev, "AGREE")
    assert agree and {"KOR", "ARE"} <= codes(agree[0].actor) and "IDN" in codes(agree[0].recipient)
    assert not asserted(ev, "COOPERATE")


def test_driving_away_a_warship_is_coercion_not_expulsion():
    ev = asserted(
        code(
            "Angkatan Laut Filipina mengaku telah mengusir sebuah kapal riset milik China dari perairan "
            "dekat Palawan.",
            "2024-12-16",
        )
    )
    assert any(e.type == "COERCE" and codes(e.actor) == {"PHL"} and "CHN" in codes(e.recipient) for e in ev)
    assert not any(e.type == "SANCTION" for e in ev)


def test_negation_of_first_conjunct_does_not_negate_the_demand():
    ev = code(
        "Perdana Menteri Thailand Paetongtarn Shinawatra meminta maaf atas rekaman telepon itu. Walau "
        "sudah meminta maaf, amarah warga Thailand tidak reda dan menuntut Paetongtarn mundur.",
        "2025-06-20",
    )
    req = [e for e in ev if e.type == "REQUEST"]
    assert req and req[0].factuality == "asserted" and "THA" in codes(req[0].recipient)


def test_pronoun_after_bahwa_is_the_speaker():
    ev = asserted(
        code(
            "Menjelang tengah malam, milisi Houthi mengumumkan bahwa mereka sudah merebut pelabuhan "
            "Hodeidah.",
            "2024-12-08",
        ),
        "COERCE",
    )
    assert ev and "pron=speaker" in ev[0].pattern and codes(ev[0].actor) == {"YEM"}


def test_generic_and_purpose_nominals_are_not_reported_acts():
    ev = code(
        "Menlu Sugiono menegaskan Indonesia terus mengecam segala bentuk kekerasan dan pendudukan, termasuk "
        "serangan udara serta operasi militer Israel dan sekutunya.",
        "2025-03-20",
    )
    assert not asserted(ev, "ASSAULT") and asserted(ev, "ACCUSE")


def test_glued_sentence_starting_with_an_acronym_is_split():
    from pantau.events.text import sentences

    t = "ke Manila.UE dan Kanada akan ikut membantu. Kata J.R. Brown."
    assert [t[s:e] for s, e in sentences(t)] == [
        "ke Manila.",
        "UE dan Kanada akan ikut membantu.",
        "Kata J.R. Brown.",
    ]


def test_relative_clause_subject_is_the_head_noun():
    # corpus: the head before "yang" is the actor ...
    ev = asserted(
        code(
            "Kerusuhan meluas setelah keputusan Perdana Menteri Inggris Keir Starmer yang mengakui "
            "Palestina sebagai negara berdaulat.",
            "2025-09-22",
        ),
        "SUPPORT",
    )
    assert ev and codes(ev[0].actor) == {"GBR"} and "rel-head" in ev[0].pattern
    # ... and a head that is no actor gives the clause no actor at all
    ev = code(
        "Pemilih muda terpapar unggahan kampanye di TikTok, baik yang membela Anies maupun yang menolak "
        "Prabowo.",
        "2024-01-17",
    )
    assert not asserted(ev, "REJECT")


def test_paraphrase_families_oppose_and_appreciate():
    ev = asserted(
        code("Pihak berwenang China menentang tegas kunjungan Lai ke Amerika Serikat.", "2024-12-01")
    )
    assert any(e.type == "REJECT" and codes(e.actor) == {"CHN"} for e in ev)
    ev = asserted(
        code(
            "Presiden Prabowo kembali menyampaikan penghargaan atas bantuan pemerintah Mesir dalam "
            "mengevakuasi warga Indonesia dari Gaza.",
            "2024-11-30",
        ),
        "SUPPORT",
    )
    assert any(codes(e.actor) == {"IDN"} and "EGY" in codes(e.recipient) for e in ev)


def test_reported_speech_codes_the_reported_actor_and_weapon_origin_is_no_target():
    ev = asserted(
        parsed(
            "Menlu Rusia Sergei Lavrov mengatakan Amerika Serikat dan Inggris telah menyerang "
            "Iran pada Senin (18/11/2024).",
        ),
        "ASSAULT",
    )
    assert ev and codes(ev[0].actor) == {"USA", "GBR"} and codes(ev[0].recipient) == {"IRN"}
    ev = parsed(
        "Kremlin mengatakan pasukan Ukraina menyerang wilayah Kursk dengan rudal ATACMS buatan "
        "Amerika Serikat. Serangan itu terjadi pada Selasa (19/11/2024)."
    )
    assert not any(e.type == "ASSAULT" and "USA" in codes(e.recipient) for e in ev)


def test_civilian_genitive_is_the_patient_of_a_material_nominal():
    ev = code(
        "Naskah perjanjian damai itu memuat pembebasan tawanan anak-anak, ibu hamil, dan orang sakit, "
        "serta penghentian pengeboman.",
        "2025-01-18",
    )
    assert not any(e.type == "RETREAT" and "genitive" in e.pattern for e in asserted(ev))
    # ... but the agent of a strike: "mogok makan tahanan Palestina"
    ev = asserted(
        code("Aksi mogok makan tahanan Palestina di Israel dimulai pada 17 April lalu.", "2017-05-01")
    )
    assert any(e.type == "PROTEST" and codes(e.actor) == {"PSE"} for e in ev)


def test_numbered_group_resolves_to_the_coordination_that_fits():
    text = (
        "Kanada, Belanda dan Norwegia mendesak Myanmar menghentikan kekerasan terhadap warga sipil. Seruan "
        "itu disuarakan setelah pertemuan tiga negara di Jenewa, Swiss, Selasa (4/3)."
    )
    ev = asserted(code(text, "2021-03-05"), "CONSULT")
    assert ev and {"CAN", "NLD", "NOR"} <= codes(ev[0].actor)


# ------------------------------------------------------------------ issue #5: general recall fixes
def test_first_person_promise_after_berujar_goes_to_the_speaker_and_the_compound_partner():
    # the speaker is named by the cue "berujar"; "kemitraan Jepang-Filipina" is a hyphen compound whose
    # other side is the recipient
    ev = asserted(
        code(
            "Menteri Pertahanan Jepang Gen Nakatani menggelar jumpa pers pada Senin (24/2). "
            'Ia kemudian berujar, "Kami akan mempererat kemitraan Jepang-Filipina di bidang maritim."'
        ),
        "AGREE",
    )
    assert ev and codes(ev[0].actor) == {"JPN"} and codes(ev[0].recipient) == {"PHL"}


def test_misspelt_anya_noun_still_triggers():
    # "dukunganya" (for "dukungannya") is a frequent typo in Indonesian news
    from pantau.events.text import normalise

    hits = load().match([normalise("dukunganya")], 0)
    assert hits and hits[0].entry.type == "SUPPORT"
    assert not load().match([normalise("hanya")], 0)


def test_refugee_group_is_coded_by_its_state():
    text = "Sekitar 40 pengungsi Rohingya diselamatkan kapal angkatan laut Malaysia di Selat Malaka."
    ev = asserted(code(text), "AID")
    assert ev and codes(ev[0].actor) == {"MYS"} and codes(ev[0].recipient) == {"MMR"}
