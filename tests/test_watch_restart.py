"""`pantau watch` killed with SIGKILL mid-run and started again: nothing lost, nothing stored twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb
from test_watch import PARAS

from pantau.watch.testing import HTML, Reply, page, rss
from pantau.watch.testing import LocalServer as Server

N = 24


def _articles(db: str) -> int:
    try:
        con = duckdb.connect(db, read_only=True)
    except duckdb.Error:
        return -1  # held by the running watcher
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def _stored_says(db: str) -> int:
    try:
        status = json.loads(Path(db + ".watch.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return sum(s["articles"] for s in status["sources"])


def test_kill_9_and_restart_resumes_without_duplicates(tmp_path: Path) -> None:
    server = Server()
    try:

        def slow_page(i: int):  # noqa: ANN202 - a route factory
            def serve(h: BaseHTTPRequestHandler) -> Reply:
                time.sleep(0.3)
                return 200, HTML, page(f"Berita kota {i}", [f"Laporan nomor {i} dari balai kota."] + PARAS)

            return serve

        items = []
        for i in range(N):
            server.routes[f"/p/{i}"] = slow_page(i)
            items.append({"title": f"Berita kota {i}", "link": f"{server.url}/p/{i}"})
        server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml", "ETag": '"e1"'}, rss(items))
        db = str(tmp_path / "w.duckdb")
        cmd = [
            sys.executable,
            "-c",
            "from pantau.cli import main; main()",
            "watch",
            "--no-events",
            "--db",
            db,
            "--politeness",
            "0",
            "--feed",
            server.url + "/feed",
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # kill it once some articles are stored (its status file says so) and others are not yet
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _stored_says(db) < 1:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        before = _articles(db)
        assert 0 <= before < N, f"the kill came too late or too early ({before} stored)"
        assert before >= 1
        mark = len(server.log)
        r = subprocess.run(cmd + ["--once"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert f"{N - before} inserted, 0 replaced, 0 errors" in r.stderr
        con = duckdb.connect(db, read_only=True)
        ids = [x[0] for x in con.execute("SELECT id FROM articles").fetchall()]
        stored = con.execute("SELECT count(*) FROM watch_seen WHERE status = 'stored'").fetchone()[0]
        con.close()
        assert len(ids) == len(set(ids)) == N and stored == N
        # the restart fetched what was not stored; the stored ones at most once more (killed before marking)
        again = [p for _, p, _, _ in server.log[mark:] if p.startswith("/p/")]
        assert len(again) <= N - before + 8
    finally:
        server.close()
