"""The count of independent outlets (issue 24): API events, event detail and stories; the CLI.

One strike reported by two outlets and republished by a third (a syndicated copy that credits the first)
is one canonical event with 2 independent outlets, not 3; a strike by the other side the same day is
another event with 1. Texts are random words (self-written vocabulary), events constructed.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from pantau.api import create_app
from pantau.cli import main as cli
from pantau.records import Article, Entity, Event, Location, Result, Span
from pantau.stories import update

Store = pytest.importorskip("pantau.store").Store

VOCAB = (
    "pasukan menembakkan rudal ke kota pelabuhan pada malam hari sirene berbunyi warga mengungsi ke "
    "tempat perlindungan pejabat setempat menyebut gedung listrik rusak jembatan ditutup relawan "
    "membagikan air bersih rumah sakit menerima korban luka pemerintah menjanjikan bantuan"
).split()


def _text(seed: int, n: int = 220) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def _ent(code: str) -> Entity:
    return Entity(text=code, label="ACTOR", code=code, sector="GOV")


def _ev(eid: str, actors: list[str], recipients: list[str], day: str, place: str) -> Event:
    return Event(
        id=eid,
        type="ASSAULT",
        actor=[_ent(c) for c in actors],
        recipient=[_ent(c) for c in recipients],
        date=day,
        date_precision="day",
        location=Location(text=place, name=place),
        factuality="asserted",
        evidence=[Span(0, 7, "pasukan")],
    )


def _result(
    aid: str, outlet: str, text: str, events: list[Event], credits: list[str] | None = None
) -> Result:
    art = Article(
        id=aid,
        text=text,
        title=f"Laporan {aid}",
        published="2024-11-21",
        outlet=outlet,
        attributions=credits or [],
        language="id",
    )
    return Result(article=art, events=events)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outlets") / "pantau.duckdb"
    with Store(str(path)) as store:
        first = _text(1)
        store.upsert(
            _result("o1", "Kompas.com", first, [_ev("o1-e1", ["RUS"], ["UKR"], "2024-11-20", "Kyiv")])
        )
        store.upsert(
            _result("o2", "detik.com", _text(2), [_ev("o2-e1", ["RUS"], ["UKR"], "2024-11-20", "Kyiv")])
        )
        store.upsert(
            _result(
                "o3",
                "Tribunnews",
                first,
                [_ev("o3-e1", ["RUS"], ["UKR"], "2024-11-20", "Kyiv")],
                credits=["Kompas"],
            )
        )
        store.upsert(
            _result("o4", "ANTARA", _text(4), [_ev("o4-e1", ["UKR"], ["RUS"], "2024-11-20", "Kursk")])
        )
        update(store)
    return path


@pytest.fixture(scope="module")
def client(db_path: Path) -> Any:
    app = create_app(db_path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.db.close()


def _get(client: Any, url: str, **params: Any) -> Any:
    r = client.get(url, params=params)
    assert r.status_code == 200, (url, r.text[:300])
    return r.json()


def test_event_list_and_detail_count_independent_outlets(client: Any) -> None:
    for sort in ("date", "relevance"):
        items = _get(client, "/api/events", sort=sort)["items"]
        got = {e["id"]: e["n_sources"] for e in items}
        assert got == {"o1-e1": 2, "o2-e1": 2, "o3-e1": 2, "o4-e1": 1}, sort
        strike = {e["canonical_id"] for e in items if e["id"] != "o4-e1"}
        assert len(strike) == 1 and None not in strike
    assert _get(client, "/api/events/o3-e1")["n_sources"] == 2
    assert _get(client, "/api/events/o4-e1")["n_sources"] == 1
    # the fields are documented
    schema = _get(client, "/openapi.json")["components"]["schemas"]
    assert (
        "n_sources" in schema["EventSummary"]["properties"] and "n_sources" in schema["Event"]["properties"]
    )


def test_stories_show_independent_outlets(client: Any) -> None:
    items = _get(client, "/api/stories", limit=50)["items"]
    copy_story = next(
        s
        for s in items
        if "Tribunnews" in (s["outlets"] or [])
        or s["n_articles"] >= 2
        and "Kompas.com" in (s["outlets"] or [])
    )
    # the copy joins its original's story without adding an outlet
    assert "Tribunnews" not in copy_story["outlets"]
    assert copy_story["n_outlets"] == len(copy_story["outlets"])
    detail = _get(client, f"/api/stories/{copy_story['id']}")
    assert {a["id"] for a in detail["articles"]} >= {"o1", "o3"}
    counts = {e["n_sources"] for e in detail["events"] if e.get("canonical")}
    assert counts and counts <= {1, 2}


def test_events_without_stories_have_no_count(tmp_path: Path) -> None:
    path = tmp_path / "bare.duckdb"
    with Store(str(path)) as store:
        store.upsert(
            _result("b1", "Kompas.com", _text(9), [_ev("b1-e1", ["RUS"], ["UKR"], "2024-11-20", "Kyiv")])
        )
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        items = _get(c, "/api/events")["items"]
        assert [(e["id"], e["n_sources"], e["canonical_id"]) for e in items] == [("b1-e1", None, None)]
        assert _get(c, "/api/events/b1-e1")["n_sources"] == 1
    app.state.db.close()


def test_cli_shows_independent_outlets(db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"  # the API fixture holds the store open read-only
    copy.write_bytes(db_path.read_bytes())
    db_path = copy
    runner = CliRunner()
    res = runner.invoke(cli, ["explain", "o3", "--db", str(db_path), "--no-color"])
    assert res.exit_code == 0, res.output
    assert "reported by 2 independent outlets (Kompas.com, detik.com;" in res.output
    res = runner.invoke(cli, ["stories", "--db", str(db_path), "--no-update"])
    assert res.exit_code == 0, res.output
    assert "indep. outlets" in res.output
