"""Newest-first pages looked for in windows of recent days (``deps.newest_windows``): an actor's events and
the unfiltered events list give the same rows as the sort over the whole table, whether a window fills
the page or not, with undated events and ties on the date."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi.testclient import TestClient

from pantau.api import deps
from pantau.records import Article, Entity, Event, Result
from pantau.store import Store

CODES = ["RUS", "UKR", "USA", "IDN", "ASEAN"]


def make(i: int, rng: random.Random) -> Result:
    events = []
    for k in range(rng.randint(1, 4)):
        # most events in the last 30 days, some years back, some undated; many share a day
        r = rng.random()
        day = None if r < 0.1 else dt.date(2024, 6, 30) - dt.timedelta(
            days=rng.randint(0, 30) if r < 0.7 else rng.randint(31, 2000)
        )
        codes = rng.sample(CODES, 2)
        events.append(
            Event(
                id=f"e{i}-{k}",
                type="CONSULT",
                actor=[Entity("x", "ORG", 0, 1, codes[0], None, None, None)],
                # IDN is rare and old: its page needs the widest window
                recipient=[Entity("y", "ORG", 0, 1, codes[1], None, None, None)] if codes[1] != "IDN"
                or (day is not None and day.year < 2022) else [],
                date=day.isoformat() if day else None,
            )
        )
    art = Article(id=f"a{i}", text=f"t{i}", title=f"a{i}", content_hash=str(i))
    return Result(article=art, entities=[], events=events, quotes=[])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("newest") / "newest.duckdb"
    rng = random.Random(4)
    with Store(path) as s:
        s.upsert_many([make(i, rng) for i in range(300)])
    return path


QUERIES = [
    *((f"/api/actors/{c}", {"limit": n}) for c in CODES for n in (5, 50, 200)),
    ("/api/events", {"limit": 20}),
    ("/api/events", {"limit": 50, "offset": 300}),  # past the 10-day window
    ("/api/events", {"limit": 200, "offset": 500}),  # into the undated events at the end
    ("/api/events", {"limit": 50, "offset": 5000}),  # past the end
]


def replies(db, spans: tuple[int, ...], monkeypatch) -> list:
    monkeypatch.setattr(deps, "RECENT_SPANS", spans)
    with TestClient(deps_app(db), base_url="http://127.0.0.1") as client:
        return [client.get(url, params=p).json() for url, p in QUERIES]


def deps_app(db):
    from pantau.api import create_app

    return create_app(db, preload=False)


def test_windows_give_the_rows_of_the_whole_table(db, monkeypatch):
    whole = replies(db, (), monkeypatch)  # no window: the sort over every event
    assert any(r.get("events") for r in whole) and whole[-3]["items"]
    assert any(e["date"] is None for e in whole[-2]["items"])
    for spans in ((10, 40), (1,), (45, 720)):
        assert replies(db, spans, monkeypatch) == whole, spans


def test_windows_widen_until_the_page_is_full(db):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        windows = deps.newest_windows(con)
    finally:
        con.close()
    assert [w for w, _ in windows] == ["date >= ?"] * len(deps.RECENT_SPANS) + ["TRUE"]
    assert windows[0][1] == [dt.date(2024, 6, 30) - dt.timedelta(days=deps.RECENT_SPANS[0])]
