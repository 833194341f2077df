"""Where new articles come from: RSS/Atom feeds (and the pages they link), folders, stdin.

Each source turns what is new or changed into :class:`Item`\\ s (raw records plus the key under which the
item is remembered) for the writer. Reading reuses :mod:`pantau.ingest` (files, JSON lines, the HTML
record and its id), so a watched article is the same record that ``pantau ingest`` would make.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pantau.ingest import (
    KNOWN_EXT,
    decode_bytes,
    html_fragment_to_text,
    make_id,
    read_inputs,
    read_jsonl_stream,
)
from pantau.ingest.feeds import entry_content, entry_published
from pantau.records import IngestError, RawRecord
from pantau.watch.fetch import Fetched, Fetcher, HostPool, host_of
from pantau.watch.state import WatchState

log = logging.getLogger("pantau.watch")
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
FILE_PART = 64  # records of a file per queued item
WATCH_EXT = tuple(e for e in KNOWN_EXT if e not in (".xml", ".rss", ".atom"))  # feeds are polled, not watched


@dataclass
class Item:
    """New or changed input: its records, where it came from, and what to remember it by."""

    key: str  # article URL or file path: the row in watch_seen
    source: str  # the feed URL, folder path or <stdin> it came through
    kind: str
    records: list[RawRecord | IngestError]
    item_hash: str | None = None
    content_hash: str | None = None
    detected: float = field(default_factory=time.time)  # when the poller first saw it (for the lag)
    done: Callable[[bool], None] | None = None  # told once the item is stored (True) or failed (False)


Emit = Callable[[Item], None]


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@dataclass
class Entry:
    """One feed item as the monitor needs it."""

    link: str | None
    title: str | None
    published: str | None
    outlet: str | None
    summary: str
    item_hash: str


def parse_feed(data: bytes) -> tuple[list[Entry], str | None]:
    """Entries of an RSS/Atom document, or an error message for a malformed or non-feed body."""
    import feedparser

    feed = feedparser.parse(data)
    version = getattr(feed, "version", "")
    if not feed.entries:
        if getattr(feed, "bozo", False) or not version:
            why = getattr(feed, "bozo_exception", None)
            return [], f"malformed feed: {why or 'not RSS or Atom'}"
        return [], None  # a valid feed with no items yet
    outlet = (feed.feed.get("title") or "").strip() or None
    out = []
    for e in feed.entries:
        content = entry_content(e)
        published = entry_published(e)
        title = (e.get("title") or "").strip() or None
        link = (e.get("link") or "").strip() or None
        basis = "\x1f".join([link or e.get("id", ""), title or "", published or "", content])
        out.append(
            Entry(
                link,
                title,
                published,
                outlet,
                html_fragment_to_text(content) if content else "",
                sha1(basis.encode("utf-8", "replace")),
            )
        )
    return out, None


class FeedPoller:
    """Polls one feed with conditional GET and fetches the pages of its new or changed items."""

    def __init__(
        self,
        url: str,
        fetcher: Fetcher,
        hosts: HostPool,
        state: WatchState,
        emit: Emit,
        inflight: set[str],
        lock: threading.Lock,
    ) -> None:
        self.url = url
        self.fetcher, self.hosts, self.state, self.emit = fetcher, hosts, state, emit
        self.inflight, self.lock = inflight, lock
        state.source(url, "feed")

    def error(self, message: str) -> None:
        log.warning("%s", message)
        self.state.update_source(self.url, "feed", error=message)

    def poll(self) -> None:
        """One conditional GET of the feed; new items are handed to their hosts' queues."""
        row = self.state.source(self.url, "feed")
        seen_at = time.time()  # an item's lag counts from the poll that found it
        r = self.fetcher.get(
            self.url, etag=row.get("etag"), last_modified=row.get("last_modified"), accept=FEED_ACCEPT
        )
        if r.error or (r.status not in (200, 304)):
            self.state.update_source(self.url, "feed", polled=True)
            self.error(f"{self.url}: {r.error or f'HTTP {r.status}'}")
            return
        if r.not_modified:
            self.state.update_source(self.url, "feed", polled=True, ok=True)
            return
        entries, why = parse_feed(r.body)
        if why:
            self.state.update_source(self.url, "feed", polled=True)
            self.error(f"{self.url}: {why}")
            return
        validators = {"etag": r.headers.get("etag"), "last_modified": r.headers.get("last-modified")}
        todo = self._new(entries)
        self.state.update_source(self.url, "feed", polled=True, ok=True)
        if not todo:
            self.state.update_source(self.url, "feed", **validators)
            return
        # the validators are saved when every new item of this reply is stored or given up: a kill before
        # that asks again without them, so no item is lost behind a 304
        # (an item to retry keeps them unsaved, so that the next poll is not answered 304)
        remaining, failed = [len(todo)], [False]

        def one_done(ok: bool) -> None:
            with self.lock:
                remaining[0] -= 1
                failed[0] = failed[0] or not ok
                last = remaining[0] == 0
            if last:
                self.state.update_source(
                    self.url,
                    "feed",
                    **(validators if not failed[0] else {"etag": None, "last_modified": None}),
                )

        for entry, seen_hash in todo:
            self.hosts.submit(
                host_of(entry.link or self.url),
                lambda e=entry, h=seen_hash: self._guarded_page(e, h, one_done, seen_at),
            )

    def _new(self, entries: list[Entry]) -> list[tuple[Entry, str | None]]:
        """Entries whose item is new, changed or failed before (and not already on its way)."""
        keys = [e.link for e in entries if e.link]
        seen = self.state.seen(keys)
        out = []
        for e in entries:
            if not e.link:
                self.error(f"{self.url}: item {e.title or '(untitled)'!r} has no link; skipped")
                continue
            s = seen.get(e.link)
            if s is not None and s.item_hash == e.item_hash and s.status in ("stored", "rejected"):
                continue
            with self.lock:
                if e.link in self.inflight:
                    continue
                self.inflight.add(e.link)
            out.append((e, s.content_hash if s is not None else None))
        return out

    def _guarded_page(
        self, e: Entry, stored_hash: str | None, done: Callable[[bool], None], detected: float
    ) -> None:
        try:
            self._page(e, stored_hash, done, detected)
        except Exception as exc:  # noqa: BLE001 - a bug on one page: reported, the item retried later
            log.exception("page %s", e.link)
            self.error(f"{e.link}: internal error: {type(exc).__name__}: {exc}")
            self._finish(e, "failed", None, done)

    def _page(self, e: Entry, stored_hash: str | None, done: Callable[[bool], None], detected: float) -> None:
        """Fetch an item's page; a page that cannot be used falls back to the feed's own text."""
        assert e.link is not None
        r = self.fetcher.get(e.link, accept=PAGE_ACCEPT)
        record: RawRecord | None = None
        problem = None
        if r.error or r.status != 200:
            problem = f"{e.link}: {r.error or f'HTTP {r.status}'}"
        elif r.content_type and r.content_type not in HTML_TYPES:
            problem = f"{e.link}: not an HTML page ({r.content_type})"
        else:
            digest = sha1(r.body)
            if digest == stored_hash:  # the item changed in the feed, its page did not
                self._finish(e, "stored", digest, done)
                return
            record = self._record(e, r)
            if record is None:
                problem = f"{e.link}: empty page"
        if problem is not None:
            transient = r.error is not None or r.status >= 500 or r.status in (0, 408, 429)
            if e.summary.strip():  # the feed's text, so that the item is not lost
                self.error(f"{problem}; using the feed's text of the item")
                record = RawRecord(
                    source=self.url,
                    url=e.link,
                    id=make_id(url=e.link),
                    title=e.title,
                    published=e.published,
                    outlet=e.outlet,
                    text=e.summary,
                )
                digest = None
            else:
                self.error(f"{problem}{'; retried at the next poll' if transient else ''}")
                self._finish(e, "failed" if transient else "rejected", None, done)
                return
        assert record is not None
        self.emit(
            Item(
                key=e.link,
                source=self.url,
                kind="feed",
                records=[record],
                item_hash=e.item_hash,
                content_hash=digest,
                detected=detected,
                done=lambda ok: self._release(e, done, ok),
            )
        )

    def _record(self, e: Entry, r: Fetched) -> RawRecord | None:
        charset = r.headers.get("content-type", "").lower().partition("charset=")[2].strip(" \"'")
        try:
            html = r.body.decode(charset) if charset else decode_bytes(r.body)
        except (LookupError, UnicodeDecodeError):
            html = decode_bytes(r.body)
        if not html.strip():
            return None
        return RawRecord(
            source=e.link or self.url,
            url=e.link,
            id=make_id(url=e.link),
            title=e.title,
            published=e.published,
            outlet=e.outlet,
            html=html,
        )

    def _release(self, e: Entry, done: Callable[[bool], None], ok: bool) -> None:
        with self.lock:
            self.inflight.discard(e.link or "")
        done(ok)

    def _finish(self, e: Entry, status: str, digest: str | None, done: Callable[[bool], None]) -> None:
        assert e.link is not None
        self.state.mark(
            e.link,
            self.url,
            item_hash=e.item_hash,
            content_hash=digest,
            article_id=make_id(url=e.link),
            status=status,
        )
        self._release(e, done, status != "failed")


class FolderSource:
    """New or changed article files in a folder (recursive; hidden files skipped)."""

    def __init__(self, path: str, state: WatchState, emit: Emit) -> None:
        self.path = str(Path(path))
        self.state, self.emit = state, emit
        self._stat: dict[str, tuple[float, int]] = {}
        state.source(self.path, "folder")

    def files(self) -> Iterator[Path]:
        root = Path(self.path)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if not name.startswith(".") and name.lower().endswith(WATCH_EXT):
                    yield Path(dirpath) / name

    def scan(self, paths: list[Path] | None = None) -> int:
        """Queue the files (all, or ``paths``) that are new or changed since they were stored."""
        if not Path(self.path).is_dir():
            self.state.update_source(self.path, "folder", polled=True, error=f"{self.path}: not a folder")
            log.warning("%s: not a folder", self.path)
            return 0
        candidates = (
            list(self.files())
            if paths is None
            else [p for p in paths if p.name.lower().endswith(WATCH_EXT) and not p.name.startswith(".")]
        )
        changed: list[tuple[Path, str, str]] = []
        for p in candidates:
            key = str(p.resolve())
            try:
                st = p.stat()
            except OSError:
                continue  # removed meanwhile
            if self._stat.get(key) == (st.st_mtime, st.st_size):
                continue
            try:
                digest = _file_hash(p)
            except OSError as exc:
                self.state.update_source(
                    self.path, "folder", error=f"{p}: cannot read: {exc.strerror or exc}"
                )
                continue
            self._stat[key] = (st.st_mtime, st.st_size)
            changed.append((p, key, digest))
        seen = self.state.seen([k for _, k, _ in changed])
        n = 0
        for p, key, digest in changed:
            s = seen.get(key)
            if s is not None and s.item_hash == digest and s.status in ("stored", "rejected"):
                continue
            # a large file goes in parts (the queue holds a bounded number of them), its key with the last
            # part: the writer takes items in order, so the file is marked seen once all of it is stored
            part: list[RawRecord | IngestError] = []
            for rec in read_inputs([str(p)], warn=lambda m: log.warning("%s", m)):
                part.append(rec)
                if len(part) >= FILE_PART:
                    self.emit(Item(key=key, source=self.path, kind="folder-part", records=part))
                    part = []
            self.emit(Item(key=key, source=self.path, kind="folder", records=part, item_hash=digest))
            n += 1
        self.state.update_source(self.path, "folder", polled=True, ok=True)
        return n

    def watch(self, stop: threading.Event, rescan_s: float = 5.0) -> None:
        """Scan again on every change the file-watching library reports, until ``stop``; a full scan
        (cheap: unchanged files are told by size and mtime) every ``rescan_s`` catches missed events."""
        import watchfiles

        for changes in watchfiles.watch(
            self.path,
            stop_event=stop,
            recursive=True,
            raise_interrupt=False,
            rust_timeout=max(100, int(rescan_s * 1000)),
            yield_on_timeout=True,
        ):
            paths = sorted({Path(p) for kind, p in changes if kind != watchfiles.Change.deleted})
            try:
                self.scan([p for p in paths if p.is_file()] if changes else None)
            except Exception:  # noqa: BLE001 - one bad scan must not end the watch
                log.exception("scanning %s", self.path)


def _file_hash(p: Path) -> str:
    h = hashlib.sha1()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_stdin(stream: IO[bytes], emit: Emit, stop: threading.Event) -> None:
    """JSON lines from ``stream`` as they arrive, one item per record (a bad line is an error, and the
    stream goes on)."""
    for rec in read_jsonl_stream(stream, "<stdin>", stop.is_set):
        if isinstance(rec, IngestError) and rec.message.startswith("empty file"):
            continue
        key = f"<stdin>#{rec.id}" if isinstance(rec, RawRecord) else f"<stdin>:{rec.line}"
        emit(Item(key=key, source="<stdin>", kind="stdin", records=[rec]))
