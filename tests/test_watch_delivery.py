"""Alert delivery of `pantau watch`: stdout JSON lines and a signed, retried webhook, once per alert across
restarts. The first test runs the whole pipeline on self-written articles until the stories layer raises
a real escalation alert."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from test_watch import Server, config, watcher

from pantau.watch import Watcher
from pantau.watch.config import FeedSource, Webhook
from pantau.watch.testing import HTML, Reply, page, rss

SECRET = "geheim-123"
TOWNS = ["Kharkiv", "Odesa", "Kherson", "Sumy", "Dnipro", "Lviv"]


def attack_pages(server: Server) -> list[dict[str, str]]:
    """Six self-written reports of attacks on six days (enough for an escalation alert on RUS-UKR)."""
    items = []
    for i, town in enumerate(TOWNS):
        paras = [
            f"Pasukan Rusia menyerang kota {town} di Ukraina pada hari ini, kata pejabat setempat.",
            f"Serangan rudal itu menewaskan {i + 2} warga sipil dan merusak gedung sekolah. "
            f"Pemerintah Ukraina mengecam serangan Rusia di {town}.",
        ]
        server.routes[f"/k/{i}"] = (200, HTML, page(f"Rusia serang {town}", paras))
        items.append(
            {
                "title": f"Rusia serang {town}",
                "link": f"{server.url}/k/{i}",
                "date": f"Tue, 0{i + 1} Dec 2026 08:00:00 GMT",
            }
        )
    return items


def posts(server: Server) -> list[tuple[dict[str, str], bytes]]:
    return [(h, b) for m, p, h, b in server.log if m == "POST" and p == "/hook"]


def test_webhook_receives_the_alert_signed_and_once(tmp_path: Path) -> None:
    news, hooks = Server(), Server()
    try:
        news.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(attack_pages(news)))
        hooks.routes["/hook"] = (204, {}, b"")
        cfg = config(
            tmp_path,
            feeds=[FeedSource(news.url + "/feed")],
            stdout=True,
            webhook=Webhook(hooks.url + "/hook", SECRET, retries=2, backoff_s=0.05),
        )
        out = io.StringIO()
        w = Watcher(cfg, out=out)
        w.run_once()
        w.close()
        lines = [json.loads(x) for x in out.getvalue().splitlines()]
        assert lines and all(x["type"] == "alert" for x in lines)
        assert any(x["dyad"] == "RUS-UKR" and x["channel"] == "conflict" for x in lines)
        got = posts(hooks)
        assert sorted(json.loads(b)["id"] for _, b in got) == sorted(x["id"] for x in lines)
        for headers, body in got:
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert headers["X-Pantau-Signature"] == expected
            assert headers["X-Pantau-Alert-Id"] == json.loads(body)["id"]
        # a restart delivers nothing again
        out2 = io.StringIO()
        w = Watcher(cfg, out=out2)
        w.run_once()
        w.close()
        assert out2.getvalue() == "" and len(posts(hooks)) == len(got)
    finally:
        news.close()
        hooks.close()


def _alert(w: Watcher, alert_id: str) -> None:
    from pantau.stories import ensure_schema

    con = w.store.con.cursor()
    ensure_schema(con)
    con.execute(
        "INSERT INTO alerts VALUES (?, 'AAA-BBB', DATE '2026-12-07', 'conflict', 'escalation', 30.0, "
        "1.0, 4.0, ['ce-1'])",
        [alert_id],
    )


def test_webhook_retried_with_backoff_then_kept_for_later(tmp_path: Path) -> None:
    hooks = Server()
    try:
        calls = {"n": 0}

        def flaky(h: BaseHTTPRequestHandler) -> Reply:
            calls["n"] += 1
            return (503, {}, b"busy") if calls["n"] <= 2 else (200, {}, b"ok")

        hooks.routes["/hook"] = flaky
        cfg = config(
            tmp_path, events=False, webhook=Webhook(hooks.url + "/hook", None, retries=1, backoff_s=0.05)
        )
        w = watcher(cfg)
        _alert(w, "al-1")
        assert w.delivery.webhook_pending() == 0  # two 503s: retries spent, kept for later
        assert len(posts(hooks)) == 2 and "X-Pantau-Signature" not in posts(hooks)[0][0]
        w.delivery._later.clear()  # the retry time has come
        assert w.delivery.webhook_pending() == 1
        assert w.delivery.webhook_pending() == 0  # delivered once
        w.close()
        assert len(posts(hooks)) == 3
    finally:
        hooks.close()


def test_alerts_stored_before_the_first_watch_are_not_news(tmp_path: Path) -> None:
    cfg = config(tmp_path, events=False, stdout=True)
    out = io.StringIO()
    w = Watcher(cfg, out=out)
    _alert(w, "al-old")
    w.close()
    # a store that had alerts before any watch ran: they are the baseline (simulated by dropping the mark)
    import duckdb

    con = duckdb.connect(cfg.db)
    con.execute("DELETE FROM watch_meta")
    con.close()
    w = Watcher(cfg, out=out)
    _alert(w, "al-new")
    w.delivery.new_alerts()
    w.close()
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == ["al-new"]
