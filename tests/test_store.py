"""The DuckDB store: idempotent upserts, atomic replacement, queries and exports."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pantau.records import Article, Entity, Event, Location, Quote, Removed, Result, Span
from pantau.store import Store, default_db_path

# A self-written sample sentence: the article text the spans below point into.
TEXT = (
    "Kedutaan Besar AS di Kyiv ditutup sementara sejak Kamis pagi. Penutupan itu menyusul "
    "ancaman balasan Presiden Rusia Vladimir Putin atas pemakaian rudal buatan Amerika."
)


def span(text: str, needle: str) -> Span:
    start = text.index(needle)
    return Span(start, start + len(needle), needle)


def entity(text: str, needle: str, code: str, sector: str = "GOV", label: str = "LOC") -> Entity:
    s = span(text, needle)
    return Entity(needle, label, s.start, s.end, code, sector, None, None)


def make_result(
    aid: str = "a1", *, text: str = TEXT, published: str = "2024-11-21", outlet: str = "Kontan",
    content_hash: str | None = None, n_events: int = 2,
) -> Result:
    """A hand-built result: 3 entities, up to 2 events (THREATEN RUS→USA, CLOSE embassy), 1 quote."""
    art = Article(
        id=aid, text=text, title=f"Judul {aid}", published=published, outlet=outlet, url=f"https://x.id/{aid}",
        authors=["Barratut Taqiyyah Rafie"], attributions=["Reuters"], language="id",
        language_confidence=0.99,
        removed=[Removed("Baca Juga: Harga Gandum Dunia Naik Lagi", "baca_juga", 3)],
        content_hash=content_hash or f"hash-{aid}",
    )
    putin = entity(text, "Presiden Rusia Vladimir Putin", "RUS", label="PER")
    putin.name, putin.wikidata = "Vladimir Putin", "Q7747"
    usa = entity(text, "Kedutaan Besar AS", "USA")
    amerika = entity(text, "Amerika", "USA")
    events = [
        Event(
            id=f"{aid}-e1", type="THREATEN", actor=[putin], recipient=[amerika], mode="violence",
            context=["military"], date="2024-11-20", date_precision="day",
            evidence=[span(text, "ancaman balasan Presiden Rusia Vladimir Putin")], confidence=0.9,
            pattern="ancam+N",
        ),
        Event(
            id=f"{aid}-e2", type="RETREAT", actor=[usa], recipient=[], date=None,
            location=Location("Kyiv", "Kyiv", "UKR", 50.45, 30.52, 703448),
            evidence=[span(text, "Kedutaan Besar AS di Kyiv ditutup")], confidence=0.6, pattern="tutup",
        ),
    ][:n_events]
    quote = Quote(f"{aid}-q1", "informasi spesifik", putin, "kata", span(text, "Penutupan itu"), direct=True)
    return Result(art, [usa, putin, amerika], events, [quote])


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "t.duckdb")
    yield s
    s.close()


def test_insert_unchanged_replaced(store):
    assert store.upsert(make_result("a1")) == "inserted"
    before = store.counts()
    assert before == {"articles": 1, "attributions": 1, "entities": 3, "events": 2, "quotes": 1}
    assert store.upsert(make_result("a1")) == "unchanged"
    assert store.counts() == before
    # a new version with one event fewer replaces all child rows, it does not add to them
    assert store.upsert(make_result("a1", content_hash="v2", n_events=1)) == "replaced"
    assert store.counts() == {**before, "events": 1}
    assert store.article("a1")["content_hash"] == "v2"
    assert store.upsert(make_result("a1", content_hash="v2", n_events=1), force=True) == "replaced"
    assert store.counts() == {**before, "events": 1}


def test_analysed_version_replaces_unanalysed(store):
    bare = make_result("a1")
    bare.entities, bare.events, bare.quotes = [], [], []
    assert store.upsert(bare) == "inserted"
    assert store.is_stored(make_result("a1")) and not store.is_stored(make_result("a1"), analysed=True)
    # same content, now with extraction: replaced; the bare version never overwrites it again
    assert store.upsert(make_result("a1")) == "replaced"
    assert store.is_stored(make_result("a1"), analysed=True)
    assert store.upsert(bare) == "unchanged"
    assert store.counts()["events"] == 2


def test_exception_mid_upsert_leaves_nothing_partial(store, monkeypatch):
    store.upsert(make_result("a1"))
    snapshot = store.article("a1")
    real_insert = store._insert_table

    def failing(table, rows):
        if table == "events":  # after the article and entity rows went in
            raise RuntimeError("simulated crash")
        real_insert(table, rows)

    monkeypatch.setattr(store, "_insert_table", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.upsert(make_result("a1", content_hash="v2", n_events=1))
    with pytest.raises(RuntimeError):
        store.upsert(make_result("a2"))
    monkeypatch.undo()
    # the old version survived whole, the new article left no trace
    assert store.article("a1") == snapshot
    assert store.counts() == {"articles": 1, "attributions": 1, "entities": 3, "events": 2, "quotes": 1}
    assert store.con.execute("SELECT count(*) FROM entities WHERE article_id = 'a2'").fetchone()[0] == 0
    # and the connection is usable afterwards
    assert store.upsert(make_result("a2")) == "inserted"


def test_batch_falls_back_per_article(store):
    store.upsert(make_result("a0"))
    clash = make_result("b1")
    clash.events[0].id = "a0-e1"  # collides with a stored event id: only this article can fail
    outcomes = store.upsert_many([make_result("a1"), clash, make_result("a2"), make_result("a0")])
    assert [o.status for o in outcomes] == ["inserted", "failed", "inserted", "unchanged"]
    assert "cannot store" in outcomes[1].error
    assert store.article("b1") is None
    assert store.counts()["articles"] == 3


def test_malformed_results_fail_alone(store):
    bad_date = make_result("a1")
    bad_date.events[0].date = "20/11/2024"
    dup = make_result("a2")
    dup.events[1].id = dup.events[0].id
    outcomes = store.upsert_many([bad_date, dup, make_result("a3")])
    assert [o.status for o in outcomes] == ["failed", "failed", "inserted"]
    assert "YYYY-MM-DD" in outcomes[0].error and "repeated" in outcomes[1].error


def test_repeated_id_within_batch(store):
    outcomes = store.upsert_many(
        [make_result("a1"), make_result("a1"), make_result("a1", content_hash="v2", n_events=1)]
    )
    assert [o.status for o in outcomes] == ["inserted", "unchanged", "replaced"]
    assert store.counts()["articles"] == 1 and store.counts()["events"] == 1


def test_event_queries(store):
    store.upsert_many(
        [
            make_result("a1", published="2024-11-21"),
            make_result("a2", published="2022-10-13", outlet="Kompas"),
        ]
    )
    assert len(store.events()) == 4
    threats = store.events(actor="rus")
    assert [e["type"] for e in threats] == ["THREATEN", "THREATEN"]
    assert threats[0]["actor"][0]["name"] == "Vladimir Putin"
    assert threats[0]["evidence"][0]["text"] == "ancaman balasan Presiden Rusia Vladimir Putin"
    assert store.events(recipient="USA", type="threaten", outlet="kontan")[0]["article_id"] == "a1"
    assert store.events(recipient="RUS") == []
    # the undated event falls back to its article's publication day
    assert {e["id"] for e in store.events(date_from="2023-01-01")} == {"a1-e1", "a1-e2", "a2-e1"}
    assert [(e["id"], e["day"]) for e in store.events(date_to="2022-12-31")] == [("a2-e2", "2022-10-13")]
    assert [e["article_id"] for e in store.events(limit=1, offset=3)] == ["a1"]
    # parameters are data, never SQL
    assert store.events(actor="RUS') OR 1=1 --") == []
    assert store.counts()["events"] == 4
    with pytest.raises(ValueError):
        store.events(date_from="yesterday")


def test_article_and_articles(store):
    store.upsert(make_result("a1"))
    art = store.article("a1")
    assert art["text"] == TEXT and art["attributions"] == ["Reuters"]
    assert art["removed"][0]["rule"] == "baca_juga"
    assert [e["code"] for e in art["entities"]] == ["USA", "RUS", "USA"]
    assert len(art["events"]) == 2 and art["quotes"][0]["speaker_code"] == "RUS"
    assert [e["type"] for e in art["events"]] == ["RETREAT", "THREATEN"]  # reading order
    assert art["events"][0]["location"]["country"] == "UKR"
    assert store.article("nope") is None
    assert store.resolve_id("a") == ["a1"]
    listed = store.articles(outlet="KONTAN")
    assert listed[0]["n_events"] == 2 and "text" not in listed[0]
    assert store.articles(language="en") == []


def test_relevance_is_stored_and_old_stores_gain_the_column(tmp_path):
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))  # a store made before the column existed
    con.execute("CREATE TABLE articles (id VARCHAR PRIMARY KEY, text VARCHAR, flags VARCHAR[])")
    con.execute("INSERT INTO articles VALUES ('x', 'teks', [])")
    con.close()
    with Store(old) as s:
        assert s.con.execute("SELECT relevance FROM articles WHERE id = 'x'").fetchone() == (None,)
    with Store(tmp_path / "new.duckdb") as s:
        res = make_result("a1")
        res.article.relevance = 0.04
        res.article.flags = ["not_coded:relevance=0.04"]
        s.upsert(res)
        assert s.article("a1")["relevance"] == pytest.approx(0.04)
        assert s.article("a1")["flags"] == ["not_coded:relevance=0.04"]


def test_exports(store, tmp_path):
    store.upsert_many([make_result("a1"), make_result("a2")])
    assert store.export_events(tmp_path / "e.csv", "csv", actor="RUS") == 2
    rows = list(csv.DictReader(open(tmp_path / "e.csv", encoding="utf-8")))
    assert rows[0]["type"] == "THREATEN" and rows[0]["actor_codes"] == "RUS"
    assert store.export_events(tmp_path / "e.jsonl", "jsonl") == 4
    lines = [json.loads(x) for x in open(tmp_path / "e.jsonl", encoding="utf-8")]
    assert len(lines) == 4 and lines[0]["recipient_codes"] == ["USA"]
    assert store.export_events(tmp_path / "e.parquet", "parquet", type="RETREAT") == 2
    back = duckdb.sql(f"SELECT type, actor_codes FROM '{tmp_path / 'e.parquet'}'").fetchall()
    assert back == [("RETREAT", ["USA"]), ("RETREAT", ["USA"])]
    with pytest.raises(ValueError):
        store.export_events(tmp_path / "e.xml", "xml")


def test_stats(store):
    store.upsert_many([make_result("a1"), make_result("a2", outlet="Kompas")])
    st = store.stats()
    assert dict(st["outlets"]) == {"Kontan": 1, "Kompas": 1}
    assert ("RUS", "USA", 2) in st["dyads"] and ("USA", "-", 2) in st["dyads"]
    assert dict(st["event_types"]) == {"THREATEN": 2, "RETREAT": 2}


def test_default_path_and_read_only(tmp_path, monkeypatch):
    monkeypatch.delenv("PANTAU_DB", raising=False)
    assert default_db_path() == "pantau.duckdb"
    monkeypatch.setenv("PANTAU_DB", str(tmp_path / "env.duckdb"))
    assert default_db_path() == str(tmp_path / "env.duckdb")
    with pytest.raises(FileNotFoundError):
        Store(tmp_path / "missing.duckdb", read_only=True)
    with Store() as s:
        s.upsert(make_result("a1"))
    with Store(read_only=True) as s:
        assert s.counts()["articles"] == 1


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_store import make_result
    from pantau.store import Store

    store = Store(sys.argv[1])
    i = 0
    while True:
        store.upsert_many([make_result(f"k{{i + k}}") for k in range(50)])
        i += 50
        print(i, flush=True)
    """
)


def test_killed_mid_batch_leaves_whole_articles(tmp_path):
    db = tmp_path / "k.duckdb"
    script = tmp_path / "writer.py"
    script.write_text(KILL_SCRIPT.format(tests=str(Path(__file__).resolve().parent)))
    proc = subprocess.Popen([sys.executable, str(script), str(db)], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # three batches committed, the fourth in flight
            assert proc.stdout.readline(), "writer died early"
        time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with Store(db, read_only=True) as s:
        n = s.counts()["articles"]
        assert n >= 150 and n % 50 == 0
        per_article = s.con.execute(
            "SELECT a.id, (SELECT count(*) FROM entities x WHERE x.article_id = a.id),"
            " (SELECT count(*) FROM events x WHERE x.article_id = a.id),"
            " (SELECT count(*) FROM quotes x WHERE x.article_id = a.id),"
            " (SELECT count(*) FROM attributions x WHERE x.article_id = a.id) FROM articles a"
        ).fetchall()
        assert all(row[1:] == (3, 2, 1, 1) for row in per_article)
        for table in ("entities", "events", "quotes", "attributions"):
            orphans = s.con.execute(
                f"SELECT count(*) FROM {table} WHERE article_id NOT IN (SELECT id FROM articles)"
            ).fetchone()[0]
            assert orphans == 0, table
