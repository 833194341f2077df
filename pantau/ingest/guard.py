"""The guard around every input and record: a bad record, or a bug in a reader, never stops the stream.

Every record gets a last check (encodable strings, no controls in metadata, a
usable id); any failure becomes an IngestError for that record or input alone.
Set ``PANTAU_DEBUG=1`` to get the traceback instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from pantau.ingest.decode import _CONTROLS, _SURROGATE, _no_surrogates, strip_controls
from pantau.records import IngestError, RawRecord


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
