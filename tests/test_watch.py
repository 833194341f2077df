"""`pantau watch` against local HTTP servers (the machine is offline): conditional GET, bad feeds and pages,
a changed article, folders and stdin, the status. Most tests store articles without the event stage (no
NLP model to load); ``test_new_article_events_visible_through_api`` runs the whole pipeline."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from pantau.pipeline import Stages
from pantau.watch import Watcher
from pantau.watch.config import ConfigError, FeedSource, WatchConfig, from_mapping, load
from pantau.watch.sources import parse_feed
from pantau.watch.testing import HTML, Reply, page, rss
from pantau.watch.testing import LocalServer as Server


@pytest.fixture()
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()

# self-written news paragraphs (not from the evaluation data)
PARAS = [
    "Pemerintah kota Bandung meresmikan taman baru di kawasan utara pada Senin pagi.",
    "Wali kota mengatakan taman itu dibuka untuk umum setiap hari dan dilengkapi jalur sepeda.",
    "Warga menyambut baik pembukaan taman tersebut karena ruang hijau di kota masih terbatas.",
]


def add_articles(server: Server, n: int, prefix: str = "/a") -> list[dict[str, str]]:
    items = []
    for i in range(n):
        path = f"{prefix}/{i}"
        server.routes[path] = (200, HTML, page(f"Taman kota nomor {i}", [f"Berita nomor {i}."] + PARAS))
        items.append({"title": f"Taman kota nomor {i}", "link": server.url + path})
    return items


def config(tmp_path: Path, **kw: Any) -> WatchConfig:
    base: dict[str, Any] = {
        "db": str(tmp_path / "w.duckdb"),
        "politeness_s": 0.0,
        "timeout_s": 2.0,
        "retries": 1,
        "backoff_s": 0.05,
        "stdout": False,
    }
    base.update(kw)
    return WatchConfig(**base)


def watcher(cfg: WatchConfig, **kw: Any) -> Watcher:
    return Watcher(cfg, stages=Stages(with_events=cfg.events), **kw)


def count(w: Watcher, sql: str, *params: Any) -> Any:
    return w.store.con.cursor().execute(sql, list(params)).fetchone()[0]


# -- config -------------------------------------------------------------------------------------
def test_config_yaml_toml_and_errors(tmp_path: Path) -> None:
    y = tmp_path / "watch.yaml"
    y.write_text(
        "db: store.duckdb\ninterval: 30\nfeeds:\n  - https://example.org/rss\n"
        "  - {url: 'http://example.net/atom', interval: 10}\nfolders: [inbox]\n"
        "webhook: {url: 'https://hooks.example.org/p', secret: s3}\n",
        encoding="utf-8",
    )
    cfg = load(y)
    assert [f.url for f in cfg.feeds] == ["https://example.org/rss", "http://example.net/atom"]
    assert [f.interval_s for f in cfg.feeds] == [30.0, 10.0]
    assert cfg.db == str(tmp_path / "store.duckdb") and cfg.folders == [str(tmp_path / "inbox")]
    assert cfg.webhook is not None and cfg.webhook.secret == "s3"
    t = tmp_path / "watch.toml"
    t.write_text('feeds = ["https://example.org/rss"]\npoliteness = 2\n', encoding="utf-8")
    assert load(t).politeness_s == 2.0
    with pytest.raises(ConfigError, match=r"watch.yaml: unknown setting\(s\): feed\b"):
        y.write_text("feed: [https://example.org/rss]\n", encoding="utf-8")
        load(y)
    with pytest.raises(ConfigError, match=r"feeds\[1\]: 'ftp://x/y' is not an http\(s\) URL"):
        from_mapping({"feeds": ["ftp://x/y"]}, "c.yaml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        t.write_text("feeds = [", encoding="utf-8")
        load(t)


def test_parse_feed_malformed_and_empty() -> None:
    entries, why = parse_feed(b"<html><body>not a feed</body></html>")
    assert entries == [] and why is not None and why.startswith("malformed feed")
    assert parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    ) == ([], None)


# -- feeds ----------------------------------------------------------------------------------------
def test_conditional_get_honoured(server: Server, tmp_path: Path) -> None:
    items = add_articles(server, 3)
    body = rss(items)

    def feed(h: BaseHTTPRequestHandler) -> Reply:
        if h.headers.get("If-None-Match") == '"v1"':
            return 304, {}, b""
        return (
            200,
            {
                "Content-Type": "application/rss+xml",
                "ETag": '"v1"',
                "Last-Modified": "Mon, 07 Dec 2026 08:00:00 GMT",
            },
            body,
        )

    server.routes["/feed"] = feed
    cfg = config(tmp_path, feeds=[FeedSource(server.url + "/feed")], events=False)
    w = watcher(cfg)
    status = w.run_once()
    assert status["counts"].get("inserted") == 3
    assert count(w, "SELECT count(*) FROM articles") == 3
    w.close()
    w = watcher(cfg)  # a restart: the validators come from the store
    status = w.run_once()
    w.close()
    second = server.gets("/feed")[1]
    assert second.get("If-None-Match") == '"v1"'
    assert second.get("If-Modified-Since") == "Mon, 07 Dec 2026 08:00:00 GMT"
    assert "Pantau/" in second.get("User-Agent", "")
    assert [len(server.gets(f"/a/{i}")) for i in range(3)] == [1, 1, 1]  # no page fetched twice
    assert status["counts"] == {}
    assert status["sources"][0]["polls"] == 2 and status["sources"][0]["articles"] == 3


def test_bad_feeds_and_pages_are_reported_and_the_rest_go_on(server: Server, tmp_path: Path) -> None:
    good = add_articles(server, 2)
    server.routes["/doc.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 ...")
    server.routes["/broken"] = (500, {}, b"oops")
    good += [
        {"title": "Laporan PDF", "link": server.url + "/doc.pdf"},  # no text in the feed: rejected
        {
            "title": "Laporan dengan ringkasan",
            "link": server.url + "/doc.pdf?2",
            "summary": "Ringkasan laporan tahunan dinas pertamanan kota yang dirilis hari ini.",
        },
        {"title": "Halaman rusak", "link": server.url + "/broken"},
    ]
    server.routes["/doc.pdf?2"] = server.routes["/doc.pdf"]
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(good))
    server.routes["/500"] = (500, {}, b"internal error")
    server.routes["/junk"] = (200, {"Content-Type": "text/html"}, b"<html><p>no feed here</p></html>")

    def slow(h: BaseHTTPRequestHandler) -> Reply:
        time.sleep(3)
        return 200, {}, b""

    server.routes["/slow"] = slow
    feeds = [server.url + p for p in ("/feed", "/500", "/junk", "/slow")]
    cfg = config(tmp_path, feeds=[FeedSource(u) for u in feeds], events=False, timeout_s=1.0)
    w = watcher(cfg)
    status = w.run_once()
    w.close()
    by = {s["name"]: s for s in status["sources"]}
    assert by[server.url + "/500"]["last_error"] == f"{server.url}/500: HTTP 500 (after 2 attempts)"
    assert by[server.url + "/junk"]["last_error"].startswith(f"{server.url}/junk: malformed feed")
    assert "timed out after 1 s" in by[server.url + "/slow"]["last_error"]
    assert len(server.gets("/500")) == 2  # retried once (retries=1)
    err = by[server.url + "/feed"]
    assert err["articles"] == 3  # two pages and the feed's own text of the second PDF item
    assert err["errors"] == 3
    con = duckdb_cursor(cfg.db)
    seen = dict(con.execute("SELECT key, status FROM watch_seen").fetchall())
    con.close()
    assert seen[server.url + "/doc.pdf"] == "rejected"
    assert seen[server.url + "/broken"] == "failed"  # transient: fetched again at the next poll
    # the next poll asks again (no validators saved while an item waits for a retry) and retries the 500 page
    w = watcher(cfg)
    w.run_once()
    w.close()
    assert len(server.gets("/broken")) == 4 and len(server.gets("/doc.pdf")) == 1


def duckdb_cursor(path: str) -> Any:
    import duckdb

    return duckdb.connect(path, read_only=True)


def test_one_slow_host_never_blocks_the_others(tmp_path: Path) -> None:
    slow, fast = Server(), Server()
    try:
        gate = threading.Event()

        def hang(h: BaseHTTPRequestHandler) -> Reply:
            gate.wait(20)
            return 500, {}, b""

        slow.routes["/feed"] = hang
        fast.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(add_articles(fast, 2)))
        cfg = config(
            tmp_path,
            feeds=[FeedSource(slow.url + "/feed"), FeedSource(fast.url + "/feed")],
            events=False,
            timeout_s=30.0,
            interval_s=60.0,
        )
        w = watcher(cfg)
        w.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and count(w, "SELECT count(*) FROM articles") < 2:
            time.sleep(0.1)
        stored = count(w, "SELECT count(*) FROM articles")
        gate.set()
        w.close()
        assert stored == 2, "the fast host's articles waited for the hanging one"
    finally:
        gate.set()
        slow.close()
        fast.close()


def test_changed_article_is_analysed_again(server: Server, tmp_path: Path) -> None:
    items = add_articles(server, 2)
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(items))
    cfg = config(tmp_path, feeds=[FeedSource(server.url + "/feed")], events=False)
    w = watcher(cfg)
    w.run_once()
    w.close()
    # the outlet corrects article 1: new text, and the feed item says so with a new date
    server.routes["/a/1"] = (
        200,
        HTML,
        page("Taman kota nomor 1", ["Ralat: taman dibuka pekan depan."] + PARAS),
    )
    items[1]["date"] = "Mon, 07 Dec 2026 09:30:00 GMT"
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(items))
    w = watcher(cfg)
    status = w.run_once()
    text = (
        w.store.con.cursor()
        .execute("SELECT text FROM articles WHERE url = ?", [items[1]["link"]])
        .fetchone()[0]
    )
    w.close()
    assert status["counts"] == {"replaced": 1}
    assert "Ralat: taman dibuka pekan depan." in text
    assert len(server.gets("/a/0")) == 1 and len(server.gets("/a/1")) == 2


# -- folders and stdin ------------------------------------------------------------------------------
def test_folder_new_and_changed_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "satu.txt").write_text("\n\n".join(PARAS), encoding="utf-8")
    lines = [
        json.dumps({"id": f"j{i}", "title": f"Judul {i}", "text": f"Berita nomor {i}. " + PARAS[0]})
        for i in range(2)
    ]
    (inbox / "dua.jsonl").write_text("\n".join(lines + ["{not json"]) + "\n", encoding="utf-8")
    (inbox / "catatan.md").write_text("ignored", encoding="utf-8")
    cfg = config(tmp_path, folders=[str(inbox)], events=False)
    w = watcher(cfg)
    status = w.run_once()
    w.close()
    assert status["counts"]["inserted"] == 3
    folder = status["sources"][0]
    assert folder["errors"] == 1 and "dua.jsonl:3: invalid JSON" in folder["last_error"]
    # one file changes, the other does not: only the changed record is stored again
    (inbox / "satu.txt").write_text("\n\n".join(PARAS[:2]), encoding="utf-8")
    w = watcher(cfg)
    status = w.run_once()
    w.close()
    assert status["counts"] == {"replaced": 1}


def test_folder_watch_picks_up_a_new_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cfg = config(tmp_path, folders=[str(inbox)], events=False, folder_interval_s=30.0)
    w = watcher(cfg)
    w.start()
    try:
        time.sleep(1.0)
        (inbox / "baru.jsonl").write_text(json.dumps({"id": "n1", "text": PARAS[1]}) + "\n", encoding="utf-8")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not count(w, "SELECT count(*) FROM articles"):
            time.sleep(0.1)
        assert count(w, "SELECT count(*) FROM articles WHERE id = 'n1'") == 1
    finally:
        w.close()


def test_stdin_json_lines(tmp_path: Path) -> None:
    data = "\n".join(
        [json.dumps({"id": "s1", "text": PARAS[0]}), "[1, 2", json.dumps({"id": "s2", "text": PARAS[2]})]
    )
    cfg = config(tmp_path, stdin=True, events=False)
    w = watcher(cfg, stdin=io.BytesIO(data.encode() + b"\n"))
    status = w.run_once()
    w.close()
    assert status["counts"]["inserted"] == 2
    assert "<stdin>:2: invalid JSON" in status["sources"][0]["last_error"]


# -- status -----------------------------------------------------------------------------------------
def test_status_cli_and_api(server: Server, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from pantau.api import create_app
    from pantau.cli import main

    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(add_articles(server, 1)))
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    r = runner.invoke(
        main,
        [
            "watch",
            "--once",
            "--no-events",
            "--politeness",
            "0",
            "--db",
            db,
            "--feed",
            server.url + "/feed",
            "--feed",
            server.url + "/missing",
        ],
    )
    assert r.exit_code == 1, r.output  # one feed failed
    r = runner.invoke(main, ["watch", "--status", "--db", db])
    assert r.exit_code == 0, r.output
    assert f"{server.url}/feed" in r.output and "last error" in r.output and "HTTP 404" in r.output
    app = create_app(db, hosts=["testserver"])
    try:
        reply = TestClient(app).get("/api/status").json()
    finally:
        app.state.db.close()
    assert reply["articles"] == 1 and not reply["live"]
    sources = {s["name"]: s for s in reply["sources"]}
    assert sources[server.url + "/feed"]["articles"] == 1
    assert sources[server.url + "/missing"]["errors"] == 1


# -- the whole pipeline -------------------------------------------------------------------------------
EVENT_TEXT = [  # self-written: two conflict events between two known actors
    "Pasukan Rusia menyerang kota Kharkiv di Ukraina pada Senin (7/12/2026), kata pejabat setempat.",
    "Serangan itu menewaskan tiga warga sipil. Pemerintah Ukraina mengecam serangan tersebut dan menuduh "
    "Rusia melanggar hukum internasional.",
]


def test_new_article_events_visible_through_api(server: Server, tmp_path: Path) -> None:
    """A feed item to its events through the API of the same process (the write drops the read cache)."""
    from fastapi.testclient import TestClient

    from pantau.api import create_app

    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss([]))
    db = str(tmp_path / "w.duckdb")
    app = create_app(db, token="t", preload=False, isolate=False, hosts=["testserver"])
    cfg = config(tmp_path, feeds=[FeedSource(server.url + "/feed", interval_s=1.0)])
    w = Watcher(cfg, db=app.state.db)
    app.state.watch = w
    client = TestClient(app)
    try:
        assert client.get("/api/events").json()["total"] == 0
        w.warm_up()
        w.start()
        server.routes["/k"] = (200, HTML, page("Rusia serang Kharkiv", EVENT_TEXT))
        server.routes["/feed"] = (
            200,
            {"Content-Type": "application/rss+xml"},
            rss([{"title": "Rusia serang Kharkiv", "link": server.url + "/k"}]),
        )
        t0 = time.monotonic()
        total = 0
        while time.monotonic() - t0 < 60 and not total:
            total = client.get("/api/events").json()["total"]
            time.sleep(0.2)
        assert total >= 1
        while time.monotonic() - t0 < 60 and not client.get("/api/status").json()["sources"][0]["articles"]:
            time.sleep(0.2)  # the source's figures follow the stories update
        status = client.get("/api/status").json()
        assert status["live"] and status["events"] == total
        assert status["sources"][0]["articles"] == 1 and status["sources"][0]["lag_s"] > 0
    finally:
        w.close()
        app.state.db.close()


def test_workers_analyse_in_child_processes(tmp_path: Path) -> None:
    """With ``workers``, records are cleaned and analysed in spawned processes; the store's skip of
    unchanged articles still applies (only the changed record is written again)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [json.dumps({"id": f"w{i}", "text": f"Berita nomor {i}. " + PARAS[i % 3]}) for i in range(5)]
    (inbox / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = config(tmp_path, folders=[str(inbox)], events=False, workers=1)
    w = watcher(cfg)
    status = w.run_once()
    pids = {p.pid for p in (w.analyser.pool._processes or {}).values()} if w.analyser.pool else set()
    w.close()
    assert status["counts"] == {"inserted": 5}
    assert len(pids) == 1 and os.getpid() not in pids
    lines[3] = json.dumps({"id": "w3", "text": "Ralat. " + PARAS[0]})
    (inbox / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    w = watcher(cfg)
    status = w.run_once()
    w.close()
    assert status["counts"] == {"replaced": 1}


def test_large_file_goes_in_parts_and_is_marked_once(tmp_path: Path) -> None:
    """A JSON-lines file of many records is queued in parts (bounded memory); the file is remembered once,
    after its last part, and an unchanged file is not read again."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    n = 150  # more than two parts
    lines = [json.dumps({"id": f"b{i}", "text": f"Berita nomor {i}. " + PARAS[i % 3]}) for i in range(n)]
    (inbox / "besar.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = config(tmp_path, folders=[str(inbox)], events=False)
    w = watcher(cfg)
    status = w.run_once()
    assert count(w, "SELECT count(*) FROM watch_seen") == 1
    w.close()
    assert status["counts"] == {"inserted": n}
    w = watcher(cfg)
    status = w.run_once()
    w.close()
    assert status["counts"] == {}
