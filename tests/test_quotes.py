"""Quote extraction on real sentences from the seeds and dev articles."""

from __future__ import annotations

from pantau.events import analyse
from pantau.records import Article


def quotes(text: str, published: str = "2022-11-08"):
    art = Article(id="q", text=text, published=published)
    _, _, qs = analyse(art, None)
    for q in qs:
        assert text[q.span.start : q.span.end] == q.span.text
        assert q.id.startswith("q:q")
    return qs


def test_direct_quote_with_postposed_cue():
    qs = quotes(
        '"Sekali lagi saya ulangi bahwa ada beberapa laporan yang benar, tetapi sebagian besar ada laporan '
        'yang murni spekulasi," kata Peskov kepada wartawan.'
    )
    direct = [q for q in qs if q.direct]
    assert len(direct) == 1
    assert direct[0].cue == "kata" and direct[0].speaker is not None and direct[0].speaker.code == "RUS"
    assert direct[0].text.startswith("Sekali lagi")


def test_direct_quote_with_preposed_cue_and_curly_marks():
    qs = quotes(
        "Dia lalu berujar, “Kami akan memperkuat aliansi Korsel-AS dan fokus pada pemulihan komunitas "
        "internasional.” Menteri Luar Negeri Korea Selatan Cho Tae Yul hadir di parlemen.",
        "2024-12-13",
    )
    assert any(q.direct and "memperkuat aliansi" in q.text for q in qs)


def test_continuation_paragraph_inherits_speaker():
    text = (
        '"Kami sekarang menguasai 60 persen wilayah Jalur Gaza," kata Netanyahu saat menghadiri sebuah '
        'konferensi.\n"Kami akan menangani sisanya setelah itu dan tidak akan keluar dari sana."'
    )
    qs = [q for q in quotes(text, "2026-05-29") if q.direct]
    assert len(qs) == 2
    assert qs[0].speaker is not None and qs[0].speaker.code == "ISR"
    assert qs[1].cue is None and qs[1].speaker is not None and qs[1].speaker.code == "ISR"


def test_indirect_speech_mengatakan_bahwa():
    qs = quotes(
        "Menteri Luar Negeri Rusia Sergei Lavrov mengatakan negaranya akan menafsirkannya sebagai fase "
        "baru perang Barat melawan Rusia secara kualitatif.",
        "2024-11-21",
    )
    ind = [q for q in qs if not q.direct]
    assert ind and ind[0].cue == "mengatakan" and ind[0].speaker.code == "RUS"
    assert ind[0].text.startswith("negaranya akan")


def test_menurut_names_the_source():
    qs = quotes(
        "Menurut Kementerian Kesehatan Gaza, serangan-serangan Israel telah menewaskan lebih dari 900 "
        "orang di Jalur Gaza sejak gencatan senjata.",
        "2026-05-29",
    )
    ind = [q for q in qs if not q.direct]
    assert ind and ind[0].cue == "menurut" and ind[0].speaker.code == "PSE"


def test_scare_quotes_are_not_quotes():
    assert not [
        q
        for q in quotes('AS menegaskan komitmennya untuk mempertahankan "setiap inci" wilayah NATO.')
        if q.direct
    ]


def test_quoted_threat_is_flagged_as_quote():
    text = (
        "“Saya memperingatkan para pemimpin Houthi bahwa Israel akan mencapai kalian juga,” kata Menteri "
        "Pertahanan Israel, Israel Katz, seperti dikutip AFP."
    )
    _, events, _ = analyse(Article(id="q", text=text, published="2024-12-20"), None)
    threats = [e for e in events if e.type == "THREATEN"]
    assert threats and threats[0].quote and {a.code for a in threats[0].actor} == {"ISR"}
    assert "YEM" in {r.code for r in threats[0].recipient}


def test_berujar_names_the_speaker_of_the_next_quote():
    qs = quotes('Presiden Rusia Vladimir Putin berujar, "Kami siap berunding dengan siapa pun."')
    direct = [q for q in qs if q.direct]
    assert direct and direct[0].speaker is not None and direct[0].speaker.code == "RUS"
