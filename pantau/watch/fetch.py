"""HTTP for the monitor: conditional GET, a politeness interval per host, timeouts, retries with backoff,
and one worker thread per host.

Why one thread per host: requests to one host wait for each other anyway (politeness), and a host that
is slow or hangs then holds up only its own queue, never the feeds and pages of other hosts.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from pantau.watch.config import WatchConfig

log = logging.getLogger("pantau.watch")
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 300.0
IDLE_EXIT_S = 120.0  # a host's thread ends after this long without work (a new one starts when needed)


@dataclass
class Fetched:
    """One GET's outcome: ``status`` 0 when no reply came; ``error`` says why it failed."""

    url: str
    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    attempts: int = 1

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def host_of(url: str) -> str:
    return (urlsplit(url).netloc or url).lower()


class Fetcher:
    """A shared HTTP client (connection pooling) that waits ``politeness_s`` between two requests to a
    host and retries timeouts, connection errors and 408/429/5xx replies with exponential backoff."""

    def __init__(self, cfg: WatchConfig, stop: threading.Event | None = None) -> None:
        self.cfg = cfg
        self.stop = stop or threading.Event()
        self.client = httpx.Client(
            headers={"User-Agent": cfg.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(cfg.timeout_s),
            follow_redirects=True,
            max_redirects=5,
        )
        self._last: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _turn(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def _sleep(self, seconds: float) -> bool:
        """Wait, unless asked to stop (then False)."""
        return not self.stop.wait(max(0.0, seconds))

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str = "*/*"
    ) -> Fetched:
        """GET with If-None-Match / If-Modified-Since; the body is capped at ``max_page_bytes``."""
        host = host_of(url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        error = "not attempted"
        attempts = self.cfg.retries + 1
        for attempt in range(attempts):
            wait = 0.0
            with self._turn(host):
                gap = self._last.get(host, 0.0) + self.cfg.politeness_s - time.monotonic()
                if gap > 0 and not self._sleep(gap):
                    return Fetched(url, error="stopped", attempts=attempt)
                try:
                    result = self._once(url, headers)
                except httpx.TimeoutException:
                    error = f"timed out after {self.cfg.timeout_s:g} s"
                    result = None
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    result = None
                finally:
                    self._last[host] = time.monotonic()
            if result is not None:
                result.attempts = attempt + 1
                if result.status not in RETRY_STATUS:
                    return result
                error = f"HTTP {result.status}"
                wait = _retry_after(result.headers.get("retry-after"))
            if attempt + 1 < attempts:
                backoff = self.cfg.backoff_s * (2**attempt) * (1 + random.random() * 0.25)
                if not self._sleep(max(backoff, wait)):
                    break
        return Fetched(
            url, error=f"{error} (after {attempts} attempt{'s' if attempts > 1 else ''})", attempts=attempts
        )

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        deadline = time.monotonic() + self.cfg.timeout_s * 2  # a server that drips bytes is cut off too
        with self.client.stream("GET", url, headers=headers) as r:
            got = {k.lower(): v for k, v in r.headers.items()}
            if r.status_code != 200:
                return Fetched(str(r.url), r.status_code, b"", got)
            parts: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > self.cfg.max_page_bytes:
                    return Fetched(
                        str(r.url),
                        r.status_code,
                        b"",
                        got,
                        error=f"larger than {self.cfg.max_page_bytes:,} bytes; skipped",
                    )
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("body too slow")
                parts.append(chunk)
            return Fetched(str(r.url), r.status_code, b"".join(parts), got)


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(value)))
    except ValueError:
        return 0.0  # an HTTP date: plain backoff


class HostPool:
    """One queue and one daemon thread per host; ``submit`` never blocks."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._queues: dict[str, queue.Queue[Callable[[], None] | None]] = {}
        self._threads: list[threading.Thread] = []
        self._guard = threading.Lock()
        self.pending: dict[str, int] = {}

    def submit(self, host: str, task: Callable[[], None]) -> None:
        with self._guard:
            q = self._queues.get(host)
            if q is None:
                q = self._queues[host] = queue.Queue()
                t = threading.Thread(target=self._run, args=(host, q), name=f"watch-{host}", daemon=True)
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
                t.start()
            self.pending[host] = self.pending.get(host, 0) + 1
            q.put(task)  # under the guard: an idle thread ending now cannot strand it

    def _run(self, host: str, q: queue.Queue[Callable[[], None] | None]) -> None:
        idle_since = time.monotonic()
        while not self.stop.is_set():
            try:
                task = q.get(timeout=0.5)
            except queue.Empty:
                if time.monotonic() - idle_since > IDLE_EXIT_S:
                    with self._guard:  # hosts of one-off links come and go: their threads do not stay
                        if q.empty():
                            del self._queues[host]
                            self.pending.pop(host, None)
                            return
                continue
            if task is None:
                break
            try:
                task()
            except Exception:  # noqa: BLE001 - a task's failure is its own; the host goes on
                log.exception("watch task for %s failed", host)
            finally:
                with self._guard:
                    self.pending[host] -= 1
                idle_since = time.monotonic()

    def idle(self) -> bool:
        with self._guard:
            return not any(self.pending.values())

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        with self._guard:
            for q in self._queues.values():
                q.put(None)
        for t in self._threads:
            t.join(timeout)
