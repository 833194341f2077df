"""HTML pages of a web archive (WARC), read record by record with no total size limit.

A record or gzip member cut short is reported, so that a truncated archive never
passes as a complete one.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pantau.ingest.decode import decode_bytes
from pantau.ingest.limits import MAX_HTML_BYTES, _too_big
from pantau.ingest.streams import _READ_ERRORS
from pantau.ingest.text import _html_record
from pantau.records import IngestError, RawRecord

_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|p|div|article)\b", re.I)


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
