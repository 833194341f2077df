"""Ingestion: every input format, stable ids, and every bad-input case (the stream goes on)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from pantau.ingest import MAX_TEXT_BYTES, MAX_TEXT_CHARS, decode_bytes, make_id, read_inputs
from pantau.records import IngestError, RawRecord

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
HTML_DIR = SHARED / "corpus" / "html"

ARTICLE = (
    "Jakarta, CNN Indonesia -- Presiden Joko Widodo bertemu Perdana Menteri Jepang di Istana Merdeka, "
    "Senin (3/4).\n\n"
    "Kedua pemimpin membahas kerja sama ekonomi dan keamanan kawasan.\n"
)
PAGE = (
    "<html><head><title>Jokowi Bertemu PM Jepang - CNN Indonesia</title>"
    '<link rel="canonical" href="https://www.cnnindonesia.com/internasional/123/jokowi-bertemu"></head>'
    "<body><article><h1>Jokowi Bertemu PM Jepang</h1>"
    + "".join(f"<p>{s}</p>" for s in ARTICLE.split("\n") if s)
    + "</article></body></html>"
)


def records(items):
    return [x for x in items if isinstance(x, RawRecord)]


def errors(items):
    return [x for x in items if isinstance(x, IngestError)]


# --------------------------------------------------------------------------- formats


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/ not available")
def test_seed_txt_files_read_with_path_qualified_ids():
    out = list(read_inputs([str(SEEDS)]))
    recs = records(out)
    stems = sorted(p.stem for p in SEEDS.glob("*.txt"))
    txt = [r for r in recs if r.source.endswith(".txt")]
    # a .txt id is its name plus a digest of its path: two a.txt in two folders never collide
    assert sorted(r.id.rsplit("-", 1)[0] for r in txt) == stems
    again = records(read_inputs([str(SEEDS)]))
    assert [r.id for r in txt] == [r.id for r in again if r.source.endswith(".txt")]  # stable
    # seeds.jsonl gives the .txt stems as ids, with published dates
    js = [r for r in recs if r.source.endswith(".jsonl")]
    assert sorted(r.id for r in js) == stems
    assert all(r.published for r in js)
    assert not errors(out)


def test_directory_is_recursive_sorted_and_deterministic(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARTICLE.replace("Senin", "Selasa"), encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    first = [r.id for r in read_inputs([str(tmp_path)])]
    assert [i.rsplit("-", 1)[0] for i in first] == ["a", "z"]
    assert [r.id for r in read_inputs([str(tmp_path)])] == first


def test_jsonl_fields_and_line_numbers(tmp_path):
    p = tmp_path / "batch.jsonl"
    rows = [
        {
            "id": "x1",
            "url": "https://kompas.com/a",
            "title": "T",
            "published": "2024-01-02",
            "outlet": "Kompas",
            "text": ARTICLE,
        },
        {"url": "https://detik.com/b", "html": PAGE},
        {"text": ARTICLE + " lain"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + '\n\nnot json\n{"id": 5}\n', encoding="utf-8")
    out = list(read_inputs([str(p)]))
    recs, errs = records(out), errors(out)
    assert [r.line for r in recs] == [1, 2, 3]
    assert recs[0].id == "x1" and recs[0].outlet == "Kompas" and recs[0].published == "2024-01-02"
    assert recs[1].html and not recs[1].text
    assert recs[1].id == make_id(url="https://detik.com/b")
    assert recs[2].id == make_id(text=ARTICLE + " lain")
    assert [(e.line, "invalid JSON" in e.message) for e in errs][0] == (5, True)
    assert errs[1].line == 6 and "neither 'text' nor 'html'" in errs[1].message


def test_json_object_and_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"id": "solo", "text": ARTICLE}), encoding="utf-8")
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"id": "a", "text": ARTICLE}, {"id": "b", "text": ""}]), encoding="utf-8")
    out = list(read_inputs([str(one), str(many)]))
    assert [r.id for r in records(out)] == ["solo", "a"]
    (err,) = errors(out)
    assert err.line == 2 and "empty text" in err.message


def test_gzipped_jsonl(tmp_path):
    p = tmp_path / "batch.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "g1", "text": ARTICLE}) + "\n")
    assert [r.id for r in read_inputs([str(p)])] == ["g1"]


def test_html_file_keeps_html_and_canonical_url(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(PAGE, encoding="utf-8")
    (rec,) = list(read_inputs([str(p)]))
    assert rec.html and "<article>" in rec.html and rec.text is None
    assert rec.url == "https://www.cnnindonesia.com/internasional/123/jokowi-bertemu"
    assert rec.id == make_id(url=rec.url)


@pytest.mark.skipif(not HTML_DIR.exists(), reason="shared/ not available")
def test_saved_pages_read():
    out = list(read_inputs([str(HTML_DIR)]))
    assert len(records(out)) == len(list(HTML_DIR.glob("*.html"))) == 40
    assert len({r.id for r in records(out)}) == 40


def _warc(tmp_path: Path, gz: bool) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for i, (ctype, body) in enumerate(
            [
                ("text/html; charset=utf-8", PAGE),
                ("application/json", "{}"),
                ("text/html", PAGE.replace("Senin", "Rabu")),
            ]
        ):
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(
                f"https://news.example.id/a{i}",
                "response",
                payload=io.BytesIO(body.encode()),
                http_headers=headers,
            )
            writer.write_record(rec)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_warc_html_responses(tmp_path, gz):
    out = list(read_inputs([str(_warc(tmp_path, gz))]))
    recs = records(out)
    assert [r.url for r in recs] == ["https://news.example.id/a0", "https://news.example.id/a2"]
    assert all(r.html and "Jokowi" in r.html for r in recs)
    assert recs[0].id == make_id(url="https://news.example.id/a0")


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Kompas.com - Internasional</title>
<item><title>Rusia Serang Kyiv</title><link>https://www.kompas.com/global/read/1</link>
<pubDate>Wed, 20 Nov 2024 10:15:00 +0000</pubDate><description>Ringkasan.</description>
<content:encoded><![CDATA[<p>KYIV, KOMPAS.com - Rusia menyerang Kyiv dengan rudal, Rabu (20/11/2024).</p>
<p>Ukraina mengecam serangan itu.</p>]]></content:encoded></item>
<item><title>Item kedua</title><link>https://www.kompas.com/global/read/2</link>
<description>Hanya ringkasan berita.</description></item>
<item><title>Kosong</title><link>https://www.kompas.com/global/read/3</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Berita</title>
<entry><title>Atom satu</title><link href="https://berita.example.id/1"/><id>urn:1</id>
<updated>2024-11-21T08:00:00Z</updated>
<content type="html">&lt;p&gt;Paragraf pertama.&lt;/p&gt;
&lt;p&gt;Paragraf kedua.&lt;/p&gt;</content></entry>
</feed>"""


def test_rss_items_with_content_encoded(tmp_path):
    p = tmp_path / "feed.rss"
    p.write_text(RSS, encoding="utf-8")
    out = list(read_inputs([str(p)]))
    recs = records(out)
    assert [r.title for r in recs] == ["Rusia Serang Kyiv", "Item kedua"]
    first = recs[0]
    assert first.text.split("\n\n") == [
        "KYIV, KOMPAS.com - Rusia menyerang Kyiv dengan rudal, Rabu (20/11/2024).",
        "Ukraina mengecam serangan itu.",
    ]
    assert first.url == "https://www.kompas.com/global/read/1"
    assert first.published == "2024-11-20T10:15"
    assert recs[1].text == "Hanya ringkasan berita."
    (err,) = errors(out)
    assert err.line == 3 and "no content" in err.message


def test_atom_feed_sniffed_from_xml(tmp_path):
    p = tmp_path / "feed.xml"
    p.write_text(ATOM, encoding="utf-8")
    (rec,) = list(read_inputs([str(p)]))
    assert rec.text == "Paragraf pertama.\n\nParagraf kedua."
    assert rec.url == "https://berita.example.id/1" and rec.published.startswith("2024-11-21")


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (json.dumps({"id": "s1", "text": ARTICLE}) + "\n", "jsonl"),
        (PAGE, "html"),
        (RSS, "feed"),
        (ARTICLE, "text"),
    ],
)
def test_stdin_sniffing(payload, kind):
    out = records(read_inputs(["-"], stdin=io.StringIO(payload)))
    assert out
    if kind == "jsonl":
        assert out[0].id == "s1"
    elif kind == "html":
        assert out[0].html and out[0].source == "<stdin>"
    elif kind == "feed":
        assert out[0].title == "Rusia Serang Kyiv"
    else:
        assert out[0].text == ARTICLE and out[0].id == make_id(text=ARTICLE)


def test_ids_are_stable_and_whitespace_insensitive():
    assert make_id(text="a  b\n c") == make_id(text="a b c")
    assert len(make_id(url="https://x.id/1")) == 16
    assert make_id(given=12, url="https://x.id/1") == "12"


# --------------------------------------------------------------------------- bad input


def test_missing_path_and_stream_goes_on(tmp_path):
    good = tmp_path / "ok.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    out = list(read_inputs([str(tmp_path / "nope.txt"), str(good)]))
    assert isinstance(out[0], IngestError) and "no such file" in out[0].message
    assert isinstance(out[1], RawRecord) and out[1].id.startswith("ok-")


def test_directory_without_articles(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    (err,) = list(read_inputs([str(tmp_path)]))
    assert "no article files" in err.message


def test_binary_file(tmp_path):
    p = tmp_path / "blob.txt"
    p.write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    (err,) = list(read_inputs([str(p)]))
    assert "binary" in err.message


def test_empty_text_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("  \n\n ", encoding="utf-8")
    (err,) = list(read_inputs([str(p)]))
    assert err.message == "empty text"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Menlu Retno “menegaskan” sikap RI — tegas.".encode("cp1252"),
            "Menlu Retno “menegaskan” sikap RI — tegas.",
        ),
        ("Café Jalan Sudirman, façade".encode("latin-1"), "Café Jalan Sudirman, façade"),
        ("\ufeffPresiden Jokowi tiba di Bali.".encode(), "Presiden Jokowi tiba di Bali."),
    ],
)
def test_legacy_encodings_are_decoded(tmp_path, raw, expected):
    assert decode_bytes(raw) == expected
    p = tmp_path / "legacy.txt"
    p.write_bytes(raw)
    (rec,) = list(read_inputs([str(p)]))
    assert rec.text == expected


def test_latin1_bytes_undefined_in_cp1252():
    # 0x81/0x8d are undefined in cp1252: the latin-1 fallback still decodes them.
    assert decode_bytes(b"a\x81b\x8dc") == "a\x81b\x8dc"


def test_ten_megabyte_article_rejected_quickly(tmp_path):
    big = ("Kalimat berita yang panjang sekali. " * 300_000)[:10_000_000]
    p = tmp_path / "big.txt"
    p.write_text(big, encoding="utf-8")
    (err,) = list(read_inputs([str(p)]))
    assert "over the 1.2 MB limit" in err.message
    line = tmp_path / "big.jsonl"
    line.write_text(
        json.dumps({"id": "big", "text": big}) + "\n" + json.dumps({"id": "ok", "text": ARTICLE}) + "\n"
    )
    out = list(read_inputs([str(line)]))
    assert isinstance(out[0], IngestError) and out[0].line == 1
    assert out[1].id == "ok"
    assert MAX_TEXT_BYTES == 4 * MAX_TEXT_CHARS


def test_invalid_json_file(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"id": 1, "text": ', encoding="utf-8")
    (err,) = list(read_inputs([str(p)]))
    assert "invalid JSON" in err.message


def test_broken_warc_and_feed(tmp_path):
    w = tmp_path / "bad.warc"
    w.write_text("this is not a warc file\n" * 3)
    f = tmp_path / "bad.rss"
    f.write_text("<rss><channel><title>x</title></channel></rss>")
    out = list(read_inputs([str(w), str(f)]))
    assert len(out) == 2 and all(isinstance(e, IngestError) for e in out)
    assert "WARC" in out[0].message and "no items" in out[1].message


def test_stdin_missing():
    (err,) = list(read_inputs(["-"], stdin=None))
    assert "standard input" in err.message


def test_html_without_body_becomes_an_error_in_the_pipeline(tmp_path):
    from pantau.pipeline import process_all

    bad = tmp_path / "nobody.html"
    bad.write_text("<html><head><title>Judul saja</title></head></html>", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    out = list(process_all(read_inputs([str(bad), str(good)]), with_events=False))
    assert isinstance(out[0], IngestError) and "no article text" in out[0].message
    assert out[1].article.id.startswith("good-") and out[1].article.outlet == "CNN Indonesia"


def test_jsonl_stream_yields_each_line_as_it_comes_and_survives_a_bad_one():
    from pantau.ingest import read_jsonl_stream

    lines = [b'{"id": "a1", "text": "Menteri luar negeri bertemu mitranya di Hanoi."}\n', b"{not json\n",
             b'{"id": "a2", "text": "Parlemen menolak rancangan anggaran itu."}\n']
    out = list(read_jsonl_stream(io.BytesIO(b"".join(lines)), "feed.jsonl"))
    assert [getattr(r, "id", None) for r in out] == ["a1", None, "a2"]
    bad = out[1]
    assert isinstance(bad, IngestError) and bad.source == "feed.jsonl" and bad.line == 2
    seen: list[str] = []
    for rec in read_jsonl_stream(io.BytesIO(b"".join(lines)), stop=lambda: len(seen) >= 1):
        seen.append(rec.id)
    assert seen == ["a1"]
