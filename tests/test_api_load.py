"""The GET reply cache under writes (issue 20, the API under write and load).

Before: every article the ingest worker stored dropped every cached reply, so while articles arrived the
heaviest reads (index series, alerts, stories) were computed again for each request. Now a write that
only adds articles keeps the replies made from the stories stage's tables (those cannot change until a
stories slice runs), while replies that read articles and events are made again; a replaced article or a
stories slice drops both. Each stored chunk is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pantau.api import create_app
from pantau.api.jobs import Job
from pantau.records import Article, Result

BASE = "http://127.0.0.1"


@pytest.fixture()
def app_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, TestClient]]:
    """An app over a fresh writable store whose pipeline makes an article (no events) from each record."""
    import pantau.pipeline

    def process_all(items: Any, *a: Any, **kw: Any) -> Iterator[Result]:
        for rec in items:
            art = Article(id=rec.id, text=rec.text, title=rec.id, content_hash=f"h-{rec.text}")
            yield Result(article=art, entities=[], events=[], quotes=[])

    monkeypatch.setattr(pantau.pipeline, "process_all", process_all)
    app = create_app(tmp_path / "cache.duckdb", writable=True, preload=False, isolate=False)
    with TestClient(app, base_url=BASE) as client:
        yield app, client
    app.state.worker.close()
    app.state.db.close()


def _get(client: TestClient, path: str) -> tuple[dict[str, Any], bool]:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.json(), r.headers.get("x-cache") == "hit"


def _ingest(app: Any, *articles: dict[str, str]) -> Job:
    """Run one job in the calling thread (the worker thread is not started without a token)."""
    job = Job(id="j" * 32, records=len(articles), articles=list(articles))
    app.state.worker._run(job)
    assert job.status == "done", job.errors
    return job


def test_new_articles_keep_stories_replies_and_refresh_the_others(app_client: tuple[Any, TestClient]) -> None:
    app, client = app_client
    _ingest(app, {"id": "a1", "text": "Menteri luar negeri bertemu di Jakarta."})
    for path in ("/api/alerts", "/api/stories", "/api/articles"):
        assert _get(client, path)[1] is False  # made
        assert _get(client, path)[1] is True  # then answered from memory
    before, _ = _get(client, "/api/articles")

    job = _ingest(app, {"id": "a2", "text": "Presiden meresmikan bendungan baru."})
    assert [r["status"] for r in job.results] == ["inserted"]
    after, hit = _get(client, "/api/articles")
    assert not hit and after["total"] == before["total"] + 1  # never a reply older than the data
    assert _get(client, "/api/alerts")[1] is True  # the stories stage has not seen a2: nothing changed
    assert _get(client, "/api/stories")[1] is True

    job = _ingest(app, {"id": "a1", "text": "Menteri luar negeri bertemu di Bandung."})
    assert [r["status"] for r in job.results] == ["replaced"]
    assert _get(client, "/api/alerts")[1] is False  # a1's story (if any) reads its new events
    assert _get(client, "/api/stories")[1] is False

    assert _get(client, "/api/articles")[1] is False
    job = _ingest(app, {"id": "a1", "text": "Menteri luar negeri bertemu di Bandung."})
    assert [r["status"] for r in job.results] == ["unchanged"]
    assert _get(client, "/api/articles")[1] is True  # nothing written: nothing dropped


def test_stories_slice_drops_stories_replies(app_client: tuple[Any, TestClient]) -> None:
    app, client = app_client
    assert _get(client, "/api/alerts")[1] is False
    assert _get(client, "/api/alerts")[1] is True
    app.state.db.invalidate()  # what the worker does after each stories slice
    assert _get(client, "/api/alerts")[1] is False


def test_a_chunk_is_stored_in_one_transaction_and_a_bad_article_is_a_job_error(
    app_client: tuple[Any, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = app_client
    from pantau.store import Store

    calls: list[int] = []
    real = Store.upsert_many

    def upsert_many(self: Store, results: Any, **kw: Any) -> Any:
        calls.append(len(results))
        return real(self, results, **kw)

    monkeypatch.setattr(Store, "upsert_many", upsert_many)
    arts = [{"id": f"b{i}", "text": f"Berita nomor {i} hari ini."} for i in range(5)]
    job = Job(id="k" * 32, records=6, articles=[*arts, {"id": "bad", "text": "\ud800 rusak"}])
    app.state.worker._run(job)
    assert calls == [6]  # one transaction for the chunk (it falls back to one per article on failure)
    assert job.status == "done"
    assert sorted(r["id"] for r in job.results) == [f"b{i}" for i in range(5)]
    assert len(job.errors) == 1 and job.errors[0].startswith("bad")


def test_a_write_drops_the_replies_it_made_stale() -> None:
    """Stale replies are dropped at the next request, not left until the size cap evicts them (in
    ``pantau watch --serve`` writes come every second or two, so they held memory up to the cap)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from pantau.api.db import Generation
    from pantau.api.middleware import ReadCache

    gen = Generation(0, 0)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 100})

    cache = ReadCache(app, generation=lambda: gen)

    async def get(path: str) -> None:
        async def send(message: Any) -> None:
            return None

        scope = {"type": "http", "method": "GET", "path": path, "query_string": b""}
        await cache(scope, None, send)

    def run(path: str) -> None:
        """One request on a fresh event loop in its own thread: a browser test's Playwright may hold a
        running loop in this one."""
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, get(path)).result()

    paths = ["/api/articles/a1", "/api/articles/a2", "/api/alerts", "/api/index"]
    for path in paths:
        run(path)
    assert len(cache.entries) == 4 and cache.total == 400
    gen = Generation(1, 0)  # new articles only: the stories replies stay valid
    run("/api/stories")  # the next GET sweeps
    assert sorted(k[0] for k in cache.entries) == ["/api/alerts", "/api/index", "/api/stories"]
    assert cache.total == 300
    gen = Generation(2, 1)  # a stories slice
    run("/api/articles/a1")
    assert [k[0] for k in cache.entries] == ["/api/articles/a1"] and cache.total == 100
