"""Local feeds for the tests and the benchmark of ``pantau watch`` (the machine is offline): a small HTTP
server with programmable routes, an RSS document and an article page, and a free port.

Why in the package: the watch tests (tests/test_watch*.py, tests/browser/test_watch_live.py) and
scripts/bench_watch.py serve the same kind of feeds; one module that both import keeps them in step.
Nothing in Pantau itself imports it.
"""

from __future__ import annotations

import html
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], bytes]
Route = Reply | Callable[[BaseHTTPRequestHandler], Reply]
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml"}


class LocalServer:
    """A local HTTP server (GET and POST) whose routes map a path to a reply or to a function of the
    request; unknown paths answer 404. ``log_requests``: keep each request (method, path, headers, body)
    in ``log`` (tests check what was asked; a long benchmark turns it off)."""

    def __init__(self, *, log_requests: bool = True) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, str, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                body = (
                    self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
                )
                if log_requests:
                    outer.log.append((method, self.path, dict(self.headers), body))
                route = outer.routes.get(self.path)
                status, headers, payload = (
                    (404, {}, b"not found") if route is None else (route(self) if callable(route) else route)
                )
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if payload:
                        self.wfile.write(payload)
                except OSError:  # the client gave up (timeout tests)
                    pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def gets(self, path: str) -> list[dict[str, str]]:
        """The headers of each GET of ``path`` so far."""
        return [h for m, p, h, _ in self.log if m == "GET" and p == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def page(
    title: str, paragraphs: Iterable[str], *, nav: str = "Beranda | Indeks", escape: bool = False
) -> bytes:
    """A simple article page: navigation, the title, the paragraphs, a footer (what the cleaner removes
    around an article). ``escape``: HTML-escape the title and paragraphs (corpus text)."""
    esc = html.escape if escape else (lambda s: s)
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs if p.strip())
    t = esc(title)
    return (
        f"<html><head><meta charset='utf-8'><title>{t}</title></head><body><nav>{esc(nav)}</nav>"
        f"<article><h1>{t}</h1>{body}</article><footer>Hak cipta</footer></body></html>"
    ).encode()


def rss(items: Iterable[Mapping[str, str]], title: str = "Kabar Uji", *, escape: bool = False) -> bytes:
    """An RSS 2.0 document; each item has ``title`` and ``link`` (its guid too), optionally ``date`` (an
    RFC 822 date) and ``summary``. ``escape``: HTML-escape the titles (corpus text)."""
    esc = html.escape if escape else (lambda s: s)
    xml = "".join(
        f"<item><title>{esc(i['title'])}</title><link>{i['link']}</link><guid>{i['link']}</guid>"
        f"<pubDate>{i.get('date', 'Mon, 07 Dec 2026 08:00:00 GMT')}</pubDate>"
        f"<description>{esc(i.get('summary', ''))}</description></item>"
        for i in items
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
    return f"{head}<channel><title>{esc(title)}</title>{xml}</channel></rss>".encode()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server started by a child process)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


__all__ = ["HTML", "RSS", "LocalServer", "Reply", "Route", "free_port", "page", "rss"]
