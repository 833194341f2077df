"""The derived ``pair_keys`` column (:mod:`pantau.store.derived`): the dyad filter on it matches the same
events as the five list tests it replaces, it is kept in step by every write, and an older store gets it
at its next writable open (until then readers fall back to the plain filter)."""

from __future__ import annotations

import itertools
import random
import shutil

import duckdb
import pytest
from fastapi.testclient import TestClient

from pantau.records import EVENT_TYPES, Article, Entity, Event, Result
from pantau.store import Store, derived
from pantau.store.filters import event_filters, pair_key

CODES = ["RUS", "UKR", "USA", "IDN", "UN", None]
DYAD_CODES = ["RUS", "UKR", "USA", "IDN", "UN", "CHN"]  # CHN: in no event


def _entity(code: str | None) -> Entity:
    return Entity("x", "ORG", 0, 1, code, None, None, None)


def make(aid: str, rng: random.Random, version: int = 0) -> Result:
    events = [
        Event(
            id=f"{aid}-{version}-{i}",
            type=rng.choice(EVENT_TYPES),
            # up to three on a side, repeats and NULL codes included; a code on both sides now and then
            actor=[_entity(rng.choice(CODES)) for _ in range(rng.randint(0, 3))],
            recipient=[_entity(rng.choice(CODES)) for _ in range(rng.randint(0, 3))],
            date="2024-05-01",
        )
        for i in range(rng.randint(0, 5))
    ]
    art = Article(id=aid, text=f"t {aid} {version}", title=aid, content_hash=f"{aid}-{version}")
    return Result(article=art, entities=[], events=events, quotes=[])


def matches(con: duckdb.DuckDBPyConnection, dyad: tuple[str, str], coded: bool) -> list[str]:
    w = event_filters(dyad=dyad, coded=coded)
    return [r[0] for r in con.execute(f"SELECT id FROM events {w.sql()} ORDER BY id", w.params).fetchall()]


def assert_same_matches(con: duckdb.DuckDBPyConnection) -> int:
    """Every dyad (both orders, a code with itself) matches the same events both ways; the match count."""
    assert derived.is_fresh(con)
    found = 0
    for a, b in itertools.product(DYAD_CODES, repeat=2):
        fast = matches(con, (a, b), coded=True)
        assert fast == matches(con, (a, b), coded=False), (a, b)
        found += len(fast)
    return found


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "pairs.duckdb") as s:
        yield s


def test_pair_filter_matches_the_list_tests_through_writes(store):
    rng = random.Random(21)
    store.upsert_many([make(f"p{i}", rng) for i in range(150)])
    assert assert_same_matches(store.con) > 100
    store.upsert_many([make(f"p{i}", rng, version=1) for i in range(0, 150, 4)])  # replaced
    for i in range(1, 150, 9):
        store.delete(f"p{i}")
    assert_same_matches(store.con)
    # lists that are NULL (not empty) on one side, as a writer around the store could leave them
    store.con.execute(
        "INSERT INTO events (id, article_id, type, actor_codes, recipient_codes) VALUES "
        "('n1', 'p0', 'CONSULT', ['RUS', 'UKR'], NULL), ('n2', 'p0', 'ASSAULT', NULL, ['RUS']), "
        "('n3', 'p0', 'AID', [NULL, 'USA'], [NULL])"
    )
    derived.ensure(store.con)  # rebuilt: the derived data describes the new rows too
    assert assert_same_matches(store.con)
    assert "n1" in matches(store.con, ("UKR", "RUS"), coded=True)  # both as actors: a joint act
    assert "n2" not in matches(store.con, ("RUS", "RUS"), coded=True)


def test_pair_key_is_symmetric_and_the_filter_uses_it():
    assert pair_key("UKR", "RUS") == pair_key("RUS", "UKR") == "\x1fRUS\x1eUKR\x1f"
    w = event_filters(dyad=("UKR", "RUS"), coded=True)
    assert w.parts == ["contains(pair_keys, ?)"] and w.params == ["\x1fRUS\x1eUKR\x1f"]


def test_an_older_store_falls_back_then_gains_the_column(tmp_path):
    from pantau.api import create_app

    path = tmp_path / "new.duckdb"
    rng = random.Random(8)
    with Store(path) as s:
        s.upsert_many([make(f"q{i}", rng) for i in range(80)])
    old = tmp_path / "old.duckdb"  # a store written before pair_keys: version 4, no column
    shutil.copyfile(path, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE events DROP COLUMN pair_keys")
    con.execute("UPDATE agg_state SET version = 4")
    con.close()
    queries = [
        ("/api/events", {"dyad": "RUS-UKR", "limit": 200}),
        ("/api/events", {"dyad": "UN-UN", "limit": 200}),
        ("/api/map", {"dyad": "USA-IDN"}),
    ]

    def replies(db) -> list:
        with TestClient(create_app(db, preload=False), base_url="http://127.0.0.1") as client:
            return [client.get(url, params=p).json() for url, p in queries]

    migrated = tmp_path / "migrated.duckdb"
    shutil.copyfile(old, migrated)
    con = duckdb.connect(str(old), read_only=True)
    assert not derived.has_schema(con)  # a read-only server takes the plain filter
    con.close()
    expected = replies(path)
    assert expected[0]["items"] and expected[1]["items"]
    assert replies(old) == expected
    with Store(migrated) as s:  # a writable open brings it up to date
        assert derived.is_fresh(s.con)
        assert s.con.execute("SELECT count(*) FROM events WHERE pair_keys IS NULL").fetchone()[0] == 0
        assert_same_matches(s.con)
    assert replies(migrated) == expected
