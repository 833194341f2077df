"""The watch tables' rows written with UPDATE or INSERT (not INSERT OR REPLACE): every field survives a
reopen, a failing page counts its attempts until it is given up, and a later success resets them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pantau.watch.state import MAX_ATTEMPTS, Seen, WatchState


def test_sources_and_seen_items_round_trip(tmp_path: Path) -> None:
    path = str(tmp_path / "state.duckdb")
    con = duckdb.connect(path)
    state = WatchState(con)
    state.source("https://news.example/feed", "feed")
    state.update_source("https://news.example/feed", "feed", ok=True, etag='"v1"', last_modified="Mon")
    state.update_source("https://news.example/feed", "feed", error="https://news.example/feed: HTTP 500")
    url = "https://news.example/a1"
    for i in range(MAX_ATTEMPTS):
        state.mark(url, "https://news.example/feed", item_hash="i1", content_hash=None, article_id=None,
                   status="failed")
        seen = state.seen([url])[url]
        assert seen.attempts == i + 1
        assert seen.status == ("rejected" if i + 1 >= MAX_ATTEMPTS else "failed")
    first = con.execute("SELECT first_seen FROM watch_seen WHERE key = ?", [url]).fetchone()[0]
    state.mark(url, "https://news.example/feed", item_hash="i2", content_hash="c2", article_id="a1",
               status="stored")
    state.close()
    con.close()

    con = duckdb.connect(path)
    again = WatchState(con)
    row = again.sources["https://news.example/feed"]
    assert (row["etag"], row["last_modified"], row["errors"]) == ('"v1"', "Mon", 1)
    assert row["last_error"] == "https://news.example/feed: HTTP 500"
    assert again.seen([url])[url] == Seen("i2", "c2", "stored", 0)
    assert con.execute("SELECT first_seen, article_id FROM watch_seen").fetchall() == [(first, "a1")]
    assert con.execute("SELECT count(*) FROM watch_sources").fetchone()[0] == 1
    again.close()
    con.close()
