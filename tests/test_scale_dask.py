"""``pantau ingest --dask``: a LocalCluster gives the store a plain ingest gives; a killed worker's
shard is run again, losing and duplicating nothing; Parquet shards and exports round-trip."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

pytest.importorskip("distributed")

import cloudpickle  # noqa: E402  (comes with distributed)
from distributed import Client, LocalCluster  # noqa: E402
from test_scale import corpus_file, needs_corpus, synthetic_file, table_rows  # noqa: E402

from pantau.cli import main  # noqa: E402
from pantau.pipeline import Stages  # noqa: E402
from pantau.records import Article, Entity, Event, Location, Quote, Removed, Result, Span  # noqa: E402
from pantau.scale import cluster, parquet  # noqa: E402
from pantau.store import Store  # noqa: E402


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@needs_corpus
def test_local_cluster_store_equals_plain_ingest(tmp_path):
    src = corpus_file(tmp_path, 12)
    plain, dask = tmp_path / "plain.duckdb", tmp_path / "dask.duckdb"
    assert run("ingest", str(src), "--db", str(plain), "--workers", "1").exit_code == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc:
        res = run("ingest", str(src), "--db", str(dask), "--dask", lc.scheduler_address, "--shard-size", "4")
        assert res.exit_code == 0, res.stderr
        assert "12 inserted" in res.stdout and "Dask" in res.stdout
        rows = table_rows(dask)
        assert rows == table_rows(plain)
        assert rows["events"]  # the NLP and event stages really ran on the workers
        address = lc.scheduler_address
        again = run("ingest", str(src), "--db", str(dask), "--dask", address, "--shard-size", "5")
        assert again.exit_code == 0 and "12 unchanged" in again.stdout  # loading is idempotent
        assert table_rows(dask) == rows


def _kill_first_try(marker: Path):
    """A shard task that kills its worker process the first time it sees the shard holding line 5."""

    def task(shard, stages):
        if any(p.start == 5 for p in shard) and not marker.exists():
            marker.touch()
            os._exit(9)
        return cluster.run_shard(shard, stages)

    return task


def test_killed_worker_shard_retried_without_duplicates(tmp_path):
    src = synthetic_file(tmp_path, 16)
    marker = tmp_path / "killed"
    cloudpickle.register_pickle_by_value(__import__(__name__))  # workers cannot import this test module
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
                Client(lc) as client, Store(tmp_path / "k.duckdb") as store:
            rows = list(cluster.cluster_results(client, [str(src)], Stages(with_events=False), shard_size=4,
                                                task=_kill_first_try(marker)))
            assert marker.exists()  # a worker really died mid-shard
            outcomes = store.upsert_many([r for _, r in rows])
            ids = [r[0] for r in store.con.execute("SELECT id FROM articles").fetchall()]
    finally:
        cloudpickle.unregister_pickle_by_value(__import__(__name__))
    assert [o.status for o in outcomes] == ["inserted"] * 16
    assert sorted(ids) == sorted(f"a{i}" for i in range(16))  # nothing lost, nothing twice
    assert [w.line for w, _ in rows] == list(range(1, 17))  # input order


def test_plan_shards(tmp_path):
    src = synthetic_file(tmp_path, 10)
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(5):
        (pages / f"p{i}.txt").write_text("Teks berita.", encoding="utf-8")
    (pages / ".hidden.txt").write_text("x", encoding="utf-8")
    shards = cluster.plan_shards([str(src), str(pages), str(tmp_path / "nope.jsonl")], shard_size=4)
    ranges = [(p.start, p.stop) for s in shards[:3] for p in s]
    assert ranges == [(1, 4), (5, 8), (9, 12)]
    assert [len(s) for s in shards[3:5]] == [4, 1]  # small files grouped, in order, hidden ones left out
    assert shards[5] == (cluster.Part(str(tmp_path / "nope.jsonl")),)  # the reader reports it
    records = [it for p in shards[1] for it in cluster._read_part(p)]
    assert [r.line for r in records] == [5, 6, 7, 8]


def test_parquet_shard_round_trip():
    ent = Entity("Jakarta", "LOC", 0, 7, "IDN", "GOV", "Jakarta", "Q3630")
    ev = Event("x-e1", "CONSULT", [ent], [ent], mode=None, context=["diplomacy"], date="2024-01-08",
               date_precision="day", location=Location("Jakarta", "Jakarta", "IDN", -6.2, 106.8, 1642911),
               evidence=[Span(0, 7, "Jakarta")], confidence=0.7, pattern="temu")
    art = Article("x", "Jakarta hari ini.", title="T", published="2024-01-08", authors=["A"],
                  removed=[Removed("Baca juga", "related", 3)], language="id", language_confidence=0.99)
    quote = Quote("x-q1", "hari ini", ent, "kata", Span(8, 16, "hari ini"), direct=False)
    result = Result(art, [ent], [ev], [quote])
    from pantau.records import IngestError, RawRecord

    data = parquet.encode_shard([(RawRecord("f.jsonl", 1), result),
                                 (RawRecord("f.jsonl", 2), IngestError("f.jsonl", 2, "bad")),
                                 (RawRecord("f.jsonl", 3), None)])  # stored unchanged
    back = list(parquet.decode_shard(data))
    assert back[0][1] == result and back[0][0].line == 1
    assert back[1][1].message == "bad" and back[1][0].line == 2
    assert back[2] == (RawRecord("f.jsonl", 3), None)


def test_export_parquet(tmp_path):
    db = tmp_path / "e.duckdb"
    src = synthetic_file(tmp_path, 3)
    assert run("ingest", str(src), "--db", str(db), "--no-events", "--workers", "1").exit_code == 0
    res = run("export", "--db", str(db), "--format", "parquet", "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stderr
    assert pq.read_table(tmp_path / "out" / "articles.parquet").num_rows == 3
    got = duckdb.sql(f"SELECT id FROM '{tmp_path / 'out' / 'articles.parquet'}' ORDER BY id").fetchall()
    assert got == [("a0",), ("a1",), ("a2",)]
    assert json.loads(json.dumps(sorted(p.name for p in (tmp_path / "out").iterdir()))) == sorted(
        f"{t}.parquet" for t in ("articles", "attributions", "entities", "events", "quotes"))
    # the events keep the output contract's columns, not the store's own search columns
    names = pq.read_schema(tmp_path / "out" / "events.parquet").names
    assert "actor_codes" in names and "actor_keys" not in names and "loc_lat" not in names


_PARSED: list[int] = []  # records each analyse step was asked to parse (in-process workers)


def _counting_analyse(cleaned, todo, stages):
    _PARSED.append(sum(todo))
    return cluster.analyse_shard(cleaned, todo, stages)


def test_stored_articles_are_not_parsed_again(tmp_path):
    """With a store to ask, a shard's stored unchanged articles come back as None, unparsed."""
    src = synthetic_file(tmp_path, 10)
    stored = {"a1", "a2", "a7"}
    _PARSED.clear()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, \
            Client(lc) as client:
        rows = list(cluster.cluster_results(
            client, [str(src)], Stages(with_events=False), shard_size=4, analyse=_counting_analyse,
            skip=lambda results: [r.article.id in stored for r in results]))
    assert [w.line for w, _ in rows] == list(range(1, 11))  # input order
    assert {r.article.id for _, r in rows if r is not None} == {f"a{i}" for i in range(10)} - stored
    assert [w.line for w, r in rows if r is None] == [2, 3, 8]
    assert sorted(_PARSED) == [2, 2, 3]  # shards 1-4, 5-8, 9-10 less the stored ones


def test_dask_reingest_parses_nothing(tmp_path):
    """The CLI asks the store: a second --dask ingest of the same file reports every article unchanged."""
    src = synthetic_file(tmp_path, 6)
    db = tmp_path / "s.duckdb"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as lc:
        first = run("ingest", str(src), "--db", str(db), "--dask", lc.scheduler_address, "--shard-size", "4")
        assert first.exit_code == 0 and "6 inserted" in first.stdout, first.stderr
        _PARSED.clear()
        with Client(lc.scheduler_address) as client, Store(db) as store:
            rows = list(cluster.cluster_results(
                client, [str(src)], Stages(), shard_size=4, analyse=_counting_analyse,
                skip=lambda results: store.unchanged(results, analysed=True)))
        assert [r for _, r in rows] == [None] * 6 and _PARSED == [0, 0]
        again = run("ingest", str(src), "--db", str(db), "--dask", lc.scheduler_address)
        assert again.exit_code == 0 and "6 unchanged" in again.stdout, again.stderr


def _kill_analyse_once(marker: Path):
    """An analyse step that kills its worker the first time it runs the shard holding line 5."""

    def analyse(cleaned, todo, stages):
        if any(item.line == 5 for item, _ in cleaned) and not marker.exists():
            marker.touch()
            os._exit(9)
        return cluster.analyse_shard(cleaned, todo, stages)

    return analyse


def test_killed_worker_between_steps_loses_nothing(tmp_path):
    """A worker dying in the analyse step (its cleaned shard lost with it) is recomputed elsewhere."""
    src = synthetic_file(tmp_path, 12)
    marker = tmp_path / "killed"
    cloudpickle.register_pickle_by_value(__import__(__name__))
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
                Client(lc) as client, Store(tmp_path / "k2.duckdb") as store:
            rows = list(cluster.cluster_results(
                client, [str(src)], Stages(with_events=False), shard_size=4,
                analyse=_kill_analyse_once(marker), skip=lambda results: [False] * len(results)))
            outcomes = store.upsert_many([r for _, r in rows])
            ids = [r[0] for r in store.con.execute("SELECT id FROM articles").fetchall()]
    finally:
        cloudpickle.unregister_pickle_by_value(__import__(__name__))
    assert marker.exists()
    assert [o.status for o in outcomes] == ["inserted"] * 12
    assert sorted(ids) == sorted(f"a{i}" for i in range(12))
    assert [w.line for w, _ in rows] == list(range(1, 13))
