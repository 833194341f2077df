"""JSON and JSON-lines records: one object per article, each line parsed and checked in its own guard.

A bad line (invalid JSON, wrong field types, too long) is an IngestError for that
line only; the lines after it are still read.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from pantau.ingest.decode import decode_bytes
from pantau.ingest.ids import make_id
from pantau.ingest.limits import (
    MAX_HTML_BYTES,
    MAX_LINE_BYTES,
    MAX_TEXT_CHARS,
    _over,
    _too_big,
    text_too_long,
)
from pantau.ingest.streams import _READ_ERRORS
from pantau.records import IngestError, RawRecord

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


def _read_jsonl_lines(
    source: str, lines: Iterable[Any], line_limit: int = MAX_LINE_BYTES
) -> Iterator[RawRecord | IngestError]:
    """One record per JSON line (bytes or str; None for a line over ``line_limit``), each in its own guard."""
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
            yield IngestError(source, n, _over("JSON line", line_limit))
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
