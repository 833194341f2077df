"""How many independent outlets reported it, in the store's overview (``pantau summary``; issue 24).

The store is built from constructed records (self-written text): the same strike reported by Kompas, detik
and a Tribunnews copy of Kompas is one canonical event with two independent outlets, not three."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.records import Article, Entity, Event, Location, Result, Span
from pantau.stories import update
from pantau.stories.query import outlet_overview

Store = pytest.importorskip("pantau.store").Store

VOCAB = ("pasukan rudal serangan kota warga tewas perbatasan gedung listrik malam pagi wilayah timur korban "
         "luka evakuasi sirene bantuan laporan resmi pejabat militer drone jembatan pelabuhan").split()


def _text(seed: int, n: int = 220) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def _strike(eid: str) -> Event:
    ent = {c: Entity(text=c, label="ACTOR", code=c, sector="GOV") for c in ("RUS", "UKR")}
    return Event(id=eid, type="ASSAULT", actor=[ent["RUS"]], recipient=[ent["UKR"]], date="2024-11-20",
                 date_precision="day", location=Location(text="Kyiv", name="Kyiv"), factuality="asserted",
                 evidence=[Span(0, 8, "serangan")], confidence=0.9)


def _result(aid: str, outlet: str, text: str, attributions: list[str] | None = None) -> Result:
    art = Article(id=aid, text=text, title=f"Serangan rudal di Kyiv {aid}", published="2024-11-21",
                  outlet=outlet, attributions=attributions or [], language="id")
    return Result(article=art, events=[_strike(f"{aid}-e1")])


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "t.duckdb")
    with Store(path) as store:
        text = _text(1)
        store.upsert(_result("k1", "Kompas.com", text))
        store.upsert(_result("d1", "detik.com", _text(2)))
        store.upsert(_result("t1", "Tribunnews", text, attributions=["Kompas"]))  # a copy of Kompas
        store.upsert(_result("a1", "ANTARA", _text(3)))
    return path


def _summary(db: str) -> str:
    from pantau.cli import main

    res = CliRunner().invoke(main, ["summary", "--db", db, "--examples", "3"])
    assert res.exit_code == 0, res.output
    return res.output


def test_summary_before_stories_says_how_to_get_the_counts(db: str) -> None:
    text = _summary(db)
    assert "Stories: none yet" in text
    assert "independent outlet" not in text.split("Example events")[-1]


def test_summary_counts_independent_outlets(db: str) -> None:
    with Store(db) as store:
        update(store)
        reach = outlet_overview(store.con)
        (n_sources,) = store.con.execute(
            "SELECT n_sources FROM canonical_events c JOIN event_mentions m ON m.canonical_id = c.id "
            "WHERE m.event_id = 'k1-e1'").fetchone()
    assert reach is not None and reach["stories"] >= 1
    assert n_sources == 3  # Kompas, detik, ANTARA; the Tribunnews copy counts as Kompas
    assert reach["events_by_outlets"][3] >= 1
    text = _summary(db)
    assert "Stories and independent outlets" in text
    assert f"{reach['stories']} stories" in text
    examples = text.split("Example events")[-1]
    assert "3 independent outlets" in examples and "4 independent outlets" not in examples


def test_outlet_overview_without_stories_tables() -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE articles (id VARCHAR)")
    assert outlet_overview(con) is None
