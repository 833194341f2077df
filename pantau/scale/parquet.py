"""Parquet for results in transit (Dask shards) and for a store exported to downstream tools.

A shard is one row per input record: where it came from (``source``, ``line``), and either the
result as the output contract's JSON (``Result.to_dict()``) or the error message. JSON keeps the
shard readable by any tool (DuckDB: ``SELECT result->>'$.article.id' FROM 'shard.parquet'``) and
is turned back into the same records with ``result_from_dict``.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pantau.records import (
    Article,
    Entity,
    Event,
    IngestError,
    Location,
    Quote,
    RawRecord,
    Removed,
    Result,
    Span,
)

SHARD_SCHEMA = pa.schema([
    pa.field("source", pa.string(), nullable=False),
    pa.field("line", pa.int64()),
    pa.field("result", pa.string()),  # Result.to_dict() as JSON; null for a failed or unchanged record
    pa.field("error", pa.string()),  # why the record failed; null for a result
])


def _entity(d: dict[str, Any] | None) -> Entity | None:
    return Entity(**d) if d else None


def result_from_dict(d: dict[str, Any]) -> Result:
    """The Result whose ``to_dict()`` is ``d`` (the inverse of the output contract)."""
    a = dict(d["article"])
    a["removed"] = [Removed(**r) for r in a.get("removed") or []]
    events = []
    for e in d.get("events") or []:
        e = dict(e)
        e["actor"] = [Entity(**x) for x in e.get("actor") or []]
        e["recipient"] = [Entity(**x) for x in e.get("recipient") or []]
        e["location"] = Location(**e["location"]) if e.get("location") else None
        e["evidence"] = [Span(**s) for s in e.get("evidence") or []]
        events.append(Event(**e))
    quotes = []
    for q in d.get("quotes") or []:
        q = dict(q)
        q["speaker"], q["span"] = _entity(q.get("speaker")), Span(**q["span"])
        quotes.append(Quote(**q))
    return Result(Article(**a), [Entity(**x) for x in d.get("entities") or []], events, quotes)


Row = tuple[RawRecord | IngestError, Result | IngestError | None]


def encode_shard(rows: Iterable[Row]) -> bytes:
    """A shard's results as Parquet bytes (what a Dask task returns). A record skipped as stored
    unchanged (None) is a row with neither result nor error."""
    cols: dict[str, list[Any]] = {"source": [], "line": [], "result": [], "error": []}
    for item, out in rows:
        where = out if isinstance(out, IngestError) else item
        cols["source"].append(where.source)
        cols["line"].append(where.line)
        if isinstance(out, IngestError):
            cols["result"].append(None)
            cols["error"].append(out.message)
        else:
            cols["result"].append(None if out is None else json.dumps(out.to_dict(), ensure_ascii=False))
            cols["error"].append(None)
    sink = io.BytesIO()
    pq.write_table(pa.table(cols, schema=SHARD_SCHEMA), sink, compression="zstd")
    return sink.getvalue()


def decode_shard(data: bytes) -> Iterator[tuple[RawRecord, Result | IngestError | None]]:
    """(where, result, error or None for stored unchanged) for every row of a shard, in order."""
    table = pq.read_table(io.BytesIO(data))
    for row in table.to_pylist():
        where = RawRecord(source=row["source"], line=row["line"])
        if row["error"] is not None:
            yield where, IngestError(row["source"], row["line"], row["error"])
        elif row["result"] is None:
            yield where, None
        else:
            yield where, result_from_dict(json.loads(row["result"]))


def export_store(store: Any, directory: str | os.PathLike[str]) -> dict[str, int]:
    """Every table of ``store`` as ``DIRECTORY/<table>.parquet``; returns the row count per table.

    Read by DuckDB, Dask, Spark or pandas without Pantau (``SELECT * FROM 'dir/events.parquet'``).
    """
    from pantau.store.derived import DERIVED_TYPES
    from pantau.store.rows import TABLES

    internal = {"events": f" EXCLUDE ({', '.join(DERIVED_TYPES)})"}  # the store's own search columns
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in TABLES:
        path = out / f"{table}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        sql = (f"COPY (SELECT *{internal.get(table, '')} FROM {table}) TO '{_sql_path(tmp)}' "
               "(FORMAT parquet, COMPRESSION zstd)")
        store.con.execute(sql)
        os.replace(tmp, path)  # a reader never sees half a file
        counts[table] = pq.read_metadata(path).num_rows
    return counts


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
