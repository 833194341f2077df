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
