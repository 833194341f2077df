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

Layout: this module dispatches (paths, directories, stdin, one byte stream);
``limits`` (size limits, capped reads, device files), ``decode`` (bytes to text,
BOMs, surrogates, controls, binary sniffing), ``ids`` (record ids), ``formats``
(extensions, format sniffing), ``streams`` (stream adapters), ``guard`` (per-record
guard and last check), and one module per format: ``text`` (.txt, .html),
``jsonl`` (JSON, JSON lines), ``warc`` and ``feeds`` (RSS/Atom).
"""

from __future__ import annotations

import gzip
import io
import logging
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pantau.ingest.decode import _bom_encoding, _looks_binary, _safe_source, decode_bytes, strip_controls
from pantau.ingest.feeds import _read_feed, html_fragment_to_text
from pantau.ingest.formats import (
    FEED_EXT,
    HTML_EXT,
    JSON_EXT,
    JSONL_EXT,
    KNOWN_EXT,
    TEXT_EXT,
    WARC_EXT,
    _ext,
    _format_of,
)
from pantau.ingest.guard import _guarded
from pantau.ingest.ids import _path_stem, make_id
from pantau.ingest.jsonl import _read_json_text, _read_jsonl_lines
from pantau.ingest.limits import (  # MAX_* looked up here at call time: patchable on pantau.ingest
    MAX_HTML_BYTES,
    MAX_JSON_BYTES,
    MAX_LINE_BYTES,
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    SNIFF_BYTES,
    _bounded_lines,
    _over,
    _read_capped,
    _special_kind,
    _too_big,
    _TooBig,
    text_too_long,
)
from pantau.ingest.streams import _READ_ERRORS, _Failing, _Prefixed, _read_head, _TextAsBytes
from pantau.ingest.text import _html_record, _text_record
from pantau.ingest.warc import _read_warc
from pantau.records import IngestError, RawRecord

__all__ = [
    "FEED_EXT",
    "HTML_EXT",
    "JSONL_EXT",
    "JSON_EXT",
    "KNOWN_EXT",
    "MAX_HTML_BYTES",
    "MAX_JSON_BYTES",
    "MAX_LINE_BYTES",
    "MAX_TEXT_BYTES",
    "MAX_TEXT_CHARS",
    "TEXT_EXT",
    "WARC_EXT",
    "decode_bytes",
    "html_fragment_to_text",
    "make_id",
    "read_inputs",
    "read_jsonl_stream",
    "strip_controls",
    "text_too_long",
]

Warn = Callable[[str], None]

_log = logging.getLogger(__name__)


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


def _read_file(p: Path) -> Iterator[RawRecord | IngestError]:
    """One file; regular files and named pipes are read as streams, device files are refused."""
    source = _safe_source(str(p))
    ext = _ext(p.name)
    try:
        st = p.stat()
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")
        return
    what = _special_kind(st.st_mode)
    if what is not None:
        yield IngestError(source, None, f"not a regular file ({what}); skipped")
        return
    regular = stat.S_ISREG(st.st_mode)
    if regular:
        limit = {
            **dict.fromkeys(TEXT_EXT, MAX_TEXT_BYTES),
            **dict.fromkeys(JSON_EXT, MAX_JSON_BYTES),
            **dict.fromkeys(HTML_EXT + FEED_EXT, MAX_HTML_BYTES),
        }.get(ext)
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


def read_jsonl_stream(
    stream: IO[Any], source: str = "<stdin>", stop: Callable[[], bool] | None = None
) -> Iterator[RawRecord | IngestError]:
    """Records of a live stream of JSON lines, each as soon as its line arrives (``read_inputs`` sniffs
    the first 64 KiB to choose a format, which would block on a quiet pipe). A bad line is an
    IngestError naming ``source`` and the line, and the stream goes on; ``stop()`` ends it between lines."""

    def lines() -> Iterator[Any]:
        for line in _bounded_lines(stream, MAX_LINE_BYTES):
            if stop is not None and stop():
                return
            yield line

    yield from _guarded(source, _read_jsonl_lines(source, lines(), MAX_LINE_BYTES))


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
            yield from _read_jsonl_lines(source, _bounded_lines(text_stream, MAX_LINE_BYTES), MAX_LINE_BYTES)
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
