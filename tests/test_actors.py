"""Actors: KB coverage, titles, metonyms, coreference, fuzzy variants, unknown actors, CLI.

Sentences are short snippets of the seed articles in shared/seeds (and generic Indonesian news
phrasing); the corpus tests read shared/corpus at run time and skip when it is absent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.actors import entity_at, get_resolver
from pantau.actors.kb import load_kb
from pantau.records import Article, Entity

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds" / "seeds.jsonl"
CORPUS = SHARED / "corpus" / "news_id.jsonl.gz"


@pytest.fixture(scope="module")
def r():
    return get_resolver()


@pytest.fixture(scope="module")
def blank_nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.blank("id")  # what pantau.nlp.load() gives before a model is shipped


def find(ms, text):
    hits = [m for m in ms if m.entity.text == text]
    assert hits, f"{text!r} not among {[m.entity.text for m in ms]}"
    return hits[0].entity


def seed(i: int) -> dict:
    if not SEEDS.exists():
        pytest.skip("shared/seeds not available")
    return [json.loads(line) for line in SEEDS.read_text(encoding="utf-8").splitlines()][i]


# ------------------------------------------------------------------ KB and single lookups
@pytest.mark.parametrize(
    "text,code,sector",
    [
        ("Amerika Serikat", "USA", "GOV"),
        ("AS", "USA", "GOV"),
        ("Korut", "PRK", "GOV"),
        ("Korea Selatan", "KOR", "GOV"),
        ("Tiongkok", "CHN", "GOV"),
        ("RRT", "CHN", "GOV"),
        ("Britania Raya", "GBR", "GOV"),
        ("Prancis", "FRA", "GOV"),
        ("Perancis", "FRA", "GOV"),
        ("Palestina", "PSE", "GOV"),
        ("Taiwan", "TWN", "GOV"),
        ("Suriah", "SYR", "GOV"),  # CLDR Indonesian name, generated
        ("Selandia Baru", "NZL", "GOV"),
        ("Kosovo", "XKX", "GOV"),  # not in ISO 3166: listed in actors.yaml
        ("Perdana Menteri Kosovo", "XKX", "GOV"),
        ("Kremlin", "RUS", "GOV"),
        ("Moskwa", "RUS", "GOV"),
        ("Gedung Putih", "USA", "GOV"),
        ("Pentagon", "USA", "MIL"),
        ("Kyiv", "UKR", "GOV"),
        ("Downing Street", "GBR", "GOV"),
        ("NATO", "NATO", "GOV"),
        ("Pakta Pertahanan Atlantik Utara", "NATO", "GOV"),
        ("PBB", "UN", "GOV"),
        ("Dewan Keamanan PBB", "UN", "GOV"),
        ("Uni Eropa", "EU", "GOV"),
        ("Badan Energi Atom Internasional", "IAEA", "GOV"),
        ("Mahkamah Pidana Internasional", "IGO", "JUD"),
        ("negara-negara Barat", "WST", "GOV"),
        ("Hamas", "PSE", "REB"),
        ("Hizbullah", "LBN", "REB"),
        ("Houthi", "YEM", "REB"),
        ("ISIS", "UNK", "REB"),
        ("Tatmadaw", "MMR", "MIL"),
        ("Wagner", "RUS", "MIL"),
        ("Sekjen PBB", "UN", "GOV"),
        ("warga Rusia", "RUS", "CVL"),
        ("militer Rusia", "RUS", "MIL"),
        ("pasukan Ukraina", "UKR", "MIL"),
        ("polisi Israel", "ISR", "COP"),
        ("media Turki", "TUR", "JRN"),
        ("parlemen Jerman", "DEU", "LEG"),
    ],
)
def test_lookup_codes(r, text, code, sector):
    e = r.lookup(text, ref=dt.date(2024, 11, 21))
    assert e is not None and (e.code, e.sector) == (code, sector), e


def test_every_state_has_an_iso_code_and_indonesian_name():
    import pycountry

    kb = load_kb()
    codes = {e.code for e in kb.entries if e.kind == "country"}
    assert {c.alpha_3 for c in pycountry.countries} <= codes


def test_generated_countries_match_the_build_script():
    """countries.tsv is what scripts/build_actor_kb.py produces from the installed libraries."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "build_actor_kb.py"
    spec = importlib.util.spec_from_file_location("build_actor_kb", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tsv = Path(__file__).resolve().parents[1] / "pantau" / "actors" / "data" / "countries.tsv"
    lines = tsv.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert [tuple(x) for x in rows[1:]] == mod.build()


def test_office_terms_follow_the_reference_date(r):
    assert r.lookup("Trump", ref=dt.date(2022, 6, 1)).sector == "PTY"
    assert r.lookup("Trump", ref=dt.date(2025, 6, 1)).sector == "GOV"
    assert r.lookup("Rutte", ref=dt.date(2023, 1, 1)).code == "NLD"
    assert r.lookup("Rutte", ref=dt.date(2025, 1, 1)).code == "NATO"
    assert r.lookup("Taliban", ref=dt.date(2019, 1, 1)).sector == "REB"
    assert r.lookup("Taliban", ref=dt.date(2022, 1, 1)).sector == "GOV"
    # a title alone is the office holder on that date
    assert r.lookup("Menlu AS", ref=dt.date(2022, 1, 21)).name == "Antony Blinken"
    assert r.lookup("Menlu AS", ref=dt.date(2025, 3, 1)).name == "Marco Rubio"
    assert r.lookup("Presiden Rusia", ref=dt.date(2022, 11, 8)).name == "Vladimir Putin"


# ------------------------------------------------------------------ titles on self-written sentences
@pytest.mark.parametrize(
    "sentence,mention,code,sector,name",
    [
        (
            "Dalam jumpa pers di Ankara itu Menteri Luar Negeri Rusia, Sergei Lavrov, menyatakan",
            "Menteri Luar Negeri Rusia, Sergei Lavrov",
            "RUS",
            "GOV",
            "Sergei Lavrov",
        ),
        (
            "Kepala intelijen luar negeri Rusia, Sergei Naryshkin, menuding Barat kemarin",
            "Kepala intelijen luar negeri Rusia, Sergei Naryshkin",
            "RUS",
            "SPY",
            "Sergei Naryshkin",
        ),
        (
            "ujar juru bicara Departemen Luar Negeri AS Matthew Miller kepada wartawan di Washington.",
            "juru bicara Departemen Luar Negeri AS Matthew Miller",
            "USA",
            "GOV",
            "Matthew Miller",
        ),
        (
            "Menurut penasihat keamanan nasional Amerika Serikat, Jake Sullivan, Washington siap berunding",
            "penasihat keamanan nasional Amerika Serikat, Jake Sullivan",
            "USA",
            "GOV",
            "Jake Sullivan",
        ),
        (
            "Kremlin mengutus Sekretaris Dewan Keamanan Federasi Rusia, Nikolai Patrushev, ke Teheran",
            "Sekretaris Dewan Keamanan Federasi Rusia, Nikolai Patrushev",
            "RUS",
            "GOV",
            "Nikolai Patrushev",
        ),
        (
            "dengan ajudan Kremlin Yuri Ushakov dan",
            "ajudan Kremlin Yuri Ushakov",
            "RUS",
            "GOV",
            "Yuri Ushakov",
        ),
        (
            "ketika Presiden terpilih AS Donald Trump menyusun kabinetnya.",
            "Presiden terpilih AS Donald Trump",
            "USA",
            "GOV",
            "Donald Trump",
        ),
        (
            "Juru Bicara Kremlin Dmitry Peskov enggan menanggapi tudingan itu.",
            "Juru Bicara Kremlin Dmitry Peskov",
            "RUS",
            "GOV",
            "Dmitry Peskov",
        ),
        ("ribuan pasukan Korea Utara tiba di Vladivostok", "pasukan Korea Utara", "PRK", "MIL", None),
        ("Kyiv Sebut Drone Hantam Pasukan Putin di Donetsk", "Pasukan Putin", "RUS", "MIL", None),
        (
            "Presiden Korea Selatan (Korsel) Yoon Suk Yeol menolak mundur dari jabatannya",
            "Presiden Korea Selatan (Korsel) Yoon Suk Yeol",
            "KOR",
            "GOV",
            "Yoon Suk Yeol",
        ),
        (
            "kata juru bicara militer Israel Daniel Hagari",
            "juru bicara militer Israel Daniel Hagari",
            "ISR",
            "MIL",
            "Daniel Hagari",
        ),
        ("ujar pemimpin Hamas Yahya Sinwar", "pemimpin Hamas Yahya Sinwar", "PSE", "REB", "Yahya Sinwar"),
        (
            "Gubernur Jawa Barat Ridwan Kamil meninjau",
            "Gubernur Jawa Barat Ridwan Kamil",
            "IDN",
            "GOV",
            "Ridwan Kamil",
        ),
    ],
)
def test_titles(r, sentence, mention, code, sector, name):
    e = find(r.mentions(sentence, dt.date(2024, 11, 21)), mention)
    assert (e.code, e.sector, e.name) == (code, sector, name)


def test_an_aide_is_not_the_president(r):
    e = find(
        r.mentions("Sullivan bertemu ajudan Presiden Rusia Vladimir Putin di Jenewa.", dt.date(2022, 11, 8)),
        "ajudan Presiden Rusia Vladimir Putin",
    )
    assert (e.code, e.sector, e.name) == ("RUS", "GOV", None)


def test_former_uses_date_aware_sector(r):
    e = find(
        r.mentions("kata mantan Presiden AS Donald Trump", dt.date(2022, 5, 1)), "Presiden AS Donald Trump"
    )
    assert e.sector == "PTY"


def test_region_does_not_break_the_west(r):
    ms = r.mentions(
        "Gubernur Jawa Barat bertemu warga Tepi Barat; sekutu Barat mengecam.", dt.date(2024, 1, 1)
    )
    assert [(m.entity.text, m.entity.code) for m in ms if m.entity.code == "WST"] == [("sekutu Barat", "WST")]


# ------------------------------------------------------------------ coreference
def test_seed_000_coreference(r):
    s = seed(0)
    ms = r.mentions(s["text"], dt.date(2024, 11, 21))
    neg = find(ms, "negaranya")
    assert (neg.code, neg.sector) == ("RUS", "GOV")
    later = [m.entity for m in ms if m.entity.text == "Lavrov"]
    assert later and all(e.name == "Sergei Lavrov" and e.code == "RUS" for e in later)


def test_seed_004_pronouns_titles_and_nya(r):
    s = seed(4)
    ms = r.mentions(s["text"], dt.date(2022, 1, 21))
    dia = find(ms, "Dia")  # "Dia juga ingin agar NATO ..." after Putin's statement
    assert dia.name == "Vladimir Putin" and dia.code == "RUS"
    assert find(ms, "Menlu AS").name == "Antony Blinken"
    pas = find(ms, "pasukannya")  # "Moskwa bisa menghadapi ... jika salah satu pasukannya melintasi"
    assert (pas.code, pas.sector) == ("RUS", "MIL")


def test_nya_skips_prepositional_phrases(r):
    ms = r.mentions(
        "Erdogan memperluas operasi dan kehadiran militernya di Suriah setelah militernya diserang milisi.",
        dt.date(2022, 10, 13),
    )
    assert [m.entity.code for m in ms if m.entity.text == "militernya"] == ["TUR", "TUR"]


def test_unknown_titled_person_and_surname_coreference(r):
    text = (
        "Menteri Luar Negeri Filipina Enrique Manalo mengatakan negaranya tidak akan mundur. "
        "Manalo menambahkan bahwa dia akan bertemu mitranya."
    )
    ms = r.mentions(text, dt.date(2023, 5, 1))
    e = find(ms, "Menteri Luar Negeri Filipina Enrique Manalo")
    assert (e.code, e.sector, e.name, e.label) == ("PHL", "GOV", "Enrique Manalo", "PER")
    assert r.is_unknown(e)
    later = find(ms, "Manalo")
    assert (later.code, later.name) == ("PHL", "Enrique Manalo")
    assert find(ms, "dia").name == "Enrique Manalo"


def test_unknown_name_after_comma_and_hyphenated(r):
    ms = r.mentions(
        "Juru bicara Kementerian Pertahanan Turki, Zeki Akturk menanggapi tudingan itu.", dt.date(2025, 5, 28)
    )
    assert find(ms, "Juru bicara Kementerian Pertahanan Turki, Zeki Akturk").name == "Zeki Akturk"
    ms = r.mentions("Pelaksana Tugas Menteri Pertahanan Kim Seon-ho menolak.", dt.date(2025, 1, 6))
    assert ms[0].entity.name == "Kim Seon-ho"


def test_prepositions_end_a_name(r):
    ms = r.mentions("kata Juru Bicara Arrmanatha Nasir di Gedung Kemlu RI, Jakarta.", dt.date(2017, 7, 20))
    assert ms[0].entity.name == "Arrmanatha Nasir"


def test_title_case_headlines_are_not_names(r):
    assert r.mentions("Pejabat Setempat Sebut Badai Salju Chicago Seperti Kiamat", dt.date(2025, 1, 1)) == []


# ------------------------------------------------------------------ variants and fuzzy matching
def test_typos_resolve(r):
    ms = r.mentions("AS Bujuk Zelesnky agar Negosiasi", dt.date(2022, 11, 8))
    assert find(ms, "Zelesnky").name == "Volodymyr Zelensky"
    ms = r.mentions("setelah Ukrain menembakkan drone ke Belgorod.", dt.date(2024, 11, 21))
    assert find(ms, "Ukrain").code == "UKR"
    assert r.lookup("Moskow").code == "RUS"
    assert r.lookup("Kim Jong-un").name == "Kim Jong Un"


def test_fuzzy_lookup_helper():
    from pantau.actors import fuzzy_lookup

    weapons = ["ATACMS", "HIMARS", "Storm Shadow", "Patriot"]
    assert fuzzy_lookup("ATACM", weapons) == "ATACMS"
    assert fuzzy_lookup("himars", weapons) == "HIMARS"
    assert fuzzy_lookup("Rubin", ["Rubio"]) is None
    assert fuzzy_lookup("Zelesnky", ["Zelensky", "Zelenskyy"]) is not None


def test_fuzzy_does_not_merge_different_people(r):
    assert r.lookup("Rubin mengatakan") is None
    assert r.lookup("Kim Yo Jong").name == "Kim Yo Jong"
    assert r.lookup("Austria").code == "AUT"
    assert r.lookup("serangan ke Bandar Abbas") is None  # a city, not Mahmoud Abbas


# ------------------------------------------------------------------ API helpers
def test_entity_at_prefers_covering_mention():
    ms = [
        Entity("Presiden Rusia Vladimir Putin", "PER", 10, 39, "RUS", "GOV"),
        Entity("Kyiv", "LOC", 50, 54, "UKR"),
    ]
    assert entity_at(ms, 33, 39).text.startswith("Presiden")  # "Putin" inside the title span
    assert entity_at(ms, 45, 60).code == "UKR"
    assert entity_at(ms, 0, 5) is None


def test_resolve_mentions_spans_and_blank_doc(r, blank_nlp):
    s = seed(1)
    art = Article(id=s["id"], text=s["text"], published=s["published"])
    ents = r.resolve_mentions(None, art)
    assert ents and all(s["text"][e.start : e.end] == e.text for e in ents)
    doc = blank_nlp(s["text"])
    assert [e.text for e in r.resolve_mentions(doc, art)] == [e.text for e in ents]


def test_ner_persons_are_used_when_the_doc_has_them(r, blank_nlp):
    from spacy.tokens import Span

    text = "Kemudian Hakan Yilmazer datang ke Ankara."
    doc = blank_nlp(text)
    doc.ents = [Span(doc, 1, 3, label="PER")]
    ents = r.resolve_mentions(doc, Article(id="x", text=text, published="2024-01-01"))
    per = [e for e in ents if e.text == "Hakan Yilmazer"]
    assert per and per[0].label == "PER" and r.is_unknown(per[0])


# ------------------------------------------------------------------ corpus robustness and speed
def _corpus(n: int, international: bool = True) -> list[dict]:
    if not CORPUS.exists():
        pytest.skip("shared/corpus not available")
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            if a.get("text") and (not international or a.get("topic_guess") == "international"):
                out.append(a)
            if len(out) >= n:
                break
    return out


def test_corpus_spans_are_exact_and_fast(r):
    arts = _corpus(60)
    t = time.perf_counter()
    n = 0
    for a in arts:
        art = Article(id=a["id"], text=a["text"], published=a.get("published"))
        for e in r.resolve_mentions(None, art):
            n += 1
            assert a["text"][e.start : e.end] == e.text
            assert e.code and e.sector and e.label in {"PER", "ORG", "LOC", "ACTOR"}
    assert n > 300
    assert time.perf_counter() - t < 30  # about 5 ms an article on one core


# ------------------------------------------------------------------ CLI
def test_cli_add_then_lookup(tmp_path, monkeypatch):
    from pantau.actors import reset_resolver
    from pantau.cli import main

    local = tmp_path / "local.yaml"
    monkeypatch.setenv("PANTAU_ACTORS", str(local))
    reset_resolver()
    try:
        run = CliRunner().invoke(
            main,
            [
                "actors",
                "add",
                "Enrique Manalo",
                "--code",
                "PHL",
                "--sector",
                "GOV",
                "--alias",
                "Manalo",
                "--office",
                "Menteri Luar Negeri Filipina",
            ],
        )
        assert run.exit_code == 0, run.output
        assert "Enrique Manalo" in local.read_text(encoding="utf-8")
        run = CliRunner().invoke(main, ["actors", "lookup", "Menlu Filipina", "--date", "2023-01-01"])
        assert run.exit_code == 0, run.output
        got = json.loads(run.output)
        assert (got["code"], got["name"]) == ("PHL", "Enrique Manalo")
        bad = CliRunner().invoke(main, ["actors", "add", "X", "--code", "PHL", "--sector", "FOO"])
        assert bad.exit_code != 0
    finally:
        monkeypatch.delenv("PANTAU_ACTORS")
        reset_resolver()


def test_cli_unknown_lists_unknown_people(tmp_path):
    from pantau.cli import main
    from pantau.records import Result
    from pantau.store import Store

    text = "Menteri Luar Negeri Filipina Enrique Manalo bertemu Menlu Rusia Sergei Lavrov di Jakarta."
    art = Article(id="u1", text=text, published="2023-05-01", content_hash="h-u1")
    ents = get_resolver().resolve_mentions(None, art)
    db = tmp_path / "t.duckdb"
    with Store(db) as st:
        st.upsert(Result(article=art, entities=ents))
    for extra in ([], ["--recompute"]):
        run = CliRunner().invoke(main, ["actors", "--unknown", "--db", str(db), *extra])
        assert run.exit_code == 0, run.output
        assert "Enrique Manalo" in run.output and "Lavrov" not in run.output


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        # home-default names give way to a foreign state right after them (real corpus phrasings)
        ("ujar juru bicara Kemlu Korea Selatan, Lee Jae-woong, dalam jumpa pers.", "KOR"),
        ("Kemlu Armenia menyesalkan penggunaan itu.", "ARM"),
        ("Istana Kepresidenan Rusia mengatakan hal itu.", "RUS"),
        ("Rombongan itu kemudian bergegas ke Istana Elysee untuk santap siang bersama Macron.", "FRA"),
        # ... and keep the home default when nothing follows
        ("Kemlu mengatakan WNI dalam keadaan aman.", "IDN"),
        ("Istana mengatakan Presiden akan hadir.", "IDN"),
    ],
)
def test_home_default_yields_to_a_foreign_owner(r, sentence, code):
    ms = [m for m in r.mentions(sentence, dt.date(2024, 12, 8)) if m.entity.code]
    assert ms and ms[0].entity.code == code, [(m.entity.text, m.entity.code) for m in ms]


def test_two_scattered_edits_are_not_a_fuzzy_name(r):
    # "Sednaya" (a Syrian prison) is not a misspelling of "Senayan" (Indonesia's parliament)
    assert not [m for m in r.mentions("di penjara Sednaya, kata mereka.", None) if m.entity.code == "IDN"]
    # one transposition still is
    e = find(r.mentions("Presiden Zelesnky berkata", None), "Presiden Zelesnky")
    assert e.code == "UKR"


def test_appositive_role_gives_an_unowned_title_its_state(r):
    # the colonel is American although the article is about Iraq
    text = (
        "Pasukan gabungan merebut kembali sebuah desa di Irak utara. Pejabat Irak membenarkan. "
        '"Kemajuan ini penting," bunyi pernyataan Kolonel Myles Caggins, komandan senior AS di Irak.'
    )
    assert find(r.mentions(text, dt.date(2019, 8, 14)), "Kolonel Myles Caggins").code == "USA"


def test_title_owned_by_several_unnamed_states_is_not_the_dominant_one(r):
    text = (
        "Rusia membantah. Rusia berang. Para menteri pertahanan dari negara-negara itu lalu mendesak Moskwa "
        "membuka koridor kemanusiaan."
    )
    e = find(r.mentions(text, None), "menteri pertahanan dari negara-negara")
    assert e.code == "UNK"


def test_east_asian_family_name_is_a_short_form(r):
    text = (
        "Wakil Menteri Unifikasi Korea Selatan Chung Byung Won tiba di Hanoi. "
        '"Kerja sama ini penting," kata Chung.'
    )
    ms = r.mentions(text, dt.date(2024, 12, 13))
    assert find(ms, "Chung").code == "KOR"


def test_state_owned_company_is_indonesian_business(r):
    text = "Kontrak pembangkit itu diteken PLN bersama dua investor asal Korea Selatan."
    e = find(r.mentions(text, None), "PLN")
    assert (e.code, e.sector) == ("IDN", "BUS")


def test_kb_read_back_from_its_saved_form_equals_the_parsed_one(tmp_path, monkeypatch):
    """``load_kb_cached`` reads the KB back from ``pantau.cache``'s file: the same entries and roles."""
    import marshal

    from pantau.actors import kb

    parsed = kb.load_kb()
    assert kb.from_plain(marshal.loads(marshal.dumps(kb.to_plain(parsed)))) == parsed
    monkeypatch.setenv("PANTAU_CACHE_DIR", str(tmp_path))
    kb.clear_cache()
    try:
        first = kb.load_kb_cached()
        kb.clear_cache()
        assert list(tmp_path.glob("actor-kb-*.marshal")) and kb.load_kb_cached() == first == parsed
    finally:
        kb.clear_cache()
