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


class ReadCache:
    """Answers a repeated ``GET /api/...`` from memory until the store changes.

    Why: a dashboard and its users ask the same few questions over and over, and each costs tens of
    milliseconds of DuckDB work on a large store; under load the queue, not the query, made p95 seconds.
    A reply is kept only while ``generation()`` (bumped by every write of the ingest worker) is unchanged,
    so a cached reply is never older than the data; small replies only, at most ``max_entries``.
    """

    def __init__(
        self,
        app: Any,
        generation: Any,
        max_entries: int = 4096,
        max_bytes: int = 512_000,
        skip: tuple[str, ...] = ("/api/health", "/api/ingest", "/api/status"),  # live, or writes
        on_read: Any = None,
    ) -> None:
        self.app = app
        self.generation = generation
        self.on_read = on_read  # told of every GET /api/... (a cached answer is a read too)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.skip = skip
        self.entries: OrderedDict[tuple[str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )
        self.seen = -1

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
        gen = self.generation()
        if gen != self.seen:
            self.entries.clear()
            self.seen = gen
        key = (path, scope.get("query_string", b""))
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
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
        if start.get("status") == 200 and size <= self.max_bytes and self.generation() == gen:
            self.entries[key] = (200, list(start.get("headers", [])), b"".join(parts))
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
