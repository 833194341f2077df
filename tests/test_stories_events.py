"""Event de-duplication into canonical events, through the real Store (constructed Event records)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from pantau.records import Article, Entity, Event, Location, Result, Span
from pantau.stories import canonical, index_series, update
from pantau.stories.canonical import Canon, dates_compatible, intensity, matches

Store = pytest.importorskip("pantau.store").Store

VOCAB = ("presiden menteri rusia ukraina serangan rudal kota warga tewas pasukan perbatasan kedutaan ditutup "
         "ancaman balasan senjata amerika sekutu pejabat militer gedung listrik drone malam pagi wilayah "
         "timur selatan barat utara korban luka evakuasi sirene bantuan kemanusiaan laporan resmi").split()


def _text(seed: int, n: int = 220) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def _ent(code: str) -> Entity:
    return Entity(text=code, label="ACTOR", code=code, sector="GOV")


def _ev(eid: str, etype: str, actors: list[str], recipients: list[str], day: str | None, *,
        place: str | None = "Kyiv", factuality: str = "asserted", context: list[str] | None = None,
        mode: str | None = None) -> Event:
    return Event(id=eid, type=etype, actor=[_ent(c) for c in actors], recipient=[_ent(c) for c in recipients],
                 mode=mode, context=context or [], date=day, date_precision="day" if day else None,
                 location=Location(text=place, name=place) if place else None, factuality=factuality,
                 evidence=[Span(0, 8, "serangan")])


def _result(aid: str, outlet: str, published: str, text: str, events: list[Event],
            attributions: list[str] | None = None) -> Result:
    art = Article(id=aid, text=text, title=f"Laporan {aid}", published=published, outlet=outlet,
                  attributions=attributions or [], language="id")
    return Result(article=art, events=events)


@pytest.fixture()
def store(tmp_path):  # type: ignore[no-untyped-def]
    s = Store(str(tmp_path / "t.duckdb"))
    yield s
    s.close()


def test_date_rules() -> None:
    d = date(2024, 11, 20)
    assert dates_compatible(d, "day", date(2024, 11, 20), "day") is True
    assert dates_compatible(d, "day", date(2024, 11, 21), "day") is False
    assert dates_compatible(d, "week", date(2024, 11, 25), "day") is True
    assert dates_compatible(d, "month", date(2024, 11, 2), "day") is True
    assert dates_compatible(d, None, None, None) is None
    assert intensity("ASSAULT", "unconventional") == -10.0
    assert intensity("ACCUSE", "allege") == -3.5
    assert intensity("COOPERATE", None) == 9.5


def test_match_needs_story_when_a_date_is_missing() -> None:
    c = Canon("c", "ASSAULT", None, {"RUS"}, {"UKR"}, None, None, None, "st-1", False, None, None)
    c.stories = {"st-1"}
    c.articles = {"a1"}
    ev = {"type": "ASSAULT", "article_id": "a2", "actors": {"RUS"}, "recipients": set(), "story_id": "st-1",
          "date": date(2024, 11, 20), "date_precision": "day", "location": None}
    assert matches(c, ev)  # recipient empty on one side is compatible; no date on one side + same story
    assert not matches(c, {**ev, "story_id": "st-2"})
    assert not matches(c, {**ev, "article_id": "a1"})  # never two records of one article
    assert not matches(c, {**ev, "actors": {"UNK"}})  # UNK never matches
    assert not matches(c, {**ev, "type": "THREATEN"})


def test_canonical_events_and_sources(store) -> None:  # type: ignore[no-untyped-def]
    t1, t2, t3, t5 = _text(1), _text(2), _text(3), _text(5)
    store.upsert(_result("a1", "Kompas.com", "2024-11-21", t1, [
        _ev("a1-e1", "ASSAULT", ["RUS"], ["UKR"], "2024-11-20"),
        _ev("a1-e2", "THREATEN", ["RUS"], ["USA"], "2024-11-21", place=None, context=["cbrn"]),
        _ev("a1-e3", "ASSAULT", ["RUS"], ["USA"], None, factuality="hypothetical"),
    ]))
    store.upsert(_result("a2", "detik.com", "2024-11-21", t2, [
        _ev("a2-e1", "ASSAULT", ["RUS"], ["UKR"], "2024-11-20"),
    ]))
    # Tribunnews republishes Kompas's report (same text, credits Kompas): not an independent source
    store.upsert(_result("a3", "Tribunnews", "2024-11-21", t1, [
        _ev("a3-e1", "ASSAULT", ["RUS"], ["UKR"], "2024-11-20"),
    ], attributions=["Kompas"]))
    # another strike two days later: a different event
    store.upsert(_result("a4", "ANTARA", "2024-11-23", t3, [
        _ev("a4-e1", "ASSAULT", ["RUS"], ["UKR"], "2024-11-22"),
    ]))
    # Ukraine striking Russia the same day: a different dyad direction, a different event
    store.upsert(_result("a5", "CNN Indonesia", "2024-11-21", t5, [
        _ev("a5-e1", "ASSAULT", ["UKR"], ["RUS"], "2024-11-20", place="Kursk"),
    ]))
    stats = update(store)
    assert stats["events"] == 7 and stats["events_skipped"] == 1
    con = store.con
    assert con.execute("SELECT original_id, relation FROM duplicates WHERE article_id = 'a3'").fetchone() == \
        ("a1", "syndicated")
    rows = con.execute(
        "SELECT id, date, n_mentions, n_sources, sources FROM canonical_events WHERE type = 'ASSAULT' "
        "ORDER BY date, n_mentions DESC").fetchall()
    assert len(rows) == 3
    main = rows[0]
    assert main[2] == 3 and main[3] == 2 and main[4] == ["Kompas.com", "detik.com"]
    assert {r[1] for r in rows} == {date(2024, 11, 20), date(2024, 11, 22)}
    mentions = con.execute("SELECT event_id FROM event_mentions WHERE canonical_id = ?", [main[0]]).fetchall()
    assert {m[0] for m in mentions} == {"a1-e1", "a2-e1", "a3-e1"}
    # index: RUS-UKR on the 20th = RUS strike (2 sources: -9 * 2) + UKR strike (1 source: -9)
    day = index_series(con, "UKR-RUS", "2024-11-20", "2024-11-20")
    assert len(day) == 1 and day[0]["score"] == pytest.approx(-27.0) and day[0]["n_events"] == 2
    assert day[0]["conflict"] == pytest.approx(27.0) and day[0]["cbrn"] == 0
    nuc = index_series(con, "RUS-USA")
    assert len(nuc) == 1 and nuc[0]["cbrn"] == pytest.approx(3.5) and nuc[0]["score"] == pytest.approx(-3.5)

    # incremental: a later report of the first strike joins it; the day's index row is recomputed
    store.upsert(_result("a6", "VIVA", "2024-11-22", _text(6), [
        _ev("a6-e1", "ASSAULT", ["RUS"], ["UKR"], "2024-11-20"),
    ]))
    stats = update(store)
    assert stats["articles"] == 1 and stats["events"] == 1 and stats["canonical_new"] == 0
    q = "SELECT n_mentions, n_sources FROM canonical_events WHERE id = ?"
    n, ns = con.execute(q, [main[0]]).fetchone()
    assert (n, ns) == (4, 3)
    day = index_series(con, "RUS-UKR", "2024-11-20", "2024-11-20")
    assert day[0]["score"] == pytest.approx(-9.0 * (1 + 1.584962500721156) - 9.0)
    assert update(store)["events"] == 0  # nothing new


def _two_reports_of_one_strike(store, prefix: str, seed: int) -> str:  # type: ignore[no-untyped-def]
    """Articles <prefix>1 and <prefix>2 (two outlets) report Russia's strike on Ukraine; stories are
    updated. Returns the second article's text."""
    for k, outlet in ((1, "Kompas.com"), (2, "detik.com")):
        aid = f"{prefix}{k}"
        store.upsert(_result(aid, outlet, "2024-11-21", _text(seed + k - 1),
                             [_ev(f"{aid}:e0", "ASSAULT", ["RUS"], ["UKR"], "2024-11-20")]))
    update(store)
    return _text(seed + 1)


def test_changed_and_deleted_articles_are_redone(store) -> None:  # type: ignore[no-untyped-def]
    """An updated article leaves its old story and canonical events and is processed again;
    a deleted one leaves them for good; the canonical event's other mentions stay counted."""
    t2 = _two_reports_of_one_strike(store, "b", 11)
    con = store.con
    assert con.execute("SELECT n_mentions, n_sources FROM canonical_events").fetchall() == [(2, 2)]
    assert index_series(con, "RUS-UKR")[0]["score"] == pytest.approx(-18.0)
    assert update(store)["retracted"] == 0  # nothing changed: nothing redone

    # b2 is updated: the strike is now reported as Ukraine's strike on Russia in Kursk
    store.upsert(_result("b2", "detik.com", "2024-11-21", t2 + " pembaruan",
                         [_ev("b2:e0", "ASSAULT", ["UKR"], ["RUS"], "2024-11-20", place="Kursk")]))
    stats = update(store)
    assert stats["retracted"] == 1 and stats["articles"] == 1
    rows = con.execute("SELECT actor_codes, n_mentions, n_sources FROM canonical_events ORDER BY 1"
                       ).fetchall()
    assert rows == [(["RUS"], 1, 1), (["UKR"], 1, 1)]
    assert con.execute("SELECT count(*) FROM story_articles WHERE article_id = 'b2'").fetchone()[0] == 1
    assert index_series(con, "RUS-UKR")[0]["score"] == pytest.approx(-18.0)  # two one-source strikes

    # b1 is deleted: its strike and its story go; b2's stay
    sid, n = con.execute("SELECT s.id, s.n_articles FROM story_articles sa "
                         "JOIN stories s ON s.id = sa.story_id WHERE sa.article_id = 'b1'").fetchone()
    store.delete("b1")
    assert update(store)["retracted"] == 1
    assert con.execute("SELECT actor_codes FROM canonical_events").fetchall() == [(["UKR"],)]
    assert index_series(con, "RUS-UKR")[0]["score"] == pytest.approx(-9.0)
    left = con.execute("SELECT n_articles FROM stories WHERE id = ?", [sid]).fetchall()
    assert left == ([(n - 1,)] if n > 1 else [])  # one member fewer; removed when b1 was alone
    assert con.execute("SELECT count(*) FROM story_articles WHERE article_id = 'b1'").fetchone()[0] == 0


def test_a_re_analysed_article_is_redone(store) -> None:  # type: ignore[no-untyped-def]
    """Same text stored again with other events (``ingest --force`` after a model update): its old
    event mentions go and the new events are matched, although the content hash did not change."""
    t2 = _two_reports_of_one_strike(store, "c", 21)
    con = store.con
    assert con.execute("SELECT n_mentions FROM canonical_events").fetchall() == [(2,)]
    store.upsert(_result("c2", "detik.com", "2024-11-21", t2,
                         [_ev("c2:e0", "ASSAULT", ["UKR"], ["RUS"], "2024-11-20")]), force=True)
    assert update(store)["retracted"] == 1
    rows = con.execute("SELECT actor_codes, n_mentions FROM canonical_events ORDER BY 1").fetchall()
    assert rows == [(["RUS"], 1), (["UKR"], 1)]
    assert update(store)["retracted"] == 0  # stored once, redone once


def _events_store(n: int):  # type: ignore[no-untyped-def]
    """An in-memory store of ``n`` strikes of one dyad at 700 places over 300 days (constructed rows)."""
    import duckdb

    from pantau.stories.common import ensure_schema

    con = duckdb.connect(":memory:")
    con.execute((Path(canonical.__file__).parents[1] / "store" / "schema.sql").read_text())
    ensure_schema(con)
    con.execute("INSERT INTO articles (id, published_date, outlet) SELECT 'a' || i, "
                "DATE '2024-01-01' + (i % 300)::INT, 'o' || (i % 7) FROM range(?) t(i)", [n])
    con.execute("INSERT INTO events (id, article_id, type, actor_codes, recipient_codes, date, "
                "date_precision, location, factuality) "
                "SELECT 'e' || i, 'a' || i, 'ASSAULT', ['RUS'], ['UKR'], "
                "DATE '2024-01-01' + (i % 300)::INT, 'day', json_object('name', 'place' || (i % 700)), "
                "CASE WHEN i % 11 = 0 THEN 'hypothetical' ELSE 'asserted' END FROM range(?) t(i)", [n])
    return con


def test_a_stop_inside_a_chunk_writes_a_consistent_prefix() -> None:
    """A bounded canonical update starts with a small chunk and doubles it while it may go on; asked to stop
    inside a chunk it stops there (not after 20k records): what it wrote is a prefix of the report order, and
    continuing gives exactly the one-shot result."""
    n = 3000
    first, every = canonical._FIRST_CHUNK, canonical._STOP_EVERY  # noqa: SLF001 - the chunking constants
    one = _events_store(n)
    canonical.update(one)
    assert canonical.update(_events_store(n), should_stop=lambda: True)["events"] == first
    calls = []

    def stop() -> bool:  # go on after the first two chunks, stop at the first question inside the third
        calls.append(1)
        return len(calls) >= 3

    con = _events_store(n)
    res = canonical.update(con, should_stop=stop)
    assert res.get("partial") and len(calls) == 3
    assert 4 * first > every  # the third chunk is long enough to be asked inside
    assert res["events"] == first + 2 * first + every
    done = con.execute("SELECT count(*) FROM event_mentions").fetchone()[0] + \
        con.execute("SELECT count(*) FROM story_skipped_events").fetchone()[0]
    assert done == res["events"]
    assert not canonical.update(con).get("partial")
    q = "SELECT id, n_mentions, n_sources, list_sort(sources) FROM canonical_events ORDER BY id"
    assert con.execute(q).fetchall() == one.execute(q).fetchall()
    q = "SELECT canonical_id, event_id FROM event_mentions ORDER BY event_id"
    assert con.execute(q).fetchall() == one.execute(q).fetchall()
    assert con.execute("SELECT count(*) FROM story_skipped_events").fetchone()[0] == len(range(0, n, 11))


def _records_store(n_articles: int, per_article: int):  # type: ignore[no-untyped-def]
    """Constructed rows: ``per_article`` strikes per article (so that a chunk can end inside an article)."""
    import duckdb

    from pantau.stories.common import ensure_schema

    con = duckdb.connect(":memory:")
    con.execute((Path(canonical.__file__).parents[1] / "store" / "schema.sql").read_text())
    ensure_schema(con)
    con.execute("INSERT INTO articles (id, published_date, outlet) SELECT 'a' || lpad(i::VARCHAR, 5, '0'), "
                "DATE '2024-01-01' + (i % 40)::INT, 'o' || (i % 5) FROM range(?) t(i)", [n_articles])
    con.execute("INSERT INTO events (id, article_id, type, actor_codes, recipient_codes, date, "
                "date_precision, location, factuality) SELECT 'e' || i, "
                "'a' || lpad((i // ?)::VARCHAR, 5, '0'), 'ASSAULT', ['RUS'], ['UKR'], "
                "DATE '2024-01-01' + ((i // ?) % 40)::INT, 'day', "
                "json_object('name', 'place' || (i % 90)), 'asserted' FROM range(?) t(i)",
                [per_article, per_article, n_articles * per_article])
    return con


_UNHANDLED = """SELECT count(*) FROM events e WHERE e.id NOT IN (SELECT event_id FROM event_mentions)
                AND e.id NOT IN (SELECT event_id FROM story_skipped_events)"""


def test_only_articles_with_every_record_handled_are_marked() -> None:
    """The catch-up looks only at the records of articles without a "records handled" marker: a chunk that
    ends inside an article's records leaves that article unmarked (its other records are found next time),
    and continuing gives the one-shot result."""
    one = _records_store(300, 3)
    canonical.update(one)
    assert one.execute("SELECT count(*) FROM story_event_articles").fetchone()[0] == 300
    con = _records_store(300, 3)
    first = canonical._FIRST_CHUNK  # noqa: SLF001 - 250 records: the chunk ends inside the 84th article
    assert first % 3
    res = canonical.update(con, should_stop=lambda: True)
    assert res["partial"] and res["events"] == first
    marked = {r[0] for r in con.execute("SELECT article_id FROM story_event_articles").fetchall()}
    assert len(marked) == first // 3  # the article cut by the chunk is not marked
    left = con.execute(
        """SELECT DISTINCT article_id FROM events WHERE id IN
            (SELECT id FROM events EXCEPT SELECT event_id FROM event_mentions)""").fetchall()
    assert not marked & {r[0] for r in left}  # every marked article has all its records attached
    assert canonical.update(con)["events"] == 900 - first
    assert con.execute(_UNHANDLED).fetchone()[0] == 0
    q = "SELECT canonical_id, event_id FROM event_mentions ORDER BY event_id"
    assert con.execute(q).fetchall() == one.execute(q).fetchall()


def test_an_update_without_new_articles_reads_no_event_record() -> None:
    """Once every article is marked the catch-up does not read the events table at all (before, each update
    checked every record against the mention and skip tables); a new article's records are still found."""
    con = _records_store(50, 2)
    canonical.update(con)
    con.execute("ALTER TABLE events RENAME TO events_away")
    try:
        assert canonical.update(con)["events"] == 0
    finally:
        con.execute("ALTER TABLE events_away RENAME TO events")
    con.execute("INSERT INTO articles (id, published_date, outlet) VALUES ('b1', DATE '2024-01-03', 'o9')")
    con.execute("INSERT INTO events (id, article_id, type, actor_codes, recipient_codes, date, "
                "date_precision, location, factuality) VALUES ('f1', 'b1', 'ASSAULT', ['RUS'], ['UKR'], "
                "DATE '2024-01-03', 'day', json_object('name', 'place2'), 'asserted')")
    assert canonical.update(con)["events"] == 1
    assert con.execute(_UNHANDLED).fetchone()[0] == 0


def test_a_store_without_markers_is_marked_on_its_next_update() -> None:
    """A store whose records were attached before the markers existed (or by raw SQL) has every article
    pending once: nothing is matched again, and the articles are marked."""
    con = _records_store(60, 2)
    canonical.update(con)
    q = "SELECT id, n_mentions, n_sources FROM canonical_events ORDER BY id"
    before = con.execute(q).fetchall()
    con.execute("DELETE FROM story_event_articles")
    assert canonical.update(con)["events"] == 0
    assert con.execute("SELECT count(*) FROM story_event_articles").fetchone()[0] == 60
    assert con.execute(q).fetchall() == before


def test_an_article_stored_during_a_chunk_is_not_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The markers are written for the articles whose records the chunk read, not for whatever is unmarked at
    write time: an article stored by another cursor between the read and the write keeps its records
    pending (marked otherwise, they would never be attached)."""
    con = _records_store(20, 2)
    read = canonical._pending  # noqa: SLF001 - the step to interleave with

    def read_then_store(c, limit=None):  # type: ignore[no-untyped-def]
        got = read(c, limit)
        c.execute("INSERT INTO articles (id, published_date, outlet) "
                  "VALUES ('late', DATE '2024-01-01', 'o8')")
        c.execute("INSERT INTO events (id, article_id, type, actor_codes, recipient_codes, date, "
                  "date_precision, location, factuality) VALUES ('late:e0', 'late', 'ASSAULT', ['RUS'], "
                  "['UKR'], DATE '2024-01-01', 'day', json_object('name', 'place1'), 'asserted')")
        monkeypatch.setattr(canonical, "_pending", read)  # once
        return got

    monkeypatch.setattr(canonical, "_pending", read_then_store)
    assert canonical.update(con)["events"] == 40
    marked = {r[0] for r in con.execute("SELECT article_id FROM story_event_articles").fetchall()}
    assert "late" not in marked and len(marked) == 20
    assert canonical.update(con)["events"] == 1
    assert con.execute(_UNHANDLED).fetchone()[0] == 0
