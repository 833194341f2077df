"""Root/affix/voice analysis of political verbs in all their voice forms (pantau.nlp.morph)."""

from __future__ import annotations

import pytest

from pantau.nlp.morph import analyse

# root: forms as (word, voice, nominal). voice None + nominal set = nominalisation.
A, P, S = "active", "passive", "stative"
VERBS: dict[str, list[tuple[str, str | None, str | None]]] = {
    "serang": [
        ("menyerang", A, None),
        ("diserang", P, None),
        ("terserang", S, None),
        ("serangan", None, "-an"),
        ("penyerangan", None, "peN-an"),
        ("penyerang", None, "peN"),
    ],
    "tembak": [
        ("menembak", A, None),
        ("ditembak", P, None),
        ("tertembak", S, None),
        ("tembakan", None, "-an"),
        ("penembakan", None, "peN-an"),
    ],
    "ancam": [("mengancam", A, None), ("diancam", P, None), ("terancam", S, None), ("ancaman", None, "-an")],
    "tuduh": [("menuduh", A, None), ("dituduh", P, None), ("tertuduh", S, None), ("tuduhan", None, "-an")],
    "kecam": [("mengecam", A, None), ("dikecam", P, None), ("kecaman", None, "-an")],
    "kutuk": [("mengutuk", A, None), ("dikutuk", P, None), ("kutukan", None, "-an")],
    "minta": [("meminta", A, None), ("diminta", P, None), ("permintaan", None, "per-an")],
    "desak": [("mendesak", A, None), ("didesak", P, None), ("desakan", None, "-an"), ("terdesak", S, None)],
    "tuntut": [
        ("menuntut", A, None),
        ("dituntut", P, None),
        ("tuntutan", None, "-an"),
        ("penuntutan", None, "peN-an"),
    ],
    "tolak": [("menolak", A, None), ("ditolak", P, None), ("penolakan", None, "peN-an")],
    "sangkal": [("menyangkal", A, None), ("disangkal", P, None), ("sangkalan", None, "-an")],
    "temu": [
        ("menemui", A, None),
        ("ditemui", P, None),
        ("bertemu", A, None),
        ("pertemuan", None, "per-an"),
        ("ditemukan", P, None),
    ],
    "tandatangan": [
        ("menandatangani", A, None),
        ("ditandatangani", P, None),
        ("penandatanganan", None, "peN-an"),
    ],
    "sepakat": [
        ("menyepakati", A, None),
        ("disepakati", P, None),
        ("bersepakat", A, None),
        ("kesepakatan", None, "ke-an"),
    ],
    "janji": [
        ("menjanjikan", A, None),
        ("dijanjikan", P, None),
        ("berjanji", A, None),
        ("perjanjian", None, "per-an"),
    ],
    "bantu": [("membantu", A, None), ("dibantu", P, None), ("bantuan", None, "-an"), ("terbantu", S, None)],
    "kirim": [
        ("mengirim", A, None),
        ("dikirim", P, None),
        ("mengirimkan", A, None),
        ("kiriman", None, "-an"),
        ("pengiriman", None, "peN-an"),
    ],
    "usir": [("mengusir", A, None), ("diusir", P, None), ("pengusiran", None, "peN-an")],
    "tutup": [
        ("menutup", A, None),
        ("ditutup", P, None),
        ("tertutup", S, None),
        ("penutupan", None, "peN-an"),
    ],
    "tangkap": [
        ("menangkap", A, None),
        ("ditangkap", P, None),
        ("tertangkap", S, None),
        ("penangkapan", None, "peN-an"),
    ],
    "tahan": [
        ("menahan", A, None),
        ("ditahan", P, None),
        ("tertahan", S, None),
        ("penahanan", None, "peN-an"),
        ("tahanan", None, "-an"),
    ],
    "caplok": [("mencaplok", A, None), ("dicaplok", P, None), ("pencaplokan", None, "peN-an")],
    "tarik": [
        ("menarik", A, None),
        ("ditarik", P, None),
        ("penarikan", None, "peN-an"),
        ("tertarik", S, None),
    ],
    "bebas": [
        ("membebaskan", A, None),
        ("dibebaskan", P, None),
        ("pembebasan", None, "peN-an"),
        ("kebebasan", None, "ke-an"),
    ],
    "bom": [("mengebom", A, None), ("dibom", P, None), ("pengeboman", None, "peN-an")],
    "gempur": [("menggempur", A, None), ("digempur", P, None), ("gempuran", None, "-an")],
    "kerah": [("mengerahkan", A, None), ("dikerahkan", P, None), ("pengerahan", None, "peN-an")],
    "bunuh": [
        ("membunuh", A, None),
        ("dibunuh", P, None),
        ("terbunuh", S, None),
        ("pembunuhan", None, "peN-an"),
    ],
    "culik": [("menculik", A, None), ("diculik", P, None), ("penculikan", None, "peN-an")],
    "serbu": [("menyerbu", A, None), ("diserbu", P, None), ("serbuan", None, "-an")],
    "rebut": [("merebut", A, None), ("direbut", P, None), ("perebutan", None, "per-an")],
    "duduk": [("menduduki", A, None), ("diduduki", P, None), ("pendudukan", None, "peN-an")],
    "blokade": [("memblokade", A, None), ("diblokade", P, None)],
    "sanksi": [("menyanksi", A, None), ("disanksi", P, None)],
    "kritik": [("mengkritik", A, None), ("dikritik", P, None), ("kritikan", None, "-an")],
    "bantah": [("membantah", A, None), ("dibantah", P, None), ("bantahan", None, "-an")],
    "setuju": [("menyetujui", A, None), ("disetujui", P, None), ("persetujuan", None, "per-an")],
    "dukung": [
        ("mendukung", A, None),
        ("didukung", P, None),
        ("dukungan", None, "-an"),
        ("pendukung", None, "peN"),
    ],
    "puji": [("memuji", A, None), ("dipuji", P, None), ("pujian", None, "-an")],
    "kunjung": [("mengunjungi", A, None), ("dikunjungi", P, None), ("kunjungan", None, "-an")],
    "bahas": [("membahas", A, None), ("dibahas", P, None), ("pembahasan", None, "peN-an")],
    "runding": [
        ("berunding", A, None),
        ("merundingkan", A, None),
        ("dirundingkan", P, None),
        ("perundingan", None, "per-an"),
    ],
    "umum": [("mengumumkan", A, None), ("diumumkan", P, None), ("pengumuman", None, "peN-an")],
    "ingat": [("memperingatkan", A, None), ("diperingatkan", P, None), ("peringatan", None, "per-an")],
    "hukum": [("menghukum", A, None), ("dihukum", P, None), ("hukuman", None, "-an")],
    "larang": [
        ("melarang", A, None),
        ("dilarang", P, None),
        ("terlarang", S, None),
        ("larangan", None, "-an"),
    ],
    "tuding": [("menuding", A, None), ("dituding", P, None), ("tudingan", None, "-an")],
    "hancur": [("menghancurkan", A, None), ("dihancurkan", P, None), ("kehancuran", None, "ke-an")],
    "lawan": [("melawan", A, None), ("dilawan", P, None), ("perlawanan", None, "per-an")],
    "usul": [("mengusulkan", A, None), ("diusulkan", P, None), ("usulan", None, "-an")],
    "evakuasi": [("mengevakuasi", A, None), ("dievakuasi", P, None)],
    "tewas": [("menewaskan", A, None), ("tewas", None, None)],
}

CASES = [(root, word, voice, nominal) for root, forms in VERBS.items() for word, voice, nominal in forms]


def test_enough_verbs() -> None:
    assert len(VERBS) >= 40
    assert len(CASES) >= 150


@pytest.mark.parametrize(("root", "word", "voice", "nominal"), CASES)
def test_root_voice_nominal(root: str, word: str, voice: str | None, nominal: str | None) -> None:
    a = analyse(word)
    assert (a.root, a.voice, a.nominal) == (root, voice, nominal)


@pytest.mark.parametrize(
    ("word", "root", "clitic", "voice"),
    [
        ("katanya", "kata", "nya", None),
        ("ujarnya", "ujar", "nya", None),
        ("dikeluarkannya", "keluar", "nya", "passive"),
        ("Menyerang", "serang", None, "active"),
        ("serangannya", "serang", "nya", None),
    ],
)
def test_clitics_and_case(word: str, root: str, clitic: str | None, voice: str | None) -> None:
    a = analyse(word)
    assert (a.root, a.clitic, a.voice) == (root, clitic, voice)


# "Mesir", "Megawati", "Medina": meN- is plain me- only before l/m/n/r/w/y, so these are not me-sir etc.
@pytest.mark.parametrize("word", ["presiden", "menteri", "berita", "perang", "Indonesia", "2024", "AS",
                                  "Mesir", "Megawati", "Medina"])
def test_plain_words_untouched(word: str) -> None:
    a = analyse(word)
    assert a.root == word.lower() and a.prefix is None and a.voice is None
