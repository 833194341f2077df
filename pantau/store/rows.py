"""Flatten a :class:`~pantau.records.Result` into rows of the store's tables.

Kept apart from the database code so that a malformed result fails here, before
any transaction is opened, and only that article is reported as failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict
from typing import Any

import pyarrow as pa

from pantau.records import Entity, Result

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")

TABLES = ("articles", "attributions", "entities", "events", "quotes")

# Arrow schemas mirror schema.sql (JSON columns travel as strings). Explicit types keep
# a batch whose lists are all empty or whose values are all null from inferring `null`.
_STR = pa.string()
_STRS = pa.list_(pa.string())
ARROW_SCHEMAS: dict[str, pa.Schema] = {
    "articles": pa.schema(
        [
            ("id", _STR), ("url", _STR), ("title", _STR), ("published", _STR),
            ("published_date", pa.date32()), ("outlet", _STR), ("authors", _STRS), ("editors", _STRS),
            ("dateline", _STR), ("language", _STR), ("language_confidence", pa.float64()),
            ("flags", _STRS), ("relevance", pa.float64()), ("text", _STR), ("captions", _STRS),
            ("removed", _STR),
            ("source", _STR), ("content_hash", _STR),
        ]
    ),
    "attributions": pa.schema([("article_id", _STR), ("outlet", _STR)]),
    "entities": pa.schema(
        [
            ("article_id", _STR), ("idx", pa.int32()), ("text", _STR), ("label", _STR),
            ("start", pa.int32()), ("end", pa.int32()), ("code", _STR), ("sector", _STR),
            ("name", _STR), ("wikidata", _STR),
        ]
    ),
    "events": pa.schema(
        [
            ("id", _STR), ("article_id", _STR), ("type", _STR), ("mode", _STR), ("context", _STRS),
            ("actor", _STR), ("recipient", _STR), ("actor_codes", _STRS), ("recipient_codes", _STRS),
            ("date", pa.date32()), ("date_precision", _STR), ("location", _STR), ("factuality", _STR),
            ("evidence", _STR), ("quote", pa.bool_()), ("confidence", pa.float64()), ("pattern", _STR),
        ]
    ),
    "quotes": pa.schema(
        [
            ("id", _STR), ("article_id", _STR), ("text", _STR), ("speaker", _STR),
            ("speaker_code", _STR), ("cue", _STR), ("start", pa.int32()), ("end", pa.int32()),
            ("direct", pa.bool_()),
        ]
    ),
}
# Columns the JSON of a row carries as strings; decoded again when reading back.
JSON_COLUMNS = {"removed", "actor", "recipient", "location", "evidence", "speaker"}


def iso_day(value: str | None) -> dt.date | None:
    """The day part of an ISO date/datetime string, or None when it is not one."""
    if not value:
        return None
    m = _ISO_DAY.match(value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def content_hash(result: Result) -> str:
    """The article's own hash, or (if the cleaner left none) a hash of what it says."""
    a = result.article
    if a.content_hash:
        return a.content_hash
    basis = "\x1f".join([a.title or "", a.url or "", a.published or "", a.outlet or "", a.text])
    return "sha1:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """A record as JSON-ready data. Entity, Span, Location and Removed are flat, so their
    ``__dict__`` is enough; that is ~10x faster than ``dataclasses.asdict`` (deep copies)."""
    if hasattr(value, "__dataclass_fields__"):
        d = getattr(value, "__dict__", None)
        if d is not None and all(not hasattr(v, "__dataclass_fields__") for v in d.values()):
            return d
        return asdict(value)
    return value


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return json.dumps([_plain(v) for v in value], ensure_ascii=False)
    return json.dumps(_plain(value), ensure_ascii=False)


def _codes(entities: list[Entity]) -> list[str]:
    seen: dict[str, None] = {}
    for e in entities:
        if e.code:
            seen[e.code] = None
    return list(seen)


def result_rows(result: Result) -> dict[str, list[dict[str, Any]]]:
    """All rows one result writes, keyed by table. Raises ValueError on a malformed result."""
    a = result.article
    if not a.id:
        raise ValueError("article has no id")
    if not isinstance(a.text, str):
        raise ValueError("article text is not a string")
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    rows["articles"].append(
        {
            "id": a.id, "url": a.url, "title": a.title, "published": a.published,
            "published_date": iso_day(a.published), "outlet": a.outlet, "authors": list(a.authors),
            "editors": list(a.editors), "dateline": a.dateline, "language": a.language,
            "language_confidence": a.language_confidence, "flags": list(a.flags), "relevance": a.relevance,
            "text": a.text,
            "captions": list(a.captions), "removed": _json(list(a.removed)), "source": a.source,
            "content_hash": content_hash(result),
        }
    )
    rows["attributions"] = [{"article_id": a.id, "outlet": o} for o in a.attributions]
    rows["entities"] = [
        {
            "article_id": a.id, "idx": i, "text": e.text, "label": e.label, "start": e.start, "end": e.end,
            "code": e.code, "sector": e.sector, "name": e.name, "wikidata": e.wikidata,
        }
        for i, e in enumerate(result.entities)
    ]
    event_ids: set[str] = set()
    for ev in result.events:
        if not ev.id or ev.id in event_ids:
            raise ValueError(f"event id {ev.id!r} is empty or repeated within the article")
        event_ids.add(ev.id)
        if ev.date is not None and iso_day(ev.date) is None:
            raise ValueError(f"event {ev.id}: date {ev.date!r} is not YYYY-MM-DD")
        rows["events"].append(
            {
                "id": ev.id, "article_id": a.id, "type": ev.type, "mode": ev.mode,
                "context": list(ev.context),
                "actor": _json(list(ev.actor)), "recipient": _json(list(ev.recipient)),
                "actor_codes": _codes(ev.actor), "recipient_codes": _codes(ev.recipient),
                "date": iso_day(ev.date), "date_precision": ev.date_precision,
                "location": _json(ev.location), "factuality": ev.factuality,
                "evidence": _json(list(ev.evidence)), "quote": bool(ev.quote),
                "confidence": float(ev.confidence), "pattern": ev.pattern,
            }
        )
    quote_ids: set[str] = set()
    for q in result.quotes:
        if not q.id or q.id in quote_ids:
            raise ValueError(f"quote id {q.id!r} is empty or repeated within the article")
        quote_ids.add(q.id)
        rows["quotes"].append(
            {
                "id": q.id, "article_id": a.id, "text": q.text, "speaker": _json(q.speaker),
                "speaker_code": q.speaker.code if q.speaker else None, "cue": q.cue,
                "start": q.span.start, "end": q.span.end, "direct": bool(q.direct),
            }
        )
    return rows


def arrow_table(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows of one table as an Arrow table with the store's column types."""
    return pa.Table.from_pylist(rows, schema=ARROW_SCHEMAS[table])
