"""Quote extraction on self-written sentences (never eval-set text)."""

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
        '"Sekali lagi kami tegaskan bahwa kabar itu sama sekali tidak berdasar dan hanya rekaan belaka," '
        'kata Peskov kepada wartawan.'
    )
    direct = [q for q in qs if q.direct]
    assert len(direct) == 1
    assert direct[0].cue == "kata" and direct[0].speaker is not None and direct[0].speaker.code == "RUS"
    assert direct[0].text.startswith("Sekali lagi")


def test_direct_quote_with_preposed_cue_and_curly_marks():
    qs = quotes(
        "Ia kemudian berujar, “Kami akan mempererat kemitraan Jepang-Filipina agar kawasan tetap stabil "
        "dan terbuka.” Menteri Pertahanan Jepang Gen Nakatani berbicara di Manila.",
        "2025-02-25",
    )
    assert any(q.direct and "mempererat kemitraan" in q.text for q in qs)


def test_continuation_paragraph_inherits_speaker():
    text = (
        '"Pasukan kami sudah menguasai sebagian besar kota itu," kata Netanyahu dalam rapat kabinet di '
        'Yerusalem.\n"Sisanya akan kami bereskan dalam beberapa pekan ke depan tanpa kompromi."'
    )
    qs = [q for q in quotes(text, "2025-08-10") if q.direct]
    assert len(qs) == 2
    assert qs[0].speaker is not None and qs[0].speaker.code == "ISR"
    assert qs[1].cue is None and qs[1].speaker is not None and qs[1].speaker.code == "ISR"


def test_indirect_speech_mengatakan_bahwa():
    qs = quotes(
        "Menteri Pertahanan Rusia Andrei Belousov mengatakan negaranya akan menganggap pengiriman itu "
        "sebagai provokasi langsung dari Barat.",
        "2024-11-21",
    )
    ind = [q for q in qs if not q.direct]
    assert ind and ind[0].cue == "mengatakan" and ind[0].speaker.code == "RUS"
    assert ind[0].text.startswith("negaranya akan")


def test_menurut_names_the_source():
    qs = quotes(
        "Menurut Kementerian Kesehatan Lebanon, gempuran udara Israel sepanjang pekan ini telah merenggut "
        "120 nyawa di selatan negeri itu.",
        "2024-10-02",
    )
    ind = [q for q in qs if not q.direct]
    assert ind and ind[0].cue == "menurut" and ind[0].speaker.code == "LBN"


def test_scare_quotes_are_not_quotes():
    assert not [
        q
        for q in quotes('Jepang menegaskan tekadnya untuk menjaga "setiap jengkal" perairan Senkaku.')
        if q.direct
    ]


def test_quoted_threat_is_flagged_as_quote():
    text = (
        "“Kami memperingatkan milisi Houthi bahwa serangan berikutnya akan dibalas dengan keras,” ujar "
        "Kepala Staf Militer Israel, Herzi Halevi, kepada wartawan."
    )
    _, events, _ = analyse(Article(id="q", text=text, published="2024-12-20"), None)
    threats = [e for e in events if e.type == "THREATEN"]
    assert threats and threats[0].quote and {a.code for a in threats[0].actor} == {"ISR"}
    assert "YEM" in {r.code for r in threats[0].recipient}


def test_berujar_names_the_speaker_of_the_next_quote():
    qs = quotes('Presiden Rusia Vladimir Putin berujar, "Kami siap berunding dengan siapa pun."')
    direct = [q for q in qs if q.direct]
    assert direct and direct[0].speaker is not None and direct[0].speaker.code == "RUS"
