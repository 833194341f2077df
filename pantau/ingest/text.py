"""Records of one plain-text file or one HTML page (also a WARC response), checked against the limits."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pantau.ingest.ids import make_id
from pantau.ingest.limits import MAX_HTML_BYTES, MAX_TEXT_CHARS, _too_big, text_too_long
from pantau.records import IngestError, RawRecord


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
