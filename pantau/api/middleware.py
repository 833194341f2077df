"""ASGI middleware: a request body limit that holds for chunked bodies, and a Host header check.

Why pure ASGI: the limit must count bytes as they arrive (a chunked body has no Content-Length, and
the old check only read that header), and answer 413 before the app buffers anything more.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

Scope = dict[str, Any]
Receive = Any
Send = Any

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


async def _reply(send: Send, status: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Reads a request's body up to ``max_bytes`` (counted while streaming) and replays it to the app;
    413 as soon as the count, or a declared Content-Length, goes over."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = f"request body too large ({self.max_bytes // 1_000_000} MB max)"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "bad Content-Length")
                    return
                if declared > self.max_bytes:
                    await _reply(send, 413, too_large)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                chunks.clear()
                await _reply(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        chunks.clear()
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _hostname(host: str) -> str:
    """The Host header without its port; IPv6 literals without brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostCheck:
    """400 unless the Host header names an allowed host (why: DNS rebinding lets a web page talk to a
    server on localhost under its own domain name; the Host header still names that domain)."""

    def __init__(self, app: Any, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {_hostname(h) for h in allowed if h}
        self.any = "*" in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if _hostname(host) not in self.allowed:
            await _reply(send, 400, "invalid host header")
            return
        await self.app(scope, receive, send)


# Replies made only from what the stories stage writes (stories, story_articles, the escalation index,
# alerts, duplicates) and from articles and events read through story_articles: a new article leaves them
# as they are until a stories slice runs (see pantau.api.db).
STORIES_PATHS = ("/api/index", "/api/alerts", "/api/stories")


class ReadCache:
    """Answers a repeated ``GET /api/...`` from memory until the store changes.

    Why: a dashboard and its users ask the same few questions over and over, and each costs tens of
    milliseconds of DuckDB work on a large store; under load the queue, not the query, made p95 seconds.
    ``generation()`` gives the store's write counters: an int (every write drops every reply) or a
    :class:`pantau.api.db.Generation` pair, when replies under ``stories_paths`` are kept across writes
    that only add articles (the stories stage has not seen them yet, so those replies cannot change),
    which keeps the index, alert and story replies cached while articles stream in. A reply is kept only
    while its counter is unchanged, so a cached reply is never older than the data; the first request
    after a write drops every reply that write made stale (left in place, they held memory up to
    ``max_total`` in ``pantau watch --serve``, which writes every second or two). Hits carry
    ``X-Cache: hit`` (load tests count them). Small replies only, at most ``max_entries`` and
    ``max_total`` bytes.
    """

    def __init__(
        self,
        app: Any,
        generation: Any,
        max_entries: int = 4096,
        max_bytes: int = 512_000,
        skip: tuple[str, ...] = ("/api/health", "/api/ingest", "/api/status"),  # live, or writes
        on_read: Any = None,
        stories_paths: tuple[str, ...] = STORIES_PATHS,
        max_total: int = 64_000_000,
    ) -> None:
        self.app = app
        self.generation = generation
        self.on_read = on_read  # told of every GET /api/... (a cached answer is a read too)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_total = max_total
        self.skip = skip
        self.stories_paths = stories_paths
        # key -> (counter the reply was made at, headers, body)
        self.entries: OrderedDict[tuple[str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )
        self.total = 0  # bytes of the bodies held
        self._swept: Any = None  # the generation at the last sweep of stale replies

    def _counter(self, path: str, gen: Any = None) -> int:
        """The write counter that invalidates a reply for ``path`` (in ``gen``, else the current one)."""
        if gen is None:
            gen = self.generation()
        if isinstance(gen, tuple):
            return gen[1] if path.startswith(self.stories_paths) else gen[0]
        return gen

    def _drop(self, key: tuple[str, bytes]) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.total -= len(entry[2])

    def _sweep(self) -> None:
        """Drop the replies made before the last write that could change them (once per write)."""
        gen = self.generation()
        if gen == self._swept:
            return
        self._swept = gen
        stale = [key for key, entry in self.entries.items() if entry[0] != self._counter(key[0], gen)]
        for key in stale:
            self._drop(key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not path.startswith("/api/")
            or path.startswith(self.skip)
        ):
            await self.app(scope, receive, send)
            return
        if self.on_read is not None:
            self.on_read()
        self._sweep()
        gen = self._counter(path)
        key = (path, scope.get("query_string", b""))
        hit = self.entries.get(key)
        if hit is not None and hit[0] == gen:
            self.entries.move_to_end(key)
            await send({"type": "http.response.start", "status": 200, "headers": hit[1]})
            await send({"type": "http.response.body", "body": hit[2]})
            return
        if hit is not None:
            self._drop(key)  # made before a write that may have changed it
        start: dict[str, Any] = {}
        parts: list[bytes] = []
        size = 0

        async def capture(message: dict[str, Any]) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= self.max_bytes:
                parts.append(message.get("body", b""))
                size += len(parts[-1])
            await send(message)

        await self.app(scope, receive, capture)
        # kept only if no write that could change it finished while it was made
        if start.get("status") == 200 and size <= self.max_bytes and self._counter(path) == gen:
            headers = [*start.get("headers", []), (b"x-cache", b"hit")]
            self._drop(key)
            self.entries[key] = (gen, headers, b"".join(parts))
            self.total += size
            while len(self.entries) > self.max_entries or self.total > self.max_total:
                self._drop(next(iter(self.entries)))
