"""The events' copy of their canonical event and outlet count (:mod:`pantau.store.sources`): after every
kind of write (new mentions, a canonical event replaced with a new count, a retraction, a re-analysed
article whose event ids the stories tables still name, a deleted article) the copy equals the plain
look-ups, and ``/api/events`` gives the same reply from the copy as from the look-ups."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from pantau.records import EVENT_TYPES, Article, Entity, Event, Result
from pantau.store import Store, derived, sources
from pantau.stories import db as stories_db
from pantau.stories.common import ensure_schema as stories_schema


def make(aid: str, rng: random.Random, version: int = 0) -> Result:
    """An article with 1-4 events; the event ids stay the same across versions (as a re-analysis keeps
    them when the text keeps its events)."""
    events = [
        Event(
            id=f"{aid}-e{i}",
            type=rng.choice(EVENT_TYPES),
            actor=[Entity("x", "ORG", 0, 1, rng.choice(["RUS", "UKR", "IDN"]), None, None, None)],
            recipient=[],
            date=f"2024-05-{1 + i:02d}",
        )
        for i in range(rng.randint(1, 4))
    ]
    art = Article(id=aid, text=f"t {aid} {version}", title=aid, content_hash=f"{aid}-{version}")
    return Result(article=art, entities=[], events=events, quotes=[])


def canon_row(cid: str, n: int) -> tuple:
    return (cid, "ASSAULT", None, [], [], None, None, None, None, n, n, [], False, 0.0, None, None)


def plain(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Every event's (canonical id, n_sources) by the plain look-ups; (None, None) without one."""
    ids = [r[0] for r in con.execute("SELECT id FROM events ORDER BY id").fetchall()]
    found = sources.lookup(con, ids)
    return {e: found.get(e, (None, None)) for e in ids}


def copied(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute("SELECT id, src_canonical_id, src_n_sources FROM events ORDER BY id").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def assert_in_step(con: duckdb.DuckDBPyConnection) -> None:
    assert sources.is_fresh(con)
    assert copied(con) == plain(con)
    assert derived.is_fresh(con)  # the copy's UPDATEs leave the events' fingerprint alone


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.duckdb")
    yield s
    s.con.close()


def test_copy_follows_every_write(store):
    rng = random.Random(5)
    store.upsert_many([make(f"a{i}", rng) for i in range(30)])
    assert_in_step(store.con)  # no stories tables yet: every copy empty
    stories_schema(store.con)
    events = store.con.execute("SELECT id, article_id FROM events ORDER BY id").fetchall()
    # a first stories run: canonical events for two thirds of the events, two mentions each
    mentions = [(f"c{i // 2}", e, a) for i, (e, a) in enumerate(events) if i % 3]
    cids = sorted({m[0] for m in mentions})
    stories_db.write(store.con, "canonical_events", [canon_row(c, 1) for c in cids])
    stories_db.write(store.con, "event_mentions", mentions)
    assert not sources.is_fresh(store.con)  # written around the copy: readers take the look-ups
    assert store.sync_sources()
    assert_in_step(store.con)
    assert any(v[0] for v in copied(store.con).values())
    # a later slice: a canonical event replaced with a higher count, new mentions of new events
    stories_db.write(store.con, "canonical_events", [canon_row(cids[0], 3), canon_row("cx", 2)], replace=True)
    rest = [(("cx" if i % 2 else cids[1]), e, a) for i, (e, a) in enumerate(events) if not i % 3][:6]
    stories_db.write(store.con, "event_mentions", rest)
    assert store.sync_sources()
    assert_in_step(store.con)
    assert not store.sync_sources()  # nothing changed since: nothing to do
    # a re-analysed article keeps its event ids, still named by the mentions: the store's write fills them
    store.upsert_many([make("a1", random.Random(9), version=1), make("new", rng)])
    assert_in_step(store.con)
    # a retraction: a canonical event and all its mentions go
    store.con.execute("DELETE FROM event_mentions WHERE canonical_id = ?", [cids[0]])
    store.con.execute("DELETE FROM canonical_events WHERE id = ?", [cids[0]])
    assert store.sync_sources()
    assert_in_step(store.con)
    # a deleted article; then events whose mentions point to a canonical event not written yet
    assert store.delete("a2")
    assert_in_step(store.con)
    orphan = [r for r in store.con.execute("SELECT id, article_id FROM events WHERE src_canonical_id IS NULL "
                                           "AND id NOT IN (SELECT event_id FROM event_mentions)").fetchall()]
    stories_db.write(store.con, "event_mentions", [("c-later", e, a) for e, a in orphan[:2]])
    store.sync_sources()
    assert_in_step(store.con)
    assert copied(store.con)[orphan[0][0]] == (None, None)


def test_api_reply_same_from_copy_and_lookups(tmp_path):
    path = tmp_path / "api.duckdb"
    rng = random.Random(3)
    with Store(path) as s:
        s.upsert_many([make(f"b{i}", rng) for i in range(40)])
        stories_schema(s.con)
        events = s.con.execute("SELECT id, article_id FROM events ORDER BY id").fetchall()
        mentions = [(f"c{i % 7}", e, a) for i, (e, a) in enumerate(events) if i % 4]
        stories_db.write(s.con, "canonical_events", [canon_row(f"c{k}", k + 1) for k in range(6)])  # c6: none
        stories_db.write(s.con, "event_mentions", mentions)
    queries = [{"limit": 500}, {"from": "2024-05-01", "to": "2024-05-02", "limit": 20, "offset": 3},
               {"actor": "RUS"}, {"sort": "relevance", "limit": 30}]

    def replies(db: Path) -> list:
        from pantau.api import create_app

        with TestClient(create_app(str(db), preload=False), base_url="http://127.0.0.1") as client:
            return [client.get("/api/events", params=q).content for q in queries]

    stale = tmp_path / "stale.duckdb"
    shutil.copyfile(path, stale)
    con = duckdb.connect(str(stale))
    assert sources.is_fresh(con)  # the store's close brought the copy up to date
    con.execute("DELETE FROM src_state")  # stale: the route takes the look-ups
    con.close()
    fast = replies(path)
    assert replies(stale) == fast
    assert b'"n_sources":6' in fast[0] and b'"canonical_id":null' in fast[0]
