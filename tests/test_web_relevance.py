"""Relevance ranking of /api/stories and /api/events (issue #23: signal before trivia), on a tiny
hand-made store: one trivia story (newest, one outlet, no events) and two political ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from pantau.api import create_app
from pantau.api.db import ensure_schema
from pantau.web.relevance import weights

STORIES_SQL = Path(__file__).resolve().parents[1] / "pantau" / "stories" / "schema.sql"


def _entity(code: str, wikidata: str | None) -> dict[str, Any]:
    return {"text": code, "label": "PER", "code": code, "sector": "GOV", "name": code, "wikidata": wikidata}


def _build(path: Path, coder: dict[str, float] | None = None) -> None:
    ensure_schema(path)
    con = duckdb.connect(str(path))
    con.execute(STORIES_SQL.read_text(encoding="utf-8"))
    arts = [  # id, day, outlet, story
        ("a1", "2024-05-03", "Satu", "s-trivia"),
        ("b1", "2024-05-01", "Satu", "s-war"),
        ("b2", "2024-05-01", "Dua", "s-war"),
        ("c1", "2024-05-02", "Tiga", "s-visit"),
    ]
    for aid, day, outlet, sid in arts:
        con.execute(
            "INSERT INTO articles (id, title, published, published_date, outlet, text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [aid, f"title {aid}", day, day, outlet, "x"],
        )
        con.execute("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)", [sid, aid])
    for sid, title, day, n_art, outlets in [
        ("s-trivia", "Harga ponsel", "2024-05-03", 1, ["Satu"]),
        ("s-war", "Serangan", "2024-05-01", 2, ["Satu", "Dua"]),
        ("s-visit", "Kunjungan", "2024-05-02", 1, ["Tiga"]),
    ]:
        con.execute(
            "INSERT INTO stories (id, title, first_date, last_date, n_articles, n_outlets, outlets, "
            "main_actors) VALUES (?, ?, ?, ?, ?, ?, ?, [])",
            [sid, title, day, day, n_art, len(outlets), outlets],
        )
    con.execute(
        "INSERT INTO entities (article_id, idx, text, label, code, name, wikidata) "
        "VALUES ('c1', 0, 'Presiden', 'PER', 'USA', 'Someone', 'Q1')"
    )
    events = [  # id, article, type, actors, recipients, day
        ("a1:e0", "a1", "COERCE", [_entity("IDN", None)], [], "2024-05-03"),
        ("b1:e0", "b1", "ASSAULT", [_entity("RUS", "Q7")], [_entity("UKR", None)], "2024-05-01"),
    ]
    for eid, aid, typ, act, rec, day in events:
        con.execute(
            "INSERT INTO events (id, article_id, type, actor, recipient, actor_codes, recipient_codes, date, "
            "factuality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'asserted')",
            [eid, aid, typ, json.dumps(act), json.dumps(rec), [e["code"] for e in act],
             [e["code"] for e in rec], day],
        )
    if coder is not None:
        col = weights()["coder_column"]
        assert col.isidentifier()
        con.execute(f"ALTER TABLE articles ADD COLUMN IF NOT EXISTS {col} DOUBLE")
        for aid, score in coder.items():
            con.execute(f"UPDATE articles SET {col} = ? WHERE id = ?", [score, aid])
    con.close()


def _client(path: Path) -> TestClient:
    return TestClient(create_app(path), base_url="http://127.0.0.1")


def _ids(client: TestClient, url: str, **params: Any) -> list[str]:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return [x["id"] for x in r.json()["items"]]


@pytest.fixture()
def client(tmp_path: Path) -> Any:
    _build(tmp_path / "s.duckdb")
    with _client(tmp_path / "s.duckdb") as c:
        yield c


def test_story_relevance_puts_political_stories_first(client: TestClient) -> None:
    assert _ids(client, "/api/stories") == ["s-trivia", "s-visit", "s-war"]  # unchanged default: newest
    # war: events 2 + two outlets 1; trivia: a coded event 2 (no KB actor); visit: a known actor 1.
    assert _ids(client, "/api/stories", sort="relevance") == ["s-war", "s-trivia", "s-visit"]
    items = {x["id"]: x for x in client.get("/api/stories", params={"sort": "recent"}).json()["items"]}
    assert [items[k]["n_events"] for k in ("s-trivia", "s-war", "s-visit")] == [1, 1, 0]
    assert [items[k]["relevance"] for k in ("s-war", "s-visit", "s-trivia")] == [3.0, 1.0, 2.0]


def test_story_filters_by_dyad_and_type(client: TestClient) -> None:
    assert _ids(client, "/api/stories", dyad="UKR-RUS") == ["s-war"]
    assert _ids(client, "/api/stories", type="ASSAULT", sort="relevance") == ["s-war"]
    assert _ids(client, "/api/stories", type="AGREE") == []
    assert client.get("/api/stories", params={"type": "ASSUALT"}).status_code == 422
    assert client.get("/api/stories", params={"sort": "best"}).status_code == 422


def test_event_relevance_before_date(client: TestClient) -> None:
    assert _ids(client, "/api/events") == ["a1:e0", "b1:e0"]  # newest first
    page = client.get("/api/events", params={"sort": "relevance"}).json()
    assert [x["id"] for x in page["items"]] == ["b1:e0", "a1:e0"]
    assert page["total"] == 2
    # b1: KB actor 2 + two parties 1 + two outlets 1.
    assert page["items"][0]["relevance"] == 4.0 and page["items"][1]["relevance"] == 0.0
    assert _ids(client, "/api/events", sort="relevance", limit=1, offset=1) == ["a1:e0"]
    assert _ids(client, "/api/events", sort="relevance", type="COERCE") == ["a1:e0"]


def test_coder_relevance_plugs_in(tmp_path: Path) -> None:
    _build(tmp_path / "c.duckdb", coder={"c1": 1.0, "a1": 0.0})
    with _client(tmp_path / "c.duckdb") as c:
        items = c.get("/api/stories", params={"sort": "relevance"}).json()["items"]
        assert [x["id"] for x in items] == ["s-visit", "s-war", "s-trivia"]  # 5, 3, 2
        assert items[0]["relevance"] == 5.0  # known actor 1 + coder 4 x 1.0
