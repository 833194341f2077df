"""Read articles from files, directories, feeds, web archives and stdin.

``read_inputs`` turns every input into a stream of :class:`RawRecord` and
:class:`IngestError`. A bad record never stops the stream: every record is read
inside its own guard (decoding, JSON, ids included), and a failure that escapes a
reader becomes an IngestError naming the file (and line) while the other inputs
go on. Formats are chosen by file extension and, for stdin, pipes and unknown
extensions, by sniffing the first 64 KiB.

Limits, stated so that no input can exhaust memory (every input is streamed):

* article text: ``MAX_TEXT_CHARS`` characters (300,000). Measured: the full
  pipeline peaks at ~0.85 GB RSS for a 200,000-character article and ~1.3 GB for
  400,000; the limit is checked here and again after HTML extraction, before spaCy;
* a raw HTML page or feed: ``MAX_HTML_BYTES`` (20 MB); a JSON document (``.json``,
  or stdin starting with ``[``): ``MAX_JSON_BYTES`` (50 MB; use JSON lines for more);
* one JSON line: ``MAX_LINE_BYTES`` (40 MB). JSONL and WARC files have no total
  limit: they are read record by record, as are stdin and named pipes (line by line).
  Device files and sockets are refused.

Decoding: UTF-8 (BOM stripped), UTF-16/UTF-32 with a BOM, else cp1252, else
latin-1, so legacy encodings are read, not rejected. Unpaired surrogates (from
JSON ``\\ud800`` escapes) become U+FFFD in text fields; an id holding one is an error.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import logging
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pantau.records import IngestError, RawRecord

__all__ = [
    "MAX_HTML_BYTES",
    "MAX_JSON_BYTES",
    "MAX_LINE_BYTES",
    "MAX_TEXT_BYTES",
    "MAX_TEXT_CHARS",
    "decode_bytes",
    "make_id",
    "read_inputs",
    "strip_controls",
    "text_too_long",
]

MAX_TEXT_CHARS = 300_000
MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS  # a plain-text file larger than this cannot hold an allowed article
MAX_HTML_BYTES = 20_000_000
MAX_JSON_BYTES = 50_000_000
MAX_LINE_BYTES = 2 * MAX_HTML_BYTES  # a JSON line may carry an escaped HTML page
SNIFF_BYTES = 65_536

TEXT_EXT = (".txt",)
JSONL_EXT = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
JSON_EXT = (".json",)
HTML_EXT = (".html", ".htm", ".xhtml")
WARC_EXT = (".warc", ".warc.gz", ".arc.gz")
FEED_EXT = (".xml", ".rss", ".atom")
KNOWN_EXT = TEXT_EXT + JSONL_EXT + JSON_EXT + HTML_EXT + WARC_EXT + FEED_EXT

Warn = Callable[[str], None]

_WS = re.compile(r"\s+")
_FEED_SNIFF = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|p|div|article)\b", re.I)
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 controls except tab and newlines, and bidi embeddings/overrides/isolates: invisible, never
# article text, and U+202E can make stored text read backwards.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- helpers


def _bom_encoding(data: bytes) -> str | None:
    """"utf-16"/"utf-32" when data starts with that BOM (these files are full of NUL bytes, not binary)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    return None


def decode_bytes(data: bytes) -> str:
    """Decode text: UTF-16/32 with a BOM, else UTF-8 (BOM stripped), else cp1252, else latin-1.

    cp1252 comes before latin-1 because Windows-saved Indonesian text uses its
    curly quotes and dashes (0x91-0x97), which latin-1 maps to control characters.
    """
    enc = _bom_encoding(data)
    if enc:
        return data.decode(enc, errors="replace")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    """True for content that is not text: NUL bytes or many controls (UTF-16/32 with a BOM is text)."""
    head = data[:8192]
    if not head or _bom_encoding(head):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / len(head) > 0.05


def strip_controls(text: str) -> str:
    """Text without C0/C1 controls (tab and newlines kept) and bidi overrides (U+202A-E, U+2066-9)."""
    return _CONTROLS.sub("", text)


def _no_surrogates(text: str) -> str:
    """Unpaired surrogates (JSON "\\ud800", not encodable as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


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
        return hashlib.sha1(url.strip().encode("utf-8", "replace")).hexdigest()[:16]
    return hashlib.sha1(_norm_text(text or "").encode("utf-8", "replace")).hexdigest()[:16]


def _path_stem(p: Path) -> str:
    """Id of a plain-text file: its name plus a digest of its absolute path.

    The name alone collided (two different ``a.txt`` in two folders overwrote each
    other in the store); the same file read again keeps its id, so re-ingesting it
    stays idempotent and an edited file replaces its old version.
    """
    where = os.fsencode(p.resolve())
    return f"{_no_surrogates(p.stem)}-{hashlib.sha1(where).hexdigest()[:8]}"


def _ext(path: str) -> str:
    name = path.lower()
    for ext in sorted(KNOWN_EXT, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    return os.path.splitext(name)[1]


def _too_big(n: int, limit: int, what: str) -> str:
    return f"{what} is {n / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit; skipped"


def _over(what: str, limit: int) -> str:
    """The error for a streamed input found to be over its limit (its full size is never read)."""
    return f"{what} is over the {limit / 1e6:g} MB limit; skipped"


def text_too_long(n: int) -> str:
    """The error for an article text of ``n`` characters (ingest and clean say the same)."""
    return f"article text is {n:,} characters, over the {MAX_TEXT_CHARS:,}-character limit; skipped"


def _safe_source(name: str) -> str:
    """A file name fit for messages and JSON (undecodable bytes in a file name become U+FFFD)."""
    return strip_controls(_no_surrogates(name))


def _finish(rec: RawRecord) -> RawRecord | IngestError:
    """Last check of every record: encodable strings, no control characters in metadata, a usable id."""
    if rec.id is not None:
        if _SURROGATE.search(rec.id):
            return IngestError(rec.source, rec.line, "field 'id' is not valid Unicode (unpaired surrogate)")
        if _CONTROLS.search(rec.id):
            return IngestError(rec.source, rec.line, "field 'id' holds control characters")
    for name in ("url", "title", "published", "outlet"):
        value = getattr(rec, name)
        if value is not None:
            value = strip_controls(_no_surrogates(value)).strip()
            setattr(rec, name, value or None)
    for name in ("text", "html"):
        value = getattr(rec, name)
        if value is not None:
            setattr(rec, name, _no_surrogates(value))
    return rec


def _log_warning(message: str) -> None:
    _log.warning("%s", message)


# --------------------------------------------------------------------------- public entry


def read_inputs(
    paths: Iterable[str], stdin: IO[Any] | None = None, warn: Warn | None = None
) -> Iterator[RawRecord | IngestError]:
    """Yield a RawRecord for every article in ``paths`` ("-" reads ``stdin``), an IngestError for bad input.

    Directories are walked recursively in sorted order so that a batch is
    deterministic; hidden files are skipped, and files of an unknown extension
    are skipped with a warning through ``warn`` (default: the ``pantau.ingest`` logger).
    ``stdin`` may be a text or a binary stream; it is read line by line.
    """
    warn = warn or _log_warning
    for path in paths:
        if path == "-":
            items = _read_stdin(stdin)
            source = "<stdin>"
        else:
            items = _read_path(path, warn)
            source = _safe_source(path)
        yield from _guarded(source, items)


def _guarded(source: str, items: Iterator[RawRecord | IngestError]) -> Iterator[RawRecord | IngestError]:
    """Every record checked by ``_finish``; a failure escaping a reader becomes an IngestError, not a crash.

    Set ``PANTAU_DEBUG=1`` to get the traceback instead.
    """
    line: int | None = None
    try:
        for item in items:
            if isinstance(item, RawRecord):
                line = item.line
                try:
                    item = _finish(item)
                except Exception as exc:  # noqa: BLE001 - one record's failure stays its own
                    if os.environ.get("PANTAU_DEBUG"):
                        raise
                    item = IngestError(item.source, item.line, f"internal error: {type(exc).__name__}: {exc}")
            yield item
    except Exception as exc:  # noqa: BLE001 - a reader bug must not end the run
        if os.environ.get("PANTAU_DEBUG"):
            raise
        where = f" after line {line}" if line is not None else ""
        why = f"internal error: {type(exc).__name__}: {exc}"
        yield IngestError(source, None, f"cannot read further{where}: {why}")


def _read_path(path: str, warn: Warn) -> Iterator[RawRecord | IngestError]:
    p = Path(path)
    source = _safe_source(path)
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    if not exists:
        yield IngestError(source, None, "no such file or directory")
        return
    if not is_dir:
        yield from _read_file(p)
        return
    files: list[Path] = []
    try:
        entries = sorted(p.rglob("*"))
    except OSError as exc:
        yield IngestError(source, None, f"cannot list directory: {exc.strerror or exc}")
        return
    for f in entries:
        rel = f.relative_to(p).parts
        if any(part.startswith(".") for part in rel) or f.is_dir():
            continue
        if not f.is_file():  # a pipe or device inside a folder would block or never end
            warn(f"{_safe_source(str(f))}: skipped: not a regular file")
        elif _ext(f.name) in KNOWN_EXT:
            files.append(f)
        else:
            warn(f"{_safe_source(str(f))}: skipped: unknown file type (reads {', '.join(KNOWN_EXT)})")
    if not files:
        yield IngestError(source, None, "directory holds no article files (" + ", ".join(KNOWN_EXT) + ")")
    for f in files:
        yield from _guarded(_safe_source(str(f)), _read_file(f))


_SPECIAL = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _read_file(p: Path) -> Iterator[RawRecord | IngestError]:
    """One file; regular files and named pipes are read as streams, device files are refused."""
    source = _safe_source(str(p))
    ext = _ext(p.name)
    try:
        st = p.stat()
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    for test, what in _SPECIAL:
        if test(st.st_mode):
            yield IngestError(source, None, f"not a regular file ({what}); skipped")
            return
    regular = stat.S_ISREG(st.st_mode)
    if regular:
        limit = {**dict.fromkeys(TEXT_EXT, MAX_TEXT_BYTES), **dict.fromkeys(JSON_EXT, MAX_JSON_BYTES),
                 **dict.fromkeys(HTML_EXT + FEED_EXT, MAX_HTML_BYTES)}.get(ext)
        if limit is not None and st.st_size > limit:
            yield IngestError(source, None, _too_big(st.st_size, limit, "file"))
            return
    elif ext in WARC_EXT:
        yield IngestError(source, None, "a WARC file must be a regular file (it is a pipe); skipped")
        return
    try:
        fh = open(p, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        if ext in WARC_EXT:
            yield from _read_warc(source, fh, p)
            return
        stream: IO[bytes] = fh
        if ext.endswith(".gz"):
            stream = gzip.GzipFile(fileobj=fh, mode="rb")
        stem = _path_stem(p) if ext in TEXT_EXT or ext not in KNOWN_EXT else None
        yield from _read_stream(source, stream, ext, stem)


def _read_stdin(stdin: IO[Any] | None) -> Iterator[RawRecord | IngestError]:
    source = "<stdin>"
    if stdin is None:
        yield IngestError(source, None, "'-' given but no standard input available")
        return
    try:
        if isinstance(stdin.read(0), str):
            buffer = getattr(stdin, "buffer", None)
            binary: IO[bytes] = buffer if buffer is not None else io.BufferedReader(_TextAsBytes(stdin))
        else:
            binary = stdin
    except (OSError, ValueError) as exc:
        yield IngestError(source, None, f"cannot read standard input: {exc}")
        return
    yield from _read_stream(source, binary, "", stem=None)


# --------------------------------------------------------------------------- streams


class _Prefixed(io.RawIOBase):
    """``head`` (already read, to sniff the format) followed by the rest of ``rest``: works on pipes."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest
        self._read = getattr(rest, "read1", rest.read)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._read(len(b))
        b[: len(data)] = data
        return len(data)


def _read_head(fh: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """Up to SNIFF_BYTES from ``fh``, and the read error that stopped it early, if any."""
    read = getattr(fh, "read1", fh.read)
    parts: list[bytes] = []
    size = 0
    try:
        while size < SNIFF_BYTES:
            chunk = read(SNIFF_BYTES - size)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except _READ_ERRORS as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


class _Failing:
    """A stream whose every read raises ``exc`` (the rest of an input that broke while sniffing it)."""

    def __init__(self, exc: BaseException) -> None:
        self._exc = exc

    def read(self, n: int = -1) -> bytes:
        raise self._exc


class _TextAsBytes(io.RawIOBase):
    """A text stream (e.g. ``io.StringIO``) read as UTF-8 bytes, so that every input takes one path."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._pending:
            chunk = self._text.read(16_384)
            if not chunk:
                return 0
            self._pending = _no_surrogates(chunk).encode("utf-8")
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _bounded_lines(fh: IO[Any], limit: int) -> Iterator[Any]:
    """Lines of ``fh`` (bytes or str) of at most ``limit`` units; None stands for a longer line.

    A longer line is skipped in 1 MiB steps, never held in memory whole.
    """
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            end = line[-1:]
            while end not in ("\n", b"\n"):
                chunk = fh.readline(1 << 20)
                if not chunk:
                    break
                end = chunk[-1:]
            yield None
        else:
            yield line


def _read_capped(fh: IO[Any], limit: int) -> Any | None:
    """The whole rest of ``fh`` if it holds at most ``limit`` units, else None (only limit + 1 are read)."""
    data = fh.read(limit + 1)
    return None if len(data) > limit else data


_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)


def _read_stream(source: str, fh: IO[bytes], ext: str, stem: str | None) -> Iterator[RawRecord | IngestError]:
    """A byte stream: format by extension, else sniffed from its first 64 KiB; read with bounded memory."""
    head, failed = _read_head(fh)
    if failed is not None and not head:
        yield IngestError(source, None, f"cannot read: {failed}")
        return
    enc = _bom_encoding(head)
    if _looks_binary(head):
        yield IngestError(source, None, "binary file, not text; skipped")
        return
    # A read error inside the head (a short, truncated .gz) is raised again after the head's records.
    rest: IO[bytes] | _Failing = fh if failed is None else _Failing(failed)
    stream = io.BufferedReader(_Prefixed(head, rest), buffer_size=SNIFF_BYTES)  # type: ignore[arg-type]
    text_stream: IO[Any] = stream
    if enc:  # UTF-16/32: read as text; limits count characters instead of bytes
        text_stream = io.TextIOWrapper(stream, encoding=enc, errors="replace", newline="")
    fmt = _format_of(ext, decode_bytes(head[:4000]) if enc else head[:4000].decode("utf-8", "replace"))

    def whole(limit: int, what: str, raw: bool = False) -> Any:
        """The rest of the input, decoded; with ``raw``, bytes as read (a feed declares its own encoding)."""
        data = _read_capped(text_stream, limit)
        if data is None:
            raise _TooBig(_over(what, limit))
        if isinstance(data, str):
            return data.encode("utf-8") if raw else data
        return data if raw else decode_bytes(data)

    try:
        if fmt == "jsonl":
            yield from _read_jsonl_lines(source, _bounded_lines(text_stream, MAX_LINE_BYTES))
        elif fmt == "json":
            yield from _read_json_text(source, whole(MAX_JSON_BYTES, "JSON document") or "")
        elif fmt == "feed":
            yield from _read_feed(source, whole(MAX_HTML_BYTES, "feed", raw=True))
        elif fmt == "html":
            yield from _html_record(source, whole(MAX_HTML_BYTES, "HTML page") or "", stem=None)
        else:
            text = whole(MAX_TEXT_BYTES, "text file") or ""
            yield from _text_record(source, text, stem=stem)
    except _TooBig as exc:
        yield IngestError(source, None, str(exc))
    except _READ_ERRORS as exc:  # truncated gzip, a pipe closed under us
        yield IngestError(source, None, f"cannot read further: {type(exc).__name__}: {exc}")


class _TooBig(Exception):
    """An input over its stated limit (message says which)."""


def _format_of(ext: str, head: str) -> str:
    """jsonl, json, feed, html or text: by extension, else by the first characters."""
    if ext in JSONL_EXT:
        return "jsonl"
    if ext in JSON_EXT:
        return "json"
    if ext in FEED_EXT:
        return "feed"
    if ext in HTML_EXT:
        return "html"
    if ext in TEXT_EXT:
        return "text"
    start = head.lstrip("\ufeff \t\r\n")
    if start.startswith("["):
        return "json"
    if start.startswith("{"):
        return "jsonl"
    if start.startswith("<"):
        raw = start[:4000].encode("utf-8", "replace")
        if _FEED_SNIFF.search(raw) and not re.search(rb"<html\b", raw, re.I):
            return "feed"
        return "html"
    return "text"


# --------------------------------------------------------------------------- plain text and HTML


def _text_record(source: str, text: str, stem: str | None) -> Iterator[RawRecord | IngestError]:
    if not text.strip():
        yield IngestError(source, None, "empty text")
        return
    if len(text) > MAX_TEXT_CHARS:
        yield IngestError(source, None, text_too_long(len(text)))
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

_META_FIELDS = ("url", "title", "published", "date", "outlet")


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
    if text and text.strip() and len(text) > MAX_TEXT_CHARS:
        return IngestError(source, line, text_too_long(len(text)))
    if html and len(html) > MAX_HTML_BYTES:
        return IngestError(source, line, _too_big(len(html), MAX_HTML_BYTES, "HTML page"))
    given = obj.get("id")
    if given is not None and (isinstance(given, bool) or not isinstance(given, str | int)):
        why = f"field 'id' must be a string or an integer, not {type(given).__name__}"
        return IngestError(source, line, why)
    for key in _META_FIELDS:
        v = obj.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, str | int | float)):
            return IngestError(source, line, f"field {key!r} must be a string, not {type(v).__name__}")

    def opt(key: str) -> str | None:
        v = obj.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return v.strip() if isinstance(v, str) else str(v)

    url = opt("url")
    return RawRecord(
        source=source,
        line=line,
        id=make_id(given=given, url=url, text=text if text and text.strip() else html),
        url=url,
        title=opt("title"),
        published=opt("published") or opt("date"),
        outlet=opt("outlet"),
        text=text if text and text.strip() else None,
        html=html if html and html.strip() else None,
    )


def _read_jsonl_lines(source: str, lines: Iterable[Any]) -> Iterator[RawRecord | IngestError]:
    """One record per JSON line (bytes or str; None for a line over the limit), each in its own guard."""
    seen = False
    it = iter(lines)
    n = 0
    while True:
        n += 1
        try:
            line = next(it)
        except StopIteration:
            break
        except _READ_ERRORS as exc:  # truncated gzip, encoding error in a text stream
            yield IngestError(source, n, f"cannot read further (file truncated or broken?): {exc}")
            return
        if line is None:
            seen = True
            yield IngestError(source, n, _over("JSON line", MAX_LINE_BYTES))
            continue
        try:
            if isinstance(line, bytes):
                line = decode_bytes(line)
            if not line.strip():
                continue
            seen = True
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield IngestError(source, n, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            except RecursionError:
                yield IngestError(source, n, "invalid JSON: nested too deeply")
                continue
            yield _record_from_obj(source, n, obj)
        except Exception as exc:  # noqa: BLE001 - one line's failure stays its own
            if os.environ.get("PANTAU_DEBUG"):
                raise
            yield IngestError(source, n, f"internal error: {type(exc).__name__}: {exc}")
    if not seen:
        yield IngestError(source, None, "empty file: no JSON lines")


def _read_json_text(source: str, text: str) -> Iterator[RawRecord | IngestError]:
    try:
        obj = json.loads(text)
    except RecursionError:
        yield IngestError(source, None, "invalid JSON: nested too deeply")
        return
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


def _read_warc(source: str, fh: IO[bytes], p: Path) -> Iterator[RawRecord | IngestError]:
    """HTML responses of a WARC file; a record cut short (truncated file) is an error, not a partial page."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    found = False
    cut = False
    n = 0
    try:
        for n, rec in enumerate(ArchiveIterator(fh), 1):  # noqa: B007 - n is used after the loop
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
            missing = getattr(rec.raw_stream, "limit", 0) or 0
            if missing > 0:
                cut = True
                yield IngestError(
                    source, n, f"record {n} ({url}) is cut short, {missing:,} bytes missing: file truncated"
                )
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
        yield IngestError(source, n + 1 if n else None, f"not a readable WARC file: {str(exc).strip()[:200]}")
        return
    except _READ_ERRORS as exc:
        yield IngestError(source, n + 1 if n else None, f"WARC file broken: {exc}")
        return
    if not cut and str(p).lower().endswith(".gz") and (why := _gzip_broken(p)):
        # warcio ends quietly at a cut gzip member: the records after the last one read are lost
        yield IngestError(source, n + 1, f"file truncated after record {n}: {why}; later records lost")
    elif not found:
        yield IngestError(source, None, "WARC file holds no HTML response records")


def _gzip_broken(p: Path) -> str | None:
    """Why the gzip stream of ``p`` does not end cleanly (None when it does); read in 1 MiB steps."""
    try:
        with gzip.open(p, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        return str(exc) or type(exc).__name__
    return None


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
