"""Read articles from files, directories, feeds, web archives and stdin.

``read_inputs`` turns every input into a stream of :class:`RawRecord` and
:class:`IngestError`; a bad input never stops the stream. Formats are chosen by
file extension and, for stdin and unknown extensions, by sniffing the content.

Limits (documented, so a huge input cannot hang the batch): an article's text
may be at most ``MAX_TEXT_BYTES`` (5 MB) and a raw HTML page at most
``MAX_HTML_BYTES`` (20 MB); larger ones are rejected with an IngestError that
names the limit. Files are decoded as UTF-8 (with or without BOM), then
cp1252, then latin-1, so legacy encodings are read, not rejected.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from pantau.records import IngestError, RawRecord

__all__ = [
    "MAX_HTML_BYTES",
    "MAX_TEXT_BYTES",
    "decode_bytes",
    "make_id",
    "read_inputs",
]

MAX_TEXT_BYTES = 5_000_000
MAX_HTML_BYTES = 20_000_000
MAX_FILE_BYTES = 200_000_000  # a JSONL/WARC file may hold many articles

TEXT_EXT = (".txt",)
JSONL_EXT = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
JSON_EXT = (".json",)
HTML_EXT = (".html", ".htm", ".xhtml")
WARC_EXT = (".warc", ".warc.gz", ".arc.gz")
FEED_EXT = (".xml", ".rss", ".atom")
KNOWN_EXT = TEXT_EXT + JSONL_EXT + JSON_EXT + HTML_EXT + WARC_EXT + FEED_EXT

_WS = re.compile(r"\s+")
_FEED_SNIFF = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|p|div|article)\b", re.I)


# --------------------------------------------------------------------------- helpers


def decode_bytes(data: bytes) -> str:
    """Decode legacy-encoded text: UTF-8 (BOM stripped), else cp1252, else latin-1.

    cp1252 comes before latin-1 because Windows-saved Indonesian text uses its
    curly quotes and dashes (0x91-0x97), which latin-1 maps to control characters.
    """
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    """True for content that is not text: NUL bytes or many control characters."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / len(head) > 0.05


def _norm_text(text: str) -> str:
    return _WS.sub(" ", text).strip()


def make_id(
    given: Any = None, stem: str | None = None, url: str | None = None, text: str | None = None
) -> str:
    """Stable id: the given id, else a file stem, else sha1(url)[:16], else sha1(normalised text)[:16]."""
    if given is not None and str(given).strip():
        return str(given).strip()
    if stem:
        return stem
    if url:
        return hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:16]
    return hashlib.sha1(_norm_text(text or "").encode("utf-8")).hexdigest()[:16]


def _ext(path: str) -> str:
    name = path.lower()
    for ext in sorted(KNOWN_EXT, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    return os.path.splitext(name)[1]


def _too_big(n: int, limit: int, what: str) -> str:
    return f"{what} is {n / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit; skipped"


# --------------------------------------------------------------------------- public entry


def read_inputs(paths: Iterable[str], stdin: TextIO | None = None) -> Iterator[RawRecord | IngestError]:
    """Yield a RawRecord for every article in ``paths`` ("-" reads ``stdin``), an IngestError for bad input.

    Directories are walked recursively in sorted order so that a batch is
    deterministic; hidden files are skipped.
    """
    for path in paths:
        if path == "-":
            yield from _read_stdin(stdin)
            continue
        p = Path(path)
        if not p.exists():
            yield IngestError(path, None, "no such file or directory")
        elif p.is_dir():
            files = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and _ext(f.name) in KNOWN_EXT
            )
            if not files:
                yield IngestError(
                    path, None, "directory holds no article files (" + ", ".join(KNOWN_EXT) + ")"
                )
            for f in files:
                yield from _read_file(f)
        else:
            yield from _read_file(p)


def _read_stdin(stdin: TextIO | None) -> Iterator[RawRecord | IngestError]:
    source = "<stdin>"
    if stdin is None:
        yield IngestError(source, None, "'-' given but no standard input available")
        return
    try:
        text = stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        yield IngestError(source, None, f"cannot read standard input: {exc}")
        return
    yield from _read_sniffed(source, text, stem=None)


def _read_sniffed(source: str, text: str, stem: str | None) -> Iterator[RawRecord | IngestError]:
    """Guess the format of text: JSON(L) if it starts with '{' or '[', feed/HTML if '<', else raw text."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        yield from _read_json_text(source, text)
    elif head.startswith("{"):
        yield from _read_jsonl_lines(source, io.StringIO(text))
    elif head.startswith("<"):
        raw = head[:4000].encode("utf-8", "replace")
        if _FEED_SNIFF.search(raw) and not re.search(rb"<html\b", raw, re.I):
            yield from _read_feed(source, text.encode("utf-8"))
        else:
            yield from _html_record(source, text, stem=stem)
    else:
        yield from _text_record(source, text, stem=stem)


def _read_file(p: Path) -> Iterator[RawRecord | IngestError]:
    source = str(p)
    ext = _ext(p.name)
    try:
        size = p.stat().st_size
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    if ext in JSONL_EXT or ext in WARC_EXT:
        if size > MAX_FILE_BYTES:
            yield IngestError(source, None, _too_big(size, MAX_FILE_BYTES, "file"))
            return
        if ext in WARC_EXT:
            yield from _read_warc(source, p)
        else:
            yield from _read_jsonl_file(source, p, gz=ext.endswith(".gz"))
        return
    limit = MAX_HTML_BYTES if ext in HTML_EXT + FEED_EXT else MAX_TEXT_BYTES
    if ext in JSON_EXT:
        limit = MAX_FILE_BYTES
    elif ext not in KNOWN_EXT:
        limit = MAX_HTML_BYTES
    if size > limit:
        yield IngestError(source, None, _too_big(size, limit, "file"))
        return
    try:
        data = p.read_bytes()
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    if _looks_binary(data):
        yield IngestError(source, None, "binary file, not text; skipped")
        return
    if ext in FEED_EXT:
        yield from _read_feed(source, data)
        return
    text = decode_bytes(data)
    if ext in TEXT_EXT:
        yield from _text_record(source, text, stem=p.stem)
    elif ext in JSON_EXT:
        yield from _read_json_text(source, text)
    elif ext in HTML_EXT:
        yield from _html_record(source, text, stem=None)
    else:
        yield from _read_sniffed(source, text, stem=p.stem)


# --------------------------------------------------------------------------- plain text and HTML


def _text_record(source: str, text: str, stem: str | None) -> Iterator[RawRecord | IngestError]:
    if not text.strip():
        yield IngestError(source, None, "empty text")
        return
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        yield IngestError(source, None, _too_big(len(text.encode("utf-8")), MAX_TEXT_BYTES, "article text"))
        return
    yield RawRecord(source=source, id=make_id(stem=stem, text=text), text=text)


def _html_record(
    source: str, html: str, stem: str | None, url: str | None = None, line: int | None = None
) -> Iterator[RawRecord | IngestError]:
    if not html.strip():
        yield IngestError(source, line, "empty HTML page")
        return
    if len(html) > MAX_HTML_BYTES:
        yield IngestError(source, line, _too_big(len(html), MAX_HTML_BYTES, "HTML page"))
        return
    if not url:
        m = re.search(r'<link[^>]+rel=["\']canonical["\'][^>]*href=["\']([^"\']+)', html[:200_000], re.I)
        m = m or re.search(
            r'<meta[^>]+property=["\']og:url["\'][^>]*content=["\']([^"\']+)', html[:200_000], re.I
        )
        url = m.group(1) if m else None
    # Id: url when the page names one, else the page content (file names of saved pages are not stable ids).
    yield RawRecord(source=source, line=line, id=make_id(url=url, text=html), url=url, html=html)


# --------------------------------------------------------------------------- JSON / JSONL


def _record_from_obj(source: str, line: int | None, obj: Any) -> RawRecord | IngestError:
    if not isinstance(obj, dict):
        return IngestError(source, line, f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if text is None:
        text = obj.get("content") if isinstance(obj.get("content"), str) else obj.get("body")
    html = obj.get("html")
    if text is not None and not isinstance(text, str):
        return IngestError(source, line, "field 'text' is not a string")
    if html is not None and not isinstance(html, str):
        return IngestError(source, line, "field 'html' is not a string")
    if text is None and html is None:
        return IngestError(source, line, "object has neither 'text' nor 'html'")
    if not (text or "").strip() and not (html or "").strip():
        return IngestError(source, line, "empty text")
    if text and len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        return IngestError(source, line, _too_big(len(text.encode("utf-8")), MAX_TEXT_BYTES, "article text"))
    if html and len(html) > MAX_HTML_BYTES:
        return IngestError(source, line, _too_big(len(html), MAX_HTML_BYTES, "HTML page"))

    def opt(key: str) -> str | None:
        v = obj.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return v.strip() if isinstance(v, str) else str(v)

    url = opt("url")
    return RawRecord(
        source=source,
        line=line,
        id=make_id(given=obj.get("id"), url=url, text=text if text and text.strip() else html),
        url=url,
        title=opt("title"),
        published=opt("published") or opt("date"),
        outlet=opt("outlet"),
        text=text if text and text.strip() else None,
        html=html if html and html.strip() else None,
    )


def _read_jsonl_lines(source: str, lines: Iterable[str]) -> Iterator[RawRecord | IngestError]:
    seen = False
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        seen = True
        if len(line) > MAX_TEXT_BYTES * 2:
            yield IngestError(source, n, _too_big(len(line), MAX_TEXT_BYTES * 2, "JSON line"))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestError(source, n, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        yield _record_from_obj(source, n, obj)
    if not seen:
        yield IngestError(source, None, "empty file: no JSON lines")


def _read_jsonl_file(source: str, p: Path, gz: bool) -> Iterator[RawRecord | IngestError]:
    try:
        raw = gzip.open(p, "rb") if gz else open(p, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    with raw:
        try:
            head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
        except (OSError, EOFError) as exc:
            yield IngestError(source, None, f"cannot read: {exc}")
            return
        if _looks_binary(head):
            yield IngestError(source, None, "binary file, not JSON lines; skipped")
            return

        def lines() -> Iterator[str]:
            for b in raw:
                yield decode_bytes(b)

        try:
            yield from _read_jsonl_lines(source, lines())
        except (OSError, EOFError) as exc:  # truncated gzip
            yield IngestError(source, None, f"cannot read further: {exc}")


def _read_json_text(source: str, text: str) -> Iterator[RawRecord | IngestError]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        # A .json file that is really JSON lines is common; read it as such.
        if text.lstrip().startswith("{") and "\n" in text.strip():
            yield from _read_jsonl_lines(source, io.StringIO(text))
            return
        yield IngestError(source, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
        return
    if isinstance(obj, list):
        if not obj:
            yield IngestError(source, None, "empty JSON list")
        for i, item in enumerate(obj, 1):
            rec = _record_from_obj(source, i, item)
            if isinstance(rec, IngestError):
                rec.message = f"item {i}: {rec.message}"
            yield rec
    else:
        yield _record_from_obj(source, None, obj)


# --------------------------------------------------------------------------- WARC


def _read_warc(source: str, p: Path) -> Iterator[RawRecord | IngestError]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    found = False
    try:
        with open(p, "rb") as fh:
            for n, rec in enumerate(ArchiveIterator(fh), 1):
                if rec.rec_type not in ("response", "resource"):
                    continue
                url = rec.rec_headers.get_header("WARC-Target-URI")
                ctype = ""
                if rec.http_headers is not None:
                    if rec.rec_type == "response":
                        status = rec.http_headers.get_statuscode()
                        if status and not status.startswith("2"):
                            continue
                    ctype = rec.http_headers.get_header("Content-Type") or ""
                else:
                    ctype = rec.rec_headers.get_header("Content-Type") or ""
                body = rec.content_stream().read(MAX_HTML_BYTES + 1)
                if "html" not in ctype.lower() and not _HTML_SNIFF.search(body[:4000]):
                    continue
                found = True
                if len(body) > MAX_HTML_BYTES:
                    yield IngestError(source, n, _too_big(len(body), MAX_HTML_BYTES, f"HTML page {url}"))
                    continue
                m = re.search(r"charset=([\w-]+)", ctype, re.I)
                html = None
                if m:
                    try:
                        html = body.decode(m.group(1))
                    except (LookupError, UnicodeDecodeError):
                        html = None
                if html is None:
                    html = decode_bytes(body)
                yield from _html_record(source, html, stem=None, url=url, line=n)
    except ArchiveLoadFailed as exc:
        yield IngestError(source, None, f"not a readable WARC file: {str(exc).strip()[:200]}")
        return
    except (OSError, EOFError, ValueError) as exc:
        yield IngestError(source, None, f"WARC file broken: {exc}")
        return
    if not found:
        yield IngestError(source, None, "WARC file holds no HTML response records")


# --------------------------------------------------------------------------- RSS / Atom


_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "figcaption"}


def html_fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (feed item content) with one line per block element."""
    if "<" not in fragment:
        return fragment.strip()
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml raises several types on junk
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    for bad in root.xpath(".//script|.//style|.//iframe|.//noscript"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(root)
    lines = [_WS.sub(" ", x).strip() for x in "".join(parts).split("\n")]
    return "\n\n".join(x for x in lines if x)


def _read_feed(source: str, data: bytes) -> Iterator[RawRecord | IngestError]:
    import feedparser

    feed = feedparser.parse(data)
    if not feed.entries:
        why = f" ({feed.bozo_exception})" if getattr(feed, "bozo", False) else ""
        yield IngestError(source, None, f"feed holds no items{why}")
        return
    for n, entry in enumerate(feed.entries, 1):
        content = ""
        if entry.get("content"):
            content = max((c.get("value", "") for c in entry.content), key=len)
        if not content.strip():
            content = entry.get("summary", "") or entry.get("description", "")
        text = html_fragment_to_text(content)
        link = entry.get("link") or None
        title = (entry.get("title") or "").strip() or None
        if not text.strip():
            yield IngestError(source, n, f"feed item {n} ({title or link or 'untitled'}) has no content")
            continue
        published = None
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        if parsed:
            y, mo, d, h, mi = tuple(parsed[:5])
            published = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}"
        elif entry.get("published"):
            published = entry.get("published")
        outlet = (feed.feed.get("title") or "").strip() or None
        yield RawRecord(
            source=source,
            line=n,
            id=make_id(given=entry.get("id") if not link else None, url=link, text=text),
            url=link,
            title=title,
            published=published,
            outlet=outlet,
            text=text,
        )
