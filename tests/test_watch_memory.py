"""The watcher's memory figures (``/api/status`` → ``watch.memory``): where a long run's memory is."""

from __future__ import annotations

import sys

import duckdb

from pantau.watch.status import memory


def test_memory_figures():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(200000)")
    mem = memory(con)
    if sys.platform == "linux":
        assert mem["rss_mib"] > 10
    assert mem["duckdb_mib"] is not None and mem["duckdb_mib"] >= 0
    assert mem["python_blocks"] > 1000
    con.close()
    closed = memory(con)  # a closed store: the other figures stand
    assert closed["duckdb_mib"] is None and closed["python_blocks"] > 1000
    assert memory()["duckdb_mib"] is None



def test_watch_bounds_duckdb_memory(tmp_path):
    """The watcher holds DuckDB's block cache to ``duckdb_memory_mb`` (DuckDB's default is 80% of the
    machine's memory, which a store growing for days fills); the status says where the C heap is."""
    from pantau.watch import config as watch_config
    from pantau.watch import loop
    from pantau.watch.config import WatchConfig

    cfg = watch_config.from_mapping({"db": "w.duckdb", "duckdb_memory_mb": 200}, "t.yaml", tmp_path)
    assert cfg.duckdb_memory_mb == 200
    for c, want in ((cfg, 200), (WatchConfig(db=str(tmp_path / "d.duckdb")), 1024)):
        w = loop.Watcher(c, stages=object(), out=sys.stdout)
        try:
            limit = w.store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            value, unit = float(limit.split()[0]), limit.split()[1]
            mib = value * {"MiB": 1, "GiB": 1024, "MB": 1e6 / 2**20, "GB": 1e9 / 2**20}[unit]
            assert abs(mib - want * 1e6 / 2**20) < 1, limit  # "200MB" as DuckDB reads it
            mem = w.status()["memory"]
            assert mem["duckdb_mib"] is not None and isinstance(mem["duckdb_by_tag_mib"], dict)
            if sys.platform == "linux" and "malloc" in mem:
                heap = mem["malloc"]
                assert heap["heap_mib"] >= heap["free_mib"] >= 0 and heap["in_use_mib"] > 0
        finally:
            w.store.close()


def test_watch_caches_fill_within_warm_up():
    """A watcher's memory is flat only once its caches are full. The word caches of the per-article
    path (and the vocabulary a memory zone lets grow) must fill within the first minutes of a watch at
    one article a second: measured over 1,800 corpus articles, the first 600 (10 minutes) meet about
    23,000 distinct words, lemma pairs and vector rows, so a cap above 20,000 entries keeps filling
    (and the memory growing) long after warm-up, as the caps of 50,000-100,000 did for an hour. A cache
    with arguments and no cap grows for as long as the process runs."""
    import functools
    import inspect

    import pantau.events.text as etext
    import pantau.nlp as nlp
    import pantau.pipeline  # noqa: F401 - loads every stage's module (their caches)
    import pantau.places as places
    import pantau.stories.article_tokens as tokens
    import pantau.stories.features as features
    from pantau.nlp import morph

    kind = type(functools.lru_cache(maxsize=1)(lambda: None))
    for name, mod in list(sys.modules.items()):
        if name.startswith("pantau"):
            for attr, value in vars(mod).items():
                if isinstance(value, kind) and inspect.signature(value.__wrapped__).parameters:
                    assert value.cache_parameters()["maxsize"] is not None, f"{name}.{attr} is unbounded"
    warm_up_keys = 20_000
    for f in (nlp._lemma, etext.normalise, morph.analyse, features.lemma, features._kb_name,
              tokens._run_words, tokens._split_generic, places._norm, places._may_start,
              places._geocode_cached):
        assert f.cache_parameters()["maxsize"] <= warm_up_keys, f.__qualname__
    assert nlp._CachedFloret._MAX <= warm_up_keys
    assert nlp.VOCAB_GROWTH <= warm_up_keys
