"""The derived data (typed location columns, count tables) gives the same actor network and map as the
plain queries over the events, after inserts, re-ingests (replacements) and deletions."""

from __future__ import annotations

import datetime as dt
import random
import shutil

import duckdb
import pytest
from fastapi.testclient import TestClient

from pantau.records import EVENT_TYPES, Article, Entity, Event, Location, Result
from pantau.store import Store, derived
from pantau.store.aggregates import actor_network, event_places

CODES = ["RUS", "UKR", "USA", "IDN", "CHN", "UN", None]
PLACES = [
    Location("Kyiv", "Kyiv", "UKR", 50.45, 30.52),
    Location("Moskwa", "Moskwa", None, 55.75, 37.62),  # no country
    Location("Jakarta", None, "IDN", -6.2, 106.82),  # no name: the text names it
    Location("Gaza", "Gaza", "PSE", 31.5, 34.47),
    Location("Nowhere", "Nowhere", None, None, None),  # not on the map
    Location("Bad", "Bad", None, 123.0, 10.0),  # out of range
    Location("Kyiv", "Kyiv", "UKR", 50.450001, 30.52),  # rounds onto Kyiv
]


def _entity(rng: random.Random) -> Entity:
    return Entity("x", "ORG", 0, 1, rng.choice(CODES), None, None, None)


def make(aid: str, rng: random.Random, version: int = 0) -> Result:
    events = []
    for i in range(rng.randint(0, 6)):
        day = None if rng.random() < 0.15 else dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 400))
        events.append(
            Event(
                id=f"{aid}-{version}-{i}",
                type=rng.choice(EVENT_TYPES),
                actor=[_entity(rng) for _ in range(rng.randint(0, 2))],
                recipient=[_entity(rng) for _ in range(rng.randint(0, 2))],
                date=day.isoformat() if day else None,
                location=rng.choice([*PLACES, None]),
            )
        )
    art = Article(id=aid, text=f"t {aid} {version}", title=aid, content_hash=f"{aid}-{version}")
    return Result(article=art, entities=[], events=events, quotes=[])


FILTERS_ACTORS = [
    {},
    {"quad": 1},
    {"quad": 4, "min_weight": 2},
    {"limit": 3},
    {"date_from": dt.date(2024, 3, 1)},
    {"date_from": dt.date(2024, 2, 1), "date_to": dt.date(2024, 6, 30), "quad": 3},
    {"date_from": dt.date(2024, 2, 15), "date_to": dt.date(2024, 7, 10)},  # days at both ends
    {"date_from": dt.date(2024, 1, 31), "date_to": dt.date(2024, 3, 1), "quad": 4},
    {"date_from": dt.date(2024, 3, 3), "date_to": dt.date(2024, 3, 20)},  # no whole month
    {"date_from": dt.date(2024, 3, 3), "date_to": dt.date(2024, 4, 29)},  # none either
    {"date_to": dt.date(2024, 5, 31), "limit": 4, "min_weight": 2},
    {"date_to": dt.date(2024, 2, 29)},  # a leap month's last day
    {"date_from": dt.date(2024, 12, 2)},
]
FILTERS_MAP = [
    {},
    {"types": ["ASSAULT", "CONSULT"]},
    {"quad": 2},
    {"limit": 2},
    {"actor": "RUS"},
    {"dyad": ("RUS", "UKR")},
    {"date_from": dt.date(2024, 5, 1), "date_to": dt.date(2024, 12, 31)},
    {"date_to": dt.date(2024, 2, 1), "types": ["PROTEST"]},
    {"date_from": dt.date(2024, 2, 1), "date_to": dt.date(2024, 8, 31)},  # whole months
    {"date_from": dt.date(2024, 2, 10), "date_to": dt.date(2024, 9, 5), "quad": 4},  # and days around
    {"date_from": dt.date(2024, 6, 1), "types": ["ASSAULT", "CONSULT", "AID"], "limit": 3},
    {"date_to": dt.date(2024, 4, 30)},
    {"date_from": dt.date(2024, 4, 2), "date_to": dt.date(2024, 4, 20)},  # no whole month
]


def assert_same(con: duckdb.DuckDBPyConnection) -> None:
    assert derived.is_fresh(con)
    for f in FILTERS_ACTORS:
        assert actor_network(con, **f, fast=True) == actor_network(con, **f, fast=False), f
    for f in FILTERS_MAP:
        assert event_places(con, **f, fast=True) == event_places(con, **f, fast=False), f


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "agg.duckdb") as s:
        yield s


def test_derived_equals_plain_through_inserts_replacements_and_deletes(store):
    rng = random.Random(5)
    store.upsert_many([make(f"a{i}", rng) for i in range(120)])
    con = store.con
    n_places = con.execute("SELECT count(*) FROM agg_places").fetchall()[0][0]
    assert n_places > 10 and con.execute("SELECT count(*) FROM agg_actor_edges").fetchall()[0][0] > 10
    assert_same(con)
    # the map really answers: places merged by rounding, text standing in for a missing name
    names = {p["name"] for p in event_places(con)}
    assert {"Kyiv", "Jakarta", "Moskwa"} <= names and not names & {"Nowhere", "Bad"}
    # re-ingest: changed articles replace their events (one batch, and one by one)
    outcomes = store.upsert_many([make(f"a{i}", rng, version=1) for i in range(0, 120, 3)])
    assert {o.status for o in outcomes} == {"replaced"}
    store.upsert(make("a1", rng, version=2))
    assert_same(con)
    # deletions, including every event of a busy place's newest day
    for i in range(0, 120, 7):
        store.delete(f"a{i}")
    newest = con.execute(
        "SELECT article_id FROM events WHERE loc_name = 'Kyiv' ORDER BY date DESC NULLS LAST LIMIT 1"
    ).fetchall()[0][0]
    store.delete(newest)
    assert_same(con)
    # everything gone: empty tables, still fresh
    for aid in [r[0] for r in con.execute("SELECT id FROM articles").fetchall()]:
        store.delete(aid)
    assert_same(con)
    assert con.execute("SELECT count(*) FROM agg_places").fetchall()[0][0] == 0


def test_counts_match_a_rebuild(store):
    rng = random.Random(9)
    store.upsert_many([make(f"b{i}", rng) for i in range(60)])
    store.upsert_many([make(f"b{i}", rng, version=1) for i in range(0, 60, 2)])
    for i in range(1, 60, 5):
        store.delete(f"b{i}")

    def tables() -> list[list[tuple]]:
        con = store.con
        return [sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in derived.AGG_TABLES]

    kept = tables()
    derived.rebuild(store.con)
    assert tables() == kept


def test_writes_that_bypass_the_store_fall_back_then_rebuild(tmp_path):
    path = tmp_path / "bypass.duckdb"
    rng = random.Random(3)
    with Store(path) as s:
        s.upsert_many([make(f"c{i}", rng) for i in range(40)])
        s.con.execute(
            "INSERT INTO events (id, article_id, type, actor_codes, recipient_codes, date, location) VALUES "
            "('x1', 'c1', 'ASSAULT', ['RUS'], ['UKR'], DATE '2030-01-01', ?)",
            ['{"text": "Kyiv", "name": "Kyiv", "country": "UKR", "lat": 50.45, "lon": 30.52}'],
        )
        assert not derived.is_fresh(s.con)  # readers take the plain queries now
        plain = event_places(s.con, fast=False)
        assert plain[0]["event_ids"][0] == "x1"
    with Store(path) as s:  # a writable open rebuilds
        assert derived.is_fresh(s.con)
        assert event_places(s.con) == plain
        assert_same(s.con)


def test_api_answers_the_same_with_and_without_derived_data(tmp_path):
    from pantau.api import create_app

    path = tmp_path / "api.duckdb"
    rng = random.Random(11)
    with Store(path) as s:
        s.upsert_many([make(f"d{i}", rng) for i in range(80)])
    old = tmp_path / "old.duckdb"  # as an older store: no derived data at all
    shutil.copyfile(path, old)
    con = duckdb.connect(str(old))
    for table in (*derived.AGG_TABLES, "agg_state"):
        con.execute(f"DROP TABLE {table}")
    for col in derived.DERIVED_TYPES:
        con.execute(f"ALTER TABLE events DROP COLUMN {col}")
    con.close()
    queries = [
        ("/api/map", {}),
        ("/api/map", {"quad": 4}),
        ("/api/map", {"actor": "RUS", "from": "2024-03-01"}),
        ("/api/actors", {}),
        ("/api/actors", {"quad": 2, "limit": 5}),
        ("/api/actors", {"from": "2024-02-01", "to": "2024-09-30"}),
        ("/api/events", {"dyad": "RUS-UKR", "limit": 200}),  # code filters on the key strings
        ("/api/events", {"actor": "USA", "recipient": "RUS", "from": "2024-02-01"}),
        ("/api/map", {"dyad": "UKR-USA"}),
        ("/api/actors/RUS", {}),
        ("/api/actors/UKR", {"limit": 5}),
    ]
    replies = []
    for db in (path, old):
        with TestClient(create_app(db, preload=False), base_url="http://127.0.0.1") as client:
            replies.append([client.get(url, params=p).json() for url, p in queries])
    assert replies[0] == replies[1]
    assert replies[0][0]["features"] and replies[0][3]["edges"] and replies[0][6]["items"]
