"""Worker processes (``--workers N``): same output as one process, in order; a killed worker loses
and duplicates nothing."""

from __future__ import annotations

import gzip
import itertools
import json
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pantau import pipeline
from pantau.cli import main
from pantau.scale import workers
from pantau.store.rows import TABLES

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "news_id.jsonl.gz"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="shared/corpus not available")


def corpus_file(tmp_path: Path, n: int, topic: str = "international") -> Path:
    """The first ``n`` corpus articles with ``topic_guess`` ``topic``, as a JSON-lines file."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        rows = [ln for ln in fh if json.loads(ln).get("topic_guess") == topic]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(itertools.islice(rows, n)), encoding="utf-8")
    return path


def synthetic_file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "syn.jsonl"
    lines = [json.dumps({"id": f"a{i}", "title": f"Berita {i}", "published": "2024-03-0" + str(1 + i % 9),
                         "text": f"Warga desa ke-{i} menggelar rapat di balai desa pada hari Senin. "
                                 f"Kepala desa meminta warga menjaga kebersihan lingkungan ({i})."})
             for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def table_rows(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT * EXCLUDE (ingested_at) FROM {t} ORDER BY ALL").fetchall()
                if t == "articles" else con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 records, so a handful of articles makes several chunks (and uses the pool)."""
    monkeypatch.setattr(pipeline, "CHUNK", 4)
    forks = []
    real = workers.WorkerPool._fork
    monkeypatch.setattr(workers.WorkerPool, "_fork", lambda self: (forks.append(1), real(self))[1])
    return forks


@needs_corpus
def test_workers_extract_byte_identical(tmp_path, small_chunks):
    src = corpus_file(tmp_path, 18)
    one = run("extract", str(src), "--workers", "1")
    assert one.exit_code == 0, one.stderr
    assert not small_chunks  # one worker: no pool
    two = run("extract", str(src), "--workers", "2")
    assert two.exit_code == 0, two.stderr
    assert small_chunks  # the pool ran
    assert two.stdout == one.stdout  # byte-identical, input order
    ids = [json.loads(ln)["article"]["id"] for ln in two.stdout.splitlines()]
    assert ids == [json.loads(ln)["id"] for ln in src.read_text(encoding="utf-8").splitlines()]
    assert any(json.loads(ln)["events"] for ln in two.stdout.splitlines())  # the NLP stage really ran


@needs_corpus
def test_workers_ingest_same_store_and_idempotent(tmp_path, small_chunks):
    src = corpus_file(tmp_path, 14)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert run("ingest", str(src), "--db", str(a), "--workers", "1").exit_code == 0
    res = run("ingest", str(src), "--db", str(b), "--workers", "2")
    assert res.exit_code == 0, res.stderr
    assert small_chunks
    assert table_rows(a) == table_rows(b)
    again = run("ingest", str(src), "--db", str(b), "--workers", "2")
    assert again.exit_code == 0
    assert "14 records in" in again.stdout and "14 unchanged" in again.stdout
    assert table_rows(a) == table_rows(b)


def _exit_on(ids: set[str], marker: Path | None = None):
    """A cleaning step that kills its worker process on the given record ids (once, with a marker)."""
    real = pipeline.process

    def process(raw, published=None, *, with_events=True):
        if raw.id in ids and os.getpid() != PARENT and (marker is None or not marker.exists()):
            if marker is not None:
                marker.touch()
            os._exit(9)
        return real(raw, published, with_events=with_events)

    return process


PARENT = os.getpid()


def test_killed_worker_retried_nothing_lost_or_doubled(tmp_path, small_chunks, monkeypatch):
    src = synthetic_file(tmp_path, 20)
    marker = tmp_path / "killed-once"
    monkeypatch.setattr(pipeline, "process", _exit_on({"a9"}, marker))
    db = tmp_path / "k.duckdb"
    res = run("ingest", str(src), "--db", str(db), "--no-events", "--workers", "2")
    assert res.exit_code == 0, res.stderr
    assert marker.exists()  # a worker really died
    assert len(small_chunks) >= 2  # and a new pool was forked
    assert "20 inserted" in res.stdout
    con = duckdb.connect(str(db), read_only=True)
    ids = [r[0] for r in con.execute("SELECT id FROM articles ORDER BY id").fetchall()]
    con.close()
    assert sorted(ids) == sorted(f"a{i}" for i in range(20))  # every one, once


def test_record_that_always_kills_fails_alone(tmp_path, small_chunks, monkeypatch):
    src = synthetic_file(tmp_path, 12)
    monkeypatch.setattr(pipeline, "process", _exit_on({"a5"}))
    db = tmp_path / "p.duckdb"
    res = run("ingest", str(src), "--db", str(db), "--no-events", "--workers", "2")
    assert res.exit_code == 1
    assert f"{src}:6: {workers.DIED}" in res.stderr  # named by file and line
    assert "11 inserted, 1 failed" in res.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM articles").fetchone() == (11, 11)
    con.close()


def test_bad_records_keep_their_errors_with_workers(tmp_path, small_chunks):
    src = tmp_path / "mixed.jsonl"
    good = synthetic_file(tmp_path, 9).read_text(encoding="utf-8").splitlines()
    src.write_text("\n".join(good[:4] + ["{not json", json.dumps({"id": "e", "text": ""})] + good[4:]) + "\n",
                   encoding="utf-8")
    res = run("extract", str(src), "--no-events", "--workers", "2")
    assert res.exit_code == 1
    assert f"{src}:5:" in res.stderr and f"{src}:6:" in res.stderr
    assert [json.loads(x)["article"]["id"] for x in res.stdout.splitlines()] == [f"a{i}" for i in range(9)]
    assert small_chunks


def test_failed_task_runs_in_the_parent(tmp_path, small_chunks, monkeypatch):
    src = synthetic_file(tmp_path, 10)
    want = run("extract", str(src), "--no-events", "--workers", "1").stdout
    real = workers._whole_task

    def task(stages, items):
        if any(getattr(i, "id", None) == "a6" for i in items) and os.getpid() != PARENT:
            raise RuntimeError("task lost")
        return real(stages, items)

    monkeypatch.setattr(workers, "_whole_task", task)
    res = run("extract", str(src), "--no-events", "--workers", "2")
    assert res.exit_code == 0, res.stderr
    assert small_chunks and res.stdout == want


def test_available_cores_and_chunks():
    assert workers.available_cores() >= 1
    assert [len(c) for c in workers.chunks(range(10), 4)] == [4, 4, 2]


# ---------------------------------------------------------------- startup: derived tables kept on disk


def test_derived_table_is_saved_read_back_and_rebuilt_when_a_source_changes(tmp_path, monkeypatch):
    from pantau import cache as derived

    monkeypatch.setenv("PANTAU_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "words.txt"
    source.write_text("satu dua", encoding="utf-8")
    builds: list[int] = []

    def build() -> dict[str, list[str]]:
        builds.append(1)
        return {"words": source.read_text(encoding="utf-8").split()}

    assert derived.cached("t", [source], build) == {"words": ["satu", "dua"]}
    assert derived.cached("t", [source], build) == {"words": ["satu", "dua"]}
    assert len(builds) == 1  # the second call read the saved file
    source.write_text("tiga", encoding="utf-8")
    assert derived.cached("t", [source], build) == {"words": ["tiga"]}
    assert len(builds) == 2
    assert derived.cached("t", [source], build, salt="v2") == {"words": ["tiga"]} and len(builds) == 3
    source.write_text("empat", encoding="utf-8")
    assert derived.cached("t", [source], build) == {"words": ["empat"]} and len(builds) == 4
    assert len(list((tmp_path / "cache").glob("t-*.marshal"))) == 3  # the oldest of four versions is gone


def test_derived_table_survives_a_damaged_file_and_saving_off(tmp_path, monkeypatch):
    from pantau import cache as derived

    monkeypatch.setenv("PANTAU_CACHE_DIR", str(tmp_path))
    source = tmp_path / "src.txt"
    source.write_text("x", encoding="utf-8")
    assert derived.cached("d", [source], lambda: ("x", 1)) == ("x", 1)
    (saved,) = tmp_path.glob("d-*.marshal")
    saved.write_bytes(b"\xff\x00 not marshal")
    assert derived.cached("d", [source], lambda: ("y", 2)) == ("y", 2)  # damaged: rebuilt and saved again
    assert derived.cached("d", [source], lambda: ("z", 3)) == ("y", 2)
    monkeypatch.setenv("PANTAU_CACHE_DIR", "off")
    assert derived.cached("d", [source], lambda: ("z", 3)) == ("z", 3)
    assert derived.digest([tmp_path / "missing"]) != derived.digest([source])


def test_tokens_at_gives_the_parse_token_of_each_offset():
    from pantau import nlp
    from pantau.events.rules.article import TokensAt

    doc = nlp.parse("Menteri Luar Negeri Jepang mengunjungi Hanoi pada hari Selasa membahas perdagangan.")
    at = TokensAt(doc)
    plain = {t.idx: t for t in doc}
    assert list(at) == list(plain) and len(at) == len(plain)
    assert all(at.get(k).i == plain[k].i and at.get(k).doc is doc for k in plain)
    assert at.get(1) is None and at.get(10_000) is None
    assert not TokensAt(nlp.parse(""))
