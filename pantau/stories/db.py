"""Bulk writes for the stories layer (Arrow batches: one statement per table, not per row)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

_COUNTER = itertools.count()

TYPES: dict[str, dict[str, pa.DataType]] = {
    "article_signatures": {"article_id": pa.string(), "minhash": pa.binary(), "published_date": pa.date32(),
                           "outlet": pa.string()},
    "duplicates": {"article_id": pa.string(), "original_id": pa.string(), "similarity": pa.float64(),
                   "relation": pa.string(), "matched_id": pa.string()},
    "stories": {"id": pa.string(), "title": pa.string(), "first_date": pa.date32(), "last_date": pa.date32(),
                "n_articles": pa.int32(), "n_outlets": pa.int32(), "outlets": pa.list_(pa.string()),
                "main_actors": pa.list_(pa.string()), "updated_at": pa.timestamp("us")},
    "story_articles": {"story_id": pa.string(), "article_id": pa.string(), "similarity": pa.float64(),
                       "added_at": pa.timestamp("us"), "content_hash": pa.string(),
                       "ingested_at": pa.timestamp("us"), "reason": pa.string()},
    "story_state": {"story_id": pa.string(), "norm2": pa.float64(), "n": pa.int32(), "last_date": pa.date32(),
                    "actor_counts": pa.string()},
    "story_vectors": {"article_id": pa.string(), "story_id": pa.string(), "day": pa.date32(),
                      "idx": pa.binary(), "val": pa.binary()},
    "story_meta": {"key": pa.string(), "value": pa.binary()},
    "story_skipped_events": {"event_id": pa.string(), "reason": pa.string(), "article_id": pa.string()},
    "canonical_events": {"id": pa.string(), "type": pa.string(), "mode": pa.string(),
                         "actor_codes": pa.list_(pa.string()), "recipient_codes": pa.list_(pa.string()),
                         "date": pa.date32(), "date_precision": pa.string(), "location_name": pa.string(),
                         "story_id": pa.string(), "n_mentions": pa.int32(), "n_sources": pa.int32(),
                         "sources": pa.list_(pa.string()), "cbrn": pa.bool_(), "intensity": pa.float64(),
                         "first_evidence": pa.string(), "day": pa.date32()},
    "event_mentions": {"canonical_id": pa.string(), "event_id": pa.string(), "article_id": pa.string()},
    "story_event_articles": {"article_id": pa.string(), "ingested_at": pa.timestamp("us")},
    "escalation_index": {"dyad": pa.string(), "day": pa.date32(), "score": pa.float64(),
                         "conflict": pa.float64(), "cooperation": pa.float64(), "cbrn": pa.float64(),
                         "n_events": pa.int32(), "n_conflict": pa.int32(), "n_cooperation": pa.int32(),
                         "n_cbrn": pa.int32()},
    "alerts": {"id": pa.string(), "dyad": pa.string(), "day": pa.date32(), "channel": pa.string(),
               "kind": pa.string(), "value": pa.float64(), "baseline": pa.float64(), "z": pa.float64(),
               "event_ids": pa.list_(pa.string())},
}

KEYS = {
    "article_signatures": "article_id", "duplicates": "article_id", "stories": "id",
    "story_articles": "article_id", "story_state": "story_id", "story_vectors": "article_id",
    "story_meta": "key", "story_skipped_events": "event_id", "canonical_events": "id",
    "event_mentions": "event_id", "alerts": "id", "story_event_articles": "article_id",
}


def transaction(con: Any, writes: Callable[[bool], None]) -> None:
    """Run ``writes(safe)`` in one transaction: first with ``safe`` False, then, if a key it meant to be new
    was there after all (a constraint error), rolled back and run again with ``safe`` True.

    Why: ``writes`` inserts the rows of keys that are new by construction (the articles and events just
    processed) without deleting first when ``safe`` is False; a DELETE is about a third of a small
    write's cost and a flush of the watcher writes several such tables after every batch. The retry keeps
    a store whose state was left inconsistent by other means working, as the DELETE did."""
    for safe in (False, True):
        con.execute("BEGIN TRANSACTION")
        try:
            writes(safe)
            con.execute("COMMIT")
            return
        except duckdb.ConstraintException:
            con.execute("ROLLBACK")
            if safe:
                raise
        except Exception:
            con.execute("ROLLBACK")
            raise


def write(con: Any, table: str, rows: Sequence[Sequence[Any]], *, replace: bool = False) -> int:
    """Insert rows (tuples in the column order of TYPES[table]); ``replace`` deletes same keys first."""
    if not rows:
        return 0
    types = TYPES[table]
    cols = list(types)
    data = pa.table({c: pa.array([r[i] for r in rows], type=types[c]) for i, c in enumerate(cols)})
    name = f"_stories_tmp_{next(_COUNTER)}"
    con.register(name, data)
    try:
        collist = ", ".join(f'"{c}"' for c in cols)
        if replace:
            key = KEYS[table]
            con.execute(f'DELETE FROM {table} WHERE "{key}" IN (SELECT "{key}" FROM {name})')
        con.execute(f"INSERT INTO {table} ({collist}) SELECT {collist} FROM {name}")
    finally:
        # in a transaction a failed statement aborted, DuckDB refuses this until ROLLBACK: the error that
        # aborted it is the one to raise (the view is left, holding this batch, until the connection ends)
        with contextlib.suppress(duckdb.TransactionException):
            con.unregister(name)
    return len(rows)
