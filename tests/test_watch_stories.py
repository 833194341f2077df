"""The watcher's stories updates keep their state between batches (``StoriesUpdater``): after N batches the
stories, near-duplicates, canonical events, index and alerts are those of one ``pantau stories`` run over the
same articles; another writer or a changed article makes it load the state again.

The articles are constructed ``Result`` records (self-written word lists, no NLP model): the watcher's
analysis step is replaced by a lookup of the prepared result of each record."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantau.pipeline import Stages
from pantau.records import Article, Entity, Event, Location, RawRecord, Result, Span
from pantau.stories import update
from pantau.stories.engine import StoriesUpdater
from pantau.watch import Watcher
from pantau.watch.config import WatchConfig
from pantau.watch.sources import Item

Store = pytest.importorskip("pantau.store").Store

# self-written topic vocabularies (not from the evaluation data)
TOPICS = {
    "war": "pasukan serangan rudal kota warga tewas perbatasan drone malam sirene evakuasi luka".split(),
    "talks": "perundingan damai delegasi menteri luar negeri kesepakatan gencatan senjata mediator".split(),
    "flood": "banjir hujan deras sungai meluap pengungsi posko bantuan logistik bendungan tanggul".split(),
    "trade": "ekspor impor tarif bea cukai neraca perdagangan pelabuhan komoditas harga pasar".split(),
}
PLACES = ["Kharkiv", "Odesa", "Lviv", "Dnipro", "Sumy", "Poltava", "Kherson", "Mykolaiv"]
OUTLETS = ["Kabar Satu", "Warta Dua", "Harian Tiga"]
START = date(2026, 11, 2)
DAYS = 8


def _text(rng: random.Random, topic: str, n: int = 160) -> str:
    words = TOPICS[topic]
    sentences = []
    for _ in range(n // 12):
        sentences.append(" ".join(rng.choice(words) for _ in range(12)).capitalize() + ".")
    return " ".join(sentences)


def _ent(code: str) -> Entity:
    return Entity(text=code, label="ACTOR", code=code, sector="GOV")


def _event(eid: str, etype: str, actors: list[str], recipients: list[str], day: date, place: str) -> Event:
    return Event(id=eid, type=etype, actor=[_ent(c) for c in actors], recipient=[_ent(c) for c in recipients],
                 mode=None, context=[], date=day.isoformat(), date_precision="day",
                 location=Location(text=place, name=place), factuality="asserted",
                 evidence=[Span(0, 8, "serangan")])


def corpus() -> list[Result]:
    """Eight days of four topics from three outlets, some copies; from day 5 a run of attacks in new places
    (an escalation alert) and talks (cooperation), reported by two outlets each (canonical events merge)."""
    rng = random.Random(7)
    out: list[Result] = []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        for k, topic in enumerate(TOPICS):
            for j in range(2 if topic in ("war", "talks") else 1):
                aid = f"d{d}-{topic}-{j}"
                text = _text(rng, topic)
                events: list[Event] = []
                if topic == "war" and d >= 4:
                    events.append(_event(f"{aid}-e", "ASSAULT", ["RUS"], ["UKR"], day, PLACES[d]))
                elif topic == "talks" and d % 2 == 0:
                    events.append(_event(f"{aid}-e", "CONSULT", ["UKR"], ["TUR"], day, "Ankara"))
                title = f"{topic.capitalize()} hari {d} bagian {j}"
                outlet = OUTLETS[(d + k + j) % len(OUTLETS)]
                published = f"{day.isoformat()}T{8 + k + j:02d}:00:00"
                art = Article(id=aid, text=text, title=title, published=published, outlet=outlet,
                              language="id")
                out.append(Result(article=art, events=events))
                if topic == "flood" and d % 3 == 0:  # a syndicated copy, later the same day
                    copy = Article(id=f"{aid}-copy", text=text, title=title, outlet=OUTLETS[(d + 1) % 3],
                                   published=f"{day.isoformat()}T20:00:00", language="id")
                    out.append(Result(article=copy, events=[]))
    return out


def snapshot(con: Any) -> dict[str, list[tuple]]:
    """Everything the stories layer computes, without its timestamps."""
    q = {
        "story_articles": "SELECT article_id, story_id FROM story_articles ORDER BY 1",
        "stories": "SELECT id, title, first_date, last_date, n_articles, n_outlets, outlets, main_actors "
        "FROM stories ORDER BY id",
        "duplicates": "SELECT article_id, original_id, relation FROM duplicates ORDER BY 1",
        "canonical": "SELECT id, type, actor_codes, recipient_codes, day, location_name, story_id, "
        "n_mentions, list_sort(sources) FROM canonical_events ORDER BY id",
        "mentions": "SELECT canonical_id, event_id FROM event_mentions ORDER BY 2",
        "index": "SELECT dyad, day, round(score, 6), n_events FROM escalation_index ORDER BY 1, 2",
        "alerts": "SELECT id, dyad, day, channel, round(value, 6), round(z, 6), event_ids FROM alerts "
        "ORDER BY 1",
    }
    return {k: con.execute(sql).fetchall() for k, sql in q.items()}


def _batch_run(path: Path, results: list[Result]) -> dict[str, list[tuple]]:
    store = Store(str(path))
    try:
        store.upsert_many(results)
        update(store)
        return snapshot(store.con)
    finally:
        store.close()


class _Prepared:
    """Stands for the watcher's analysis: the prepared result of each record."""

    def __init__(self, results: list[Result]) -> None:
        self.by_id = {r.article.id: r for r in results}

    def run(self, records: list[Any], skip: Any) -> list[tuple[Any, Any]]:
        return [(rec, self.by_id[rec.id]) for rec in records]

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


def _watcher(path: Path, results: list[Result]) -> Watcher:
    cfg = WatchConfig(db=str(path), stdout=False)
    w = Watcher(cfg, stages=Stages(with_events=True))
    w.analyser = _Prepared(results)  # type: ignore[assignment]
    return w


def _items(results: list[Result]) -> list[Item]:
    return [Item(key=f"mem:{r.article.id}", source="<test>", kind="stdin",
                 records=[RawRecord(source="<test>", id=r.article.id)]) for r in results]


def _by_day(results: list[Result]) -> list[list[Result]]:
    days: dict[str, list[Result]] = {}
    for r in results:
        days.setdefault((r.article.published or "")[:10], []).append(r)
    return [days[d] for d in sorted(days)]


def test_batches_equal_one_run(tmp_path: Path) -> None:
    results = corpus()
    expected = _batch_run(tmp_path / "batch.duckdb", results)
    assert expected["alerts"], "the corpus must raise an alert, else the comparison proves little"
    assert expected["duplicates"] and len(expected["canonical"]) < len(expected["mentions"])
    w = _watcher(tmp_path / "watch.duckdb", results)
    try:
        batches = _by_day(results)
        for batch in batches:  # one batch a day, each followed by its stories update
            w.process(_items(batch))
        assert not w.stories_pending
        assert w.status()["stories_updates"]["n"] == len(batches)
        assert w._stories.reloads == 1, "the state is loaded once and then kept"
        assert snapshot(w.store.con) == expected
    finally:
        w.close()


def test_another_writer_or_a_changed_article_reloads(tmp_path: Path) -> None:
    results = corpus()
    days = _by_day(results)
    store = Store(str(tmp_path / "s.duckdb"))
    try:
        up = StoriesUpdater(store)
        store.upsert_many(days[0])
        up.update()
        store.upsert_many(days[1])
        up.update()
        assert up.reloads == 1
        store.upsert_many(days[2])
        update(store)  # another writer (a `pantau stories` run) moves the stories layer on
        store.upsert_many(days[3])
        up.update()
        assert up.reloads == 2, "the fingerprint of the stories tables changed: loaded again"
        changed = days[1][0]
        art = changed.article
        store.upsert_many([Result(article=Article(id=art.id, text=art.text + " Ralat kecil.", title=art.title,
                                                  published=art.published, outlet=art.outlet, language="id"),
                                  events=changed.events)])
        stats = up.update()
        assert stats["retracted"] == 1 and up.reloads == 3
        for batch in days[4:]:
            store.upsert_many(batch)
            up.update()
        assert up.reloads == 3
        got = snapshot(store.con)
    finally:
        store.close()
    # the same store contents analysed in one run (the changed article as it is now)
    final = [r for day in days for r in day if r.article.id != art.id]
    assert got["story_articles"] and {a for a, _ in got["story_articles"]} == {
        r.article.id for r in final} | {art.id}


def test_an_older_article_is_clustered_from_its_own_day(tmp_path: Path) -> None:
    """An article published before the last processed day is not appended to the kept run (its day's
    state is loaded from the store, as a fresh update does)."""
    days = _by_day(corpus())
    store = Store(str(tmp_path / "o.duckdb"))
    try:
        up = StoriesUpdater(store)
        store.upsert_many(days[0] + days[2])
        up.update()
        store.upsert_many(days[1][:1])
        up.update()
        assert up.reloads == 2
        n = store.con.execute("SELECT count(*) FROM story_articles").fetchone()[0]
        assert n == len(days[0]) + len(days[2]) + 1
    finally:
        store.close()
