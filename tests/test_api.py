"""Tests of the REST API (FastAPI TestClient) on a store built from the shared seeds and dev articles."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
import sampledb  # noqa: E402

from pantau.api import create_app  # noqa: E402
from pantau.records import QUADS  # noqa: E402

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not sampledb.available():
        pytest.skip("shared seeds/gold not found next to the repo (../shared)")
    path = tmp_path_factory.mktemp("api") / "pantau.duckdb"
    sampledb.build(path)
    return path


@pytest.fixture(scope="module")
def client(db_path: Path) -> Any:
    app = create_app(db_path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.db.close()


def get(client: Any, url: str, status: int = 200, **params: Any) -> Any:
    r = client.get(url, params=params)
    assert r.status_code == status, (url, params, r.status_code, r.text[:500])
    return r.json()


# ---------------------------------------------------------------- meta


def test_openapi_lists_every_endpoint(client: Any) -> None:
    paths = get(client, "/openapi.json")["paths"]
    for p in [
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/events",
        "/api/events/{event_id}",
        "/api/stories",
        "/api/stories/{story_id}",
        "/api/actors",
        "/api/actors/{code}",
        "/api/index",
        "/api/alerts",
        "/api/map",
        "/api/ingest",
    ]:
        assert p in paths, p
    limit = next(p for p in paths["/api/events"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500


def test_read_only_connection_never_writes(client: Any) -> None:
    db = client.app.state.db
    assert not db.writable
    with db.cursor() as cur, pytest.raises(duckdb.Error):
        cur.execute("CREATE TABLE should_fail (x INTEGER)")


def test_dashboard_pages_and_assets_are_served(client: Any) -> None:
    for page in ["/", "/events", "/stories", "/article", "/actors", "/map"]:
        r = client.get(page)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        assert "/static/common.js" in r.text and "http://" not in r.text and "https://" not in r.text
    assets = ["common.js", "charts.js", "pantau.css", "i18n.json", "world-110m.geojson", "pages/map.js"]
    for asset in assets:
        r = client.get(f"/static/{asset}")
        assert r.status_code == 200
        assert "cdn" not in r.text.lower() and "googleapis" not in r.text and "{z}/{x}/{y}" not in r.text
    # Swagger UI would pull its assets from a CDN: off, the schema itself is served.
    assert client.get("/docs").status_code == 404
    i18n = get(client, "/static/i18n.json")
    assert set(i18n["id"]) == set(i18n["en"])
    world = get(client, "/static/world-110m.geojson")
    assert len(world["features"]) > 150


# ---------------------------------------------------------------- articles


def test_articles_search_and_pagination(client: Any) -> None:
    page = get(client, "/api/articles", limit=5)
    assert page["total"] >= 29 and len(page["items"]) == 5
    hits = get(client, "/api/articles", q="nuklir", limit=200)
    assert 0 < hits["total"] < page["total"]
    for a in hits["items"]:
        full = get(client, f"/api/articles/{a['id']}")
        assert "nuklir" in (full["text"] + (full["title"] or "")).lower()
    # LIKE wildcards are matched literally, not as patterns.
    assert get(client, "/api/articles", q="%_%")["total"] == 0
    # Two words: both must occur.
    both = get(client, "/api/articles", q="Rusia nuklir", limit=200)["total"]
    assert both <= hits["total"]
    p1 = get(client, "/api/articles", limit=10, offset=0)["items"]
    p2 = get(client, "/api/articles", limit=10, offset=10)["items"]
    assert not {a["id"] for a in p1} & {a["id"] for a in p2}
    get(client, "/api/articles", 422, limit=201)
    get(client, "/api/articles", 422, q="")


def test_article_detail(client: Any) -> None:
    art = get(client, "/api/articles/000_9f7690cda1b435db")
    assert art["text"].startswith("ILUSTRASI") or "Kedutaan Besar AS di Kyiv" in art["text"]
    assert art["events"] and all("evidence" in e for e in art["events"])
    for e in art["events"]:
        for s in e["evidence"]:
            assert art["text"][s["start"] : s["end"]] == s["text"]
    assert isinstance(art["removed"], list) and isinstance(art["quotes"], list)
    assert isinstance(art["entities"], list)
    get(client, "/api/articles/no-such-article", 404)


# ---------------------------------------------------------------- events


def _most_common(values: list[Any]) -> Any:
    from collections import Counter

    return Counter(v for v in values if v).most_common(1)[0][0]


def _story_with_events(client: Any) -> dict[str, Any]:
    for s in get(client, "/api/stories", limit=500)["items"]:
        detail = get(client, f"/api/stories/{s['id']}")
        if detail["events"]:
            return detail
    pytest.fail("no story has events")


def test_events_filters_match_items(client: Any) -> None:
    total = get(client, "/api/events", limit=1)["total"]
    assert total > 50
    sample = get(client, "/api/events", limit=500)["items"]
    actor = _most_common([c for e in sample for c in e["actor_codes"] or []])
    recipient = _most_common([c for e in sample for c in e["recipient_codes"] or []])
    etype = _most_common([e["type"] for e in sample])
    quad = _most_common([e["quad"] for e in sample])
    outlet = _most_common([e["outlet"] for e in sample])
    with_pair = next(
        e
        for e in sample
        if e["actor_codes"] and e["recipient_codes"] and e["actor_codes"][0] != e["recipient_codes"][0]
    )
    a, b = with_pair["actor_codes"][0], with_pair["recipient_codes"][0]
    day = _most_common([e["date"] for e in sample])
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"actor": actor}, lambda e: actor in e["actor_codes"]),
        ({"recipient": recipient}, lambda e: recipient in e["recipient_codes"]),
        ({"type": etype}, lambda e: e["type"] == etype),
        ({"quad": quad}, lambda e: e["type"] in QUADS[quad] and e["quad"] == quad),
        ({"dyad": f"{b}-{a}"}, lambda e: {a, b} <= set(e["actor_codes"]) | set(e["recipient_codes"] or [])),
        ({"from": day, "to": day}, lambda e: e["date"] == day),
        ({"outlet": outlet}, lambda e: e["outlet"] == outlet),
    ]
    for params, ok in cases:
        page = get(client, "/api/events", limit=500, **params)
        assert 0 < page["total"] <= total, params
        assert len(page["items"]) == min(page["total"], 500)
        assert all(ok(e) for e in page["items"]), params
    assert get(client, "/api/events", quad=quad)["total"] < total or len({e["quad"] for e in sample}) == 1
    other = _most_common([e["type"] for e in sample if e["type"] != etype])
    two = get(client, "/api/events", limit=500, type=[etype, other])
    assert {e["type"] for e in two["items"]} == {etype, other}
    story = _story_with_events(client)
    in_story = get(client, "/api/events", story=story["id"], limit=500)
    arts = {x["id"] for x in story["articles"]}
    assert in_story["total"] > 0 and all(e["article_id"] in arts for e in in_story["items"])
    # Free-text values are bound parameters: a quote in them is just a character.
    assert get(client, "/api/events", outlet="x' OR '1'='1")["total"] == 0
    assert get(client, "/api/events", limit=1)["total"] == total


def test_events_pagination_and_limits(client: Any) -> None:
    whole = get(client, "/api/events", limit=30)["items"]
    pages = [get(client, "/api/events", limit=10, offset=o)["items"] for o in (0, 10, 20)]
    assert [e["id"] for p in pages for e in p] == [e["id"] for e in whole]
    assert len(get(client, "/api/events", limit=500)["items"]) <= 500
    for bad in [
        {"limit": 501},
        {"limit": 0},
        {"offset": -1},
        {"from": "2024-13-01"},
        {"quad": 5},
        {"type": "FIGHT"},
        {"dyad": "RUSUKR"},
        {"actor": "rus"},
        {"actor": "RUS' --"},
        {"factuality": "maybe"},
        {"from": "0"},
    ]:
        body = get(client, "/api/events", 422, **bad)
        assert body["detail"], bad
    # an empty range is a valid question with an empty answer (the schema cannot forbid it)
    assert get(client, "/api/events", **{"from": "2024-02-01", "to": "2024-01-01"})["items"] == []
    beyond = get(client, "/api/events", offset=100_000)
    assert beyond["items"] == [] and beyond["total"] > 0


def test_event_detail_with_context_and_reports(client: Any) -> None:
    ev_id = get(client, "/api/events", limit=1, article="000_9f7690cda1b435db")["items"][0]["id"]
    ev = get(client, f"/api/events/{ev_id}")
    art = get(client, f"/api/articles/{ev['article_id']}")
    ctx = ev["context"]
    assert art["text"][ctx["start"] : ctx["end"]] == ctx["text"]
    for s in ctx["spans"]:
        assert ctx["text"][s["start"] : s["end"]] == s["text"]
    assert ev["reports"] and ev["article_id"] in {r["article_id"] for r in ev["reports"]}
    assert ev["pattern"] is not None and 0 <= ev["confidence"] <= 1
    get(client, "/api/events/nope", 404)


def test_sentence_around_handles_boundaries() -> None:
    from pantau.api.app import sentence_around

    text = "Satu kalimat. Rusia menyerang Kyiv pada Selasa. Lalu lain.\nBaris baru."
    s = text.index("menyerang")
    lo, hi = sentence_around(text, s, s + 9)
    assert text[lo:hi] == "Rusia menyerang Kyiv pada Selasa."
    lo, hi = sentence_around(text, 0, 4)
    assert text[lo:hi] == "Satu kalimat."


# ---------------------------------------------------------------- stories, actors, index, alerts, map


def test_stories(client: Any) -> None:
    page = get(client, "/api/stories", limit=5)
    assert page["total"] > 0 and len(page["items"]) <= 5
    s = get(client, f"/api/stories/{page['items'][0]['id']}")
    assert s["articles"] and isinstance(s["syndication"], list) and isinstance(s["events"], list)
    s = _story_with_events(client)
    days = [e["date"] for e in s["events"] if e["date"]]
    assert days == sorted(days)
    get(client, "/api/stories/none-such", 404)
    get(client, "/api/stories", 422, limit=1000)


def test_actors_network(client: Any) -> None:
    net = get(client, "/api/actors", limit=50)
    assert net["actors"][0]["n_events"] >= net["actors"][-1]["n_events"]
    node_ids = {n["id"] for n in net["nodes"]}
    assert net["edges"]
    for e in net["edges"]:
        assert e["quad"] in (1, 2, 3, 4) and e["weight"] >= 1
        assert e["source"] in node_ids and e["target"] in node_ids and e["source"] != e["target"]
    q4 = get(client, "/api/actors", quad=4)
    assert all(e["quad"] == 4 for e in q4["edges"])
    code = net["actors"][0]["code"]
    one = get(client, f"/api/actors/{code}")
    assert one["events"] and all(
        code in e["actor_codes"] + (e["recipient_codes"] or []) for e in one["events"]
    )
    assert sum(one["as_actor_by_type"].values()) == get(client, "/api/events", actor=code)["total"]
    get(client, "/api/actors/rus", 422)


def test_index_and_alerts(client: Any) -> None:
    dyads = get(client, "/api/index/dyads")["items"]
    assert dyads and all("-" in d["dyad"] for d in dyads)  # pairs: the overview links them to events
    every = get(client, "/api/index/dyads", one_party="true", limit=500)["items"]
    assert {d["dyad"] for d in dyads} <= {d["dyad"] for d in every}
    d = dyads[0]["dyad"]
    idx = get(client, "/api/index", dyad=d)
    one = idx["dyads"][0]
    assert one["dyad"] == d and one["day"]
    assert one["day"] == sorted(one["day"])
    for measure in ("score", "n_events"):
        assert len(one[measure]) == len(one["day"])
    mid = one["day"][len(one["day"]) // 2]
    later = get(client, "/api/index", dyad=d, **{"from": mid})["dyads"][0]["day"]
    assert later and all(day >= mid for day in later) and len(later) <= len(one["day"])
    two = get(client, "/api/index", dyad=[dyads[0]["dyad"], dyads[1]["dyad"]])
    assert [x["dyad"] for x in two["dyads"]] == [dyads[0]["dyad"], dyads[1]["dyad"]]
    get(client, "/api/index", 422)
    get(client, "/api/index", 422, dyad="RUS_UKR")
    get(client, "/api/index", 422, dyad=[f"AA{i}-BBB" for i in range(11)])
    alerts = get(client, "/api/alerts", limit=5)
    assert alerts["total"] > 0 and len(alerts["items"]) <= 5
    one = get(client, "/api/alerts", dyad=alerts["items"][0]["dyad"], limit=500)
    assert all(a["dyad"] == alerts["items"][0]["dyad"] for a in one["items"])


def test_map_geojson(client: Any) -> None:
    fc = get(client, "/api/map")
    assert fc["type"] == "FeatureCollection" and fc["features"]
    total = 0
    for f in fc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert f["properties"]["n"] >= len(f["properties"]["event_ids"]) > 0 or f["properties"]["n"] > 20
        total += f["properties"]["n"]
    assert total <= get(client, "/api/events", limit=1)["total"]
    code = get(client, "/api/actors", limit=1)["actors"][0]["code"]
    narrowed = get(client, "/api/map", actor=code)
    assert sum(f["properties"]["n"] for f in narrowed["features"]) < total


# ---------------------------------------------------------------- empty store and ingest


def test_empty_store_reads_as_empty_lists(tmp_path: Path) -> None:
    app = create_app(tmp_path / "empty.duckdb")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        for url in ["/api/articles", "/api/events", "/api/stories", "/api/alerts"]:
            assert get(c, url)["items"] == []
        assert get(c, "/api/index", dyad="RUS-UKR")["dyads"] == [{"dyad": "RUS-UKR", "day": []}]
        assert get(c, "/api/index/dyads")["items"] == []
        assert get(c, "/api/actors") == {"actors": [], "nodes": [], "edges": []}
        assert get(c, "/api/map")["features"] == []
        get(c, "/api/stories/x", 404)
    app.state.db.close()


def test_ingest_disabled_without_token(client: Any) -> None:
    r = client.post("/api/ingest", json={"text": "Rusia menyerang Ukraina."})
    assert r.status_code == 403 and "disabled" in r.json()["detail"]


@pytest.fixture()
def ingest_client(tmp_path: Path) -> Any:
    app = create_app(tmp_path / "ingest.duckdb", token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.db.close()


def test_ingest_requires_the_bearer_token(ingest_client: Any) -> None:
    body = {"id": "t1", "text": "Rusia menyerang Ukraina."}
    assert ingest_client.post("/api/ingest", json=body).status_code == 401
    r = ingest_client.post("/api/ingest", json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = ingest_client.post("/api/ingest", json=body, headers={"Authorization": f"Basic {TOKEN}"})
    assert r.status_code == 401


def test_ingest_validates_input(ingest_client: Any) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert ingest_client.post("/api/ingest", json={"title": "no text"}, headers=auth).status_code == 422
    assert ingest_client.post("/api/ingest", json={"text": "x", "bogus": 1}, headers=auth).status_code == 422
    assert ingest_client.post("/api/ingest", json=[], headers=auth).status_code == 422
    r = ingest_client.post("/api/ingest", content=b"text", headers={**auth, "content-type": "text/plain"})
    assert r.status_code == 415
    r = ingest_client.post(
        "/api/ingest", content=b"{bad", headers={**auth, "content-type": "application/json"}
    )
    assert r.status_code == 400 and "{bad" not in r.text


def _pipeline_ready() -> bool:
    try:
        from pantau.clean import clean_article  # noqa: F401
        from pantau.ingest import read_inputs  # noqa: F401
        from pantau.store import Store  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _pipeline_ready(), reason="ingest/clean/store stages not installed yet")
def test_ingest_runs_the_pipeline_and_upserts(ingest_client: Any) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    seed = sampledb.INPUTS[0]
    if not seed.exists():
        pytest.skip("shared seeds missing")
    line = seed.read_text(encoding="utf-8").splitlines()[2]
    import json

    art = json.loads(line)
    r = ingest_client.post("/api/ingest", json=art, headers=auth)
    assert r.status_code == 202, r.text
    job = finished(ingest_client, r.json()["id"])
    assert job["status"] == "done" and [x["status"] for x in job["results"]] == ["inserted"]
    # the NLP ran in the worker's child process, not in a thread of the server (the GIL stays free)
    pool = ingest_client.app.state.worker._pool
    assert pool is not None and all(p.pid != os.getpid() for p in pool._pool)
    got = get(ingest_client, "/api/articles", limit=10)
    assert got["total"] == 1
    r = ingest_client.post("/api/ingest", files={"file": ("more.jsonl", line.encode())}, headers=auth)
    assert r.status_code == 202, r.text
    job = finished(ingest_client, r.json()["id"])
    assert [x["status"] for x in job["results"]] == ["unchanged"]


def finished(client: Any, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll an ingest job until it is done or failed."""
    import time

    auth = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/ingest/{job_id}", headers=auth).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_date_params_are_typed(client: Any) -> None:
    today = dt.date.today().isoformat()
    assert get(client, "/api/events", **{"from": today, "to": today})["total"] >= 0
    get(client, "/api/events", 422, **{"from": "yesterday"})


def test_serve_cli_token_file_and_localhost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from click.testing import CliRunner

    from pantau.cli import main

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kw: Any) -> None:
        seen.update(kw, token=app.state.token, writable=app.state.db.writable)
        app.state.db.close()

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("PANTAU_TOKEN", raising=False)
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    db = str(tmp_path / "cli.duckdb")
    res = CliRunner().invoke(main, ["serve", "--db", db, "--port", "8123", "--token-file", str(token_file)])
    assert res.exit_code == 0, res.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123
    assert seen["token"] == "from-file" and seen["writable"] is True
    seen.clear()
    res = CliRunner().invoke(main, ["serve", "--db", db], env={"PANTAU_TOKEN": ""})
    assert res.exit_code == 0, res.output
    assert seen["token"] is None and seen["writable"] is False
