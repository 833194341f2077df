"""Hostile input at the ingest/CLI end (issue 20, items 1, 4, 6 and 9): each test failed before the fix.

1. one bad character must not abort a run; 4. every input is read with bounded memory
and a stated text limit; 6. nothing is lost without a word (truncated WARC, unknown
files, deep HTML, colliding .txt ids); 9. "other" language, UTF-16 files, control
characters.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import threading
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import pantau.ingest as ingest_mod
import pantau.ingest.jsonl as jsonl_mod
from pantau.clean import clean_article
from pantau.cli import main
from pantau.ingest import MAX_TEXT_CHARS, read_inputs
from pantau.pipeline import process_all
from pantau.records import Article, IngestError, RawRecord, Result
from pantau.store import Store

SCHEMA = json.loads((Path(ingest_mod.__file__).parents[1] / "schema" / "output.schema.json").read_text())

BODY = (
    "Menteri Pertahanan Indonesia bertemu dengan Menteri Pertahanan Australia di Canberra pada Selasa "
    "untuk membahas latihan militer bersama. Kedua pihak sepakat memperluas kerja sama maritim di "
    "Samudra Hindia, kata juru bicara kementerian kepada wartawan."
)


def jline(i: int, **kw: object) -> str:
    return json.dumps({"id": f"ok-{i}", "text": f"{BODY} (berita {i})", **kw})


def run(*args: str, stdin: bytes | None = None):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def records(items):
    return [x for x in items if isinstance(x, RawRecord)]


def errors(items):
    return [x for x in items if isinstance(x, IngestError)]


def stored_ids(db: Path) -> set[str]:
    with Store(db, read_only=True) as s:
        return {r[0] for r in s.con.execute("SELECT id FROM articles").fetchall()}


# --------------------------------------------------------------------------- 1. one bad character


def _surrogate_file(tmp_path: Path, where: str) -> Path:
    lines = [jline(i) for i in (1, 2, 3)]
    if where == "text":
        lines.append('{"id": "bad", "text": "Teks \\ud800 rusak. ' + BODY + '"}')
    else:
        lines.append('{"id": "bad\\ud800", "text": "' + BODY + ' (lain)"}')
    lines += [jline(i) for i in (5, 6)]
    p = tmp_path / f"surrogate-{where}.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_surrogate_in_text_is_repaired_and_the_run_goes_on(tmp_path):
    p = _surrogate_file(tmp_path, "text")
    res = run("extract", "--no-events", str(p))
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [o["article"]["id"] for o in out] == ["ok-1", "ok-2", "ok-3", "bad", "ok-5", "ok-6"]
    assert "\ufffd" in out[3]["article"]["text"]
    assert res.exit_code == 0, res.stderr


def test_surrogate_in_id_fails_that_record_only(tmp_path):
    p = _surrogate_file(tmp_path, "id")
    res = run("extract", "--no-events", str(p))
    assert res.exit_code == 1
    assert [json.loads(x)["article"]["id"] for x in res.stdout.splitlines()] == [
        "ok-1", "ok-2", "ok-3", "ok-5", "ok-6"
    ]
    assert f"{p}:4: field 'id' is not valid Unicode" in res.stderr
    db = tmp_path / "db.duckdb"
    res = run("ingest", "--no-events", "--db", str(db), str(p))
    assert res.exit_code == 1
    assert f"{p}:4: " in res.stderr
    assert stored_ids(db) == {"ok-1", "ok-2", "ok-3", "ok-5", "ok-6"}


def test_a_reader_bug_fails_one_line_not_the_run(tmp_path, monkeypatch):
    real = jsonl_mod._record_from_obj

    def flaky(source, line, obj):
        if obj.get("id") == "ok-2":
            raise RuntimeError("boom")
        return real(source, line, obj)

    monkeypatch.setattr(jsonl_mod, "_record_from_obj", flaky)
    monkeypatch.delenv("PANTAU_DEBUG", raising=False)
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(jline(i) for i in (1, 2, 3)) + "\n", encoding="utf-8")
    out = list(read_inputs([str(p)]))
    assert [type(x).__name__ for x in out] == ["RawRecord", "IngestError", "RawRecord"]
    assert out[1].line == 2 and "internal error: RuntimeError: boom" in out[1].message


def test_a_stage_bug_is_caught_per_record(monkeypatch):
    import pantau.pipeline as pipeline

    real = pipeline.clean_article

    def flaky(raw, published=None):
        if raw.id == "b":
            raise KeyError("not a ValueError")
        return real(raw, published=published)

    monkeypatch.setattr(pipeline, "clean_article", flaky)
    monkeypatch.delenv("PANTAU_DEBUG", raising=False)
    raws = [RawRecord(source="s.jsonl", line=i, id=x, text=BODY) for i, x in enumerate("abc", 1)]
    out = list(process_all(raws, with_events=False))
    assert [type(x).__name__ for x in out] == ["Result", "IngestError", "Result"]
    assert out[1].source == "s.jsonl" and out[1].line == 2 and "KeyError" in out[1].message


def test_a_storage_failure_fails_its_records_only(tmp_path, monkeypatch):
    real = Store.upsert_many

    def flaky(self, results, *, force=False):
        if any(r.article.id == "ok-2" for r in results):
            raise RuntimeError("disk says no")
        return real(self, results, force=force)

    monkeypatch.setattr(Store, "upsert_many", flaky)
    monkeypatch.delenv("PANTAU_DEBUG", raising=False)
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(jline(i) for i in (1, 2, 3)) + "\n", encoding="utf-8")
    db = tmp_path / "db.duckdb"
    res = run("ingest", "--no-events", "--db", str(db), str(p))
    assert res.exit_code == 1
    assert f"{p}:2: cannot store: RuntimeError: disk says no" in res.stderr
    assert stored_ids(db) == {"ok-1", "ok-3"}


# --------------------------------------------------------------------------- 4. bounded reads


class _CountingStream(io.RawIOBase):
    """A byte stream of many JSON lines that counts how much was read from it."""

    def __init__(self, lines: int) -> None:
        self.data = io.BytesIO(("\n".join(jline(i) for i in range(lines)) + "\n").encode())
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001
        n = self.data.readinto(b)
        self.read_bytes += n
        return n


def test_stdin_is_streamed_line_by_line():
    raw = _CountingStream(5000)  # ~1.6 MB
    total = len(raw.data.getvalue())
    it = read_inputs(["-"], stdin=io.BufferedReader(raw))
    first = next(it)
    assert isinstance(first, RawRecord) and first.id == "ok-0"
    assert raw.read_bytes < total / 4  # the whole input was not read to give the first record
    assert sum(1 for _ in it) == 4999


def test_device_files_are_refused():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    (err,) = list(read_inputs(["/dev/zero"]))
    assert isinstance(err, IngestError) and "not a regular file (a character device)" in err.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipe_is_streamed(tmp_path):
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w", encoding="utf-8") as fh:
            for i in range(3):
                fh.write(jline(i) + "\n")

    t = threading.Thread(target=writer)
    t.start()
    out = list(read_inputs([str(fifo)]))
    t.join(10)
    assert [r.id for r in records(out)] == ["ok-0", "ok-1", "ok-2"] and not errors(out)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipe_is_read_with_a_cap(tmp_path):
    """A pipe has no size to check: reading stops at the limit instead of taking all it is given."""
    fifo = tmp_path / "endless.txt"
    os.mkfifo(fifo)
    written = [0]

    def writer() -> None:
        chunk = (BODY + " ").encode() * 4000  # ~1 MB
        try:
            with open(fifo, "wb") as fh:
                for _ in range(40):
                    fh.write(chunk)
                    written[0] += len(chunk)
        except BrokenPipeError:
            pass

    t = threading.Thread(target=writer)
    t.start()
    (err,) = list(read_inputs([str(fifo)]))
    t.join(20)
    assert isinstance(err, IngestError) and "text file is over the 1.2 MB limit" in err.message
    assert written[0] < 10_000_000


def test_text_limit_is_stated_and_checked_before_nlp(tmp_path):
    assert 200_000 <= MAX_TEXT_CHARS <= 500_000
    long = (BODY + " ") * (MAX_TEXT_CHARS // len(BODY) + 2)
    p = tmp_path / "long.jsonl"
    p.write_text(json.dumps({"id": "long", "text": long}) + "\n" + jline(2) + "\n", encoding="utf-8")
    out = list(read_inputs([str(p)]))
    assert isinstance(out[0], IngestError) and out[0].line == 1
    assert f"over the {MAX_TEXT_CHARS:,}-character limit" in out[0].message
    assert out[1].id == "ok-2"


def test_text_limit_after_html_extraction(monkeypatch):
    from pantau.clean import html

    long = "\n".join([BODY] * (MAX_TEXT_CHARS // len(BODY) + 2))
    monkeypatch.setattr(html, "extract", lambda page, url=None: html.PageText(text=long))
    with pytest.raises(ValueError, match="-character limit"):
        clean_article(RawRecord(source="p.html", id="p", html="<p>x</p>"))


def test_page_with_far_too_much_text_is_refused_before_extraction(monkeypatch):
    """A page holding megabytes of text cannot give an article under the limit: refused before trafilatura."""
    import trafilatura

    def never(*a, **kw):  # noqa: ANN002, ANN003
        raise AssertionError("trafilatura should not run")

    monkeypatch.setattr(trafilatura, "bare_extraction", never)
    page = "<html><body>" + f"<div><p>{BODY}</p></div>" * (5 * MAX_TEXT_CHARS // len(BODY)) + "</body></html>"
    with pytest.raises(ValueError, match="article limit"):
        clean_article(RawRecord(source="p.html", id="p", html=page))


def test_long_json_line_and_json_document_are_refused_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_mod, "MAX_LINE_BYTES", 2000)
    p = tmp_path / "a.jsonl"
    p.write_text(jline(1) + "\n" + json.dumps({"id": "x", "text": BODY * 20}) + "\n" + jline(3) + "\n")
    out = list(read_inputs([str(p)]))
    assert [getattr(x, "id", None) for x in out] == ["ok-1", None, "ok-3"]
    assert out[1].line == 2 and "JSON line is over the 0.002 MB limit" in out[1].message
    monkeypatch.setattr(ingest_mod, "MAX_JSON_BYTES", 2000)
    (err,) = list(read_inputs(["-"], stdin=io.BytesIO(json.dumps([{"text": BODY}] * 20).encode())))
    assert "JSON document is over the 0.002 MB limit" in err.message


# --------------------------------------------------------------------------- 6. silent loss


def _warc(tmp_path: Path, n: int = 3) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    for i in range(n):
        page = f"<html><head><title>Berita {i}</title></head><body><p>{BODY} ({i})</p>" + "<p>isi</p>" * 200
        hh = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        rec = w.create_warc_record(f"https://contoh.id/{i}", "response",
                                   payload=io.BytesIO((page + "</body></html>").encode()), http_headers=hh)
        w.write_record(rec)
    return buf.getvalue()


@pytest.mark.parametrize("keep", [0.97, 0.7])
def test_truncated_warc_is_an_error(tmp_path, keep):
    data = _warc(tmp_path)
    p = tmp_path / "cut.warc.gz"
    p.write_bytes(data[: int(len(data) * keep)])
    out = list(read_inputs([str(p)]))
    errs = errors(out)
    assert errs and "truncated" in errs[-1].message
    assert len(records(out)) < 3


def test_whole_warc_has_no_error(tmp_path):
    p = tmp_path / "ok.warc.gz"
    p.write_bytes(_warc(tmp_path))
    out = list(read_inputs([str(p)]))
    assert len(records(out)) == 3 and not errors(out)


def test_unknown_files_in_a_directory_are_named(tmp_path):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "catatan.docx").write_bytes(b"PK\x03\x04")
    res = run("extract", "--no-events", str(tmp_path))
    assert res.exit_code == 0
    assert "catatan.docx: skipped: unknown file type" in res.stderr


def test_deeply_nested_html_keeps_its_text():
    from pantau.clean.html import extract

    paras = "".join(f"<p>{BODY} Paragraf {i}.</p>" for i in range(3))
    for depth in (300, 3000):
        nested = f"{'<div>' * depth}{paras}{'</div>' * depth}"
        page = f"<html><head><title>Judul</title></head><body>{nested}</body></html>"
        text = extract(page).text
        assert "Paragraf 0" in text and "Paragraf 2" in text


def test_txt_ids_never_collide_and_reingest_is_idempotent(tmp_path):
    for d, word in (("satu", "Selasa"), ("dua", "Rabu")):
        (tmp_path / d).mkdir()
        (tmp_path / d / "a.txt").write_text(BODY.replace("Selasa", word), encoding="utf-8")
    ids = [r.id for r in read_inputs([str(tmp_path)])]
    assert len(set(ids)) == 2
    db = tmp_path / "db.duckdb"
    assert run("ingest", "--no-events", "--db", str(db), str(tmp_path)).exit_code == 0
    again = run("ingest", "--no-events", "--db", str(db), str(tmp_path))
    assert again.exit_code == 0
    assert stored_ids(db) == set(ids)
    last = [ln for ln in again.stdout.splitlines() if ln.startswith(str(tmp_path))][0]
    assert last.split()[1:] == ["2", "0", "0", "2", "0"]  # records, inserted, replaced, unchanged, failed


# --------------------------------------------------------------------------- 9. schema, UTF-16, controls


def test_schema_accepts_language_other():
    art = Article(id="x", text=BODY, language="other", language_confidence=0.4, flags=["non_indonesian"])
    jsonschema.validate(Result(art).to_dict(), SCHEMA)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_with_bom_is_decoded(tmp_path, encoding):
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    p = tmp_path / "a.txt"
    p.write_bytes(bom + BODY.encode(encoding))
    (rec,) = list(read_inputs([str(p)]))
    assert isinstance(rec, RawRecord) and rec.text == BODY
    j = tmp_path / "a.jsonl"
    j.write_bytes(bom + (jline(1) + "\n" + jline(2) + "\n").encode(encoding))
    assert [r.id for r in read_inputs([str(j)])] == ["ok-1", "ok-2"]


def test_controls_and_bidi_overrides_are_stripped():
    hostile = "Menteri\x00 Pertahanan\x1b[31m \u202eIndonesia\u202c bertemu\x07 mitra\u2066nya\u2069. " + BODY
    raw = RawRecord(source="t", id="t", title="Judul\x00 \u202eberita", text=hostile)
    (rec,) = list(read_inputs(["-"], stdin=io.StringIO(json.dumps(raw.__dict__))))
    art = clean_article(rec)
    for bad in ("\x00", "\x1b", "\x07", "\u202e", "\u202c", "\u2066", "\u2069"):
        assert bad not in art.text and bad not in (art.title or "")
    assert "Menteri Pertahanan[31m Indonesia bertemu mitranya." in art.text


def test_gzip_jsonl_truncated_is_reported(tmp_path):
    lines = [jline(i, title=os.urandom(30).hex()) for i in range(3000)]  # incompressible: > 64 KiB
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    out = list(read_inputs([str(p)]))
    assert records(out) and errors(out) and "truncated" in errors(out)[-1].message
