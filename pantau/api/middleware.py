"""ASGI middleware: a request body limit that holds for chunked bodies, and a Host header check.

Why pure ASGI: the limit must count bytes as they arrive (a chunked body has no Content-Length, and
the old check only read that header), and answer 413 before the app buffers anything more.
"""

from __future__ import annotations

import json
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
