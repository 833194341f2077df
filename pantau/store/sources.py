"""Each event's canonical event and its count of independent outlets, copied onto the event row.

Why: ``/api/events`` looked both up for every page (``event_mentions`` by event id, then
``canonical_events`` by id): on a store of a million events a page of 500 cost about 70 ms of CPU in
those two lookups alone (DuckDB's index scans on a stored table pay some 50 µs a key), more than the
rest of the request. With the copy the page's row fetch carries both values.

The stories stage (``pantau/stories``) writes the two tables, in its own transactions; this module keeps
the copy (``events.src_canonical_id``, ``events.src_n_sources``: the canonical event, only when it exists,
and its ``n_sources``) in step with them:

* the store's write transaction fills the copy of the events it inserts (:func:`lookup`; a re-analysed
  article keeps its event ids, and ``event_mentions`` names them until the next stories slice);
* :func:`refresh` after a stories update: from the rows the two tables gained since the last refresh (the
  stories stage replaces a changed row by deleting and inserting it, so a changed row is a new row), or
  from scratch when ``event_mentions`` lost rows (a retracted article) or the events changed unseen;
* ``src_state`` holds the row count and last rowid of the three tables when the copy was last made
  (:func:`is_fresh`). Readers use the copy only when all three still match; otherwise the plain lookups,
  which give the same values (``tests/test_store_sources.py``).

A writer that deletes canonical events but keeps their mentions would go unnoticed; the stories stage
never does (a dissolved canonical event loses its mentions in the same transaction, ``retract.py``).
"""

from __future__ import annotations

from typing import Any

SOURCE_TYPES = {"src_canonical_id": "VARCHAR", "src_n_sources": "INTEGER"}
VERSION = 1
_TABLES = ("events", "event_mentions", "canonical_events")
_STATE = (
    "CREATE TABLE IF NOT EXISTS src_state (version INTEGER, events_rows BIGINT, events_max BIGINT, "
    "mentions_rows BIGINT, mentions_max BIGINT, canonical_rows BIGINT, canonical_max BIGINT)"
)
# above this many keys a scan with a hash join is cheaper than index look-ups with a constant list
_MAX_KEYS = 2000


def has_stories(con: Any) -> bool:
    """Whether the stories stage's two tables exist (with the columns read here)."""
    cols = {
        (r[0], r[1])
        for r in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND "
            "table_name IN ('event_mentions', 'canonical_events')"
        ).fetchall()
    }
    return {("event_mentions", "event_id"), ("event_mentions", "canonical_id"),
            ("canonical_events", "id"), ("canonical_events", "n_sources")} <= cols


def fingerprint(con: Any) -> tuple[int, ...]:
    """(rows, last rowid) of events, event_mentions and canonical_events (-1s for a missing table)."""
    out: list[int] = []
    stories = has_stories(con)
    for table in _TABLES:
        if table != "events" and not stories:
            out += [-1, -1]
            continue
        rows, last = con.execute(f"SELECT count(*), coalesce(max(rowid), -1) FROM {table}").fetchall()[0]
        out += [int(rows), int(last)]
    return tuple(out)


def _state(con: Any) -> tuple[int, ...] | None:
    try:
        rows = con.execute("SELECT * FROM src_state").fetchall()
    except Exception:  # noqa: BLE001 - no state table (an older store, read-only): not fresh
        return None
    if len(rows) != 1 or rows[0][0] != VERSION:
        return None
    return tuple(int(v) for v in rows[0][1:])


def is_fresh(con: Any) -> bool:
    """Whether the copy describes the three tables as they are in ``con``'s snapshot."""
    state = _state(con)
    return state is not None and state == fingerprint(con)


def mark(con: Any) -> None:
    """Record the tables' fingerprint: the copy describes them now."""
    con.execute(_STATE)
    values = fingerprint(con)
    con.execute("DELETE FROM src_state")
    con.execute("INSERT INTO src_state VALUES (?, ?, ?, ?, ?, ?, ?)", [VERSION, *values])


def _marks(values: list[Any]) -> str:
    return ", ".join("?" * len(values))


def lookup(con: Any, event_ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """event id -> (canonical id, n_sources) for those of ``event_ids`` with an existing canonical event
    (two index look-ups with constant lists; a scan when the list is long)."""
    if not event_ids or not has_stories(con):
        return {}
    out: dict[str, tuple[str, int | None]] = {}
    for i in range(0, len(event_ids), _MAX_KEYS):
        ids = event_ids[i : i + _MAX_KEYS]
        canonical = dict(
            con.execute(
                f"SELECT event_id, canonical_id FROM event_mentions WHERE event_id IN ({_marks(ids)})", ids
            ).fetchall()
        )
        cids = sorted({c for c in canonical.values() if c is not None})
        n_sources: dict[str, int | None] = {}
        for j in range(0, len(cids), _MAX_KEYS):
            part = cids[j : j + _MAX_KEYS]
            n_sources.update(
                con.execute(
                    f"SELECT id, n_sources FROM canonical_events WHERE id IN ({_marks(part)})", part
                ).fetchall()
            )
        out.update((e, (c, n_sources[c])) for e, c in canonical.items() if c in n_sources)
    return out


def set_copy(con: Any, values: dict[str, tuple[str | None, int | None]]) -> None:
    """Write the copy of the given events (one UPDATE per distinct value: index look-ups by id)."""
    groups: dict[tuple[str | None, int | None], list[str]] = {}
    for eid, value in values.items():
        groups.setdefault(value, []).append(eid)
    for (cid, n), ids in groups.items():
        for i in range(0, len(ids), _MAX_KEYS):
            part = ids[i : i + _MAX_KEYS]
            con.execute(
                "UPDATE events SET src_canonical_id = ?, src_n_sources = ? "
                f"WHERE id IN ({_marks(part)}) AND (src_canonical_id IS DISTINCT FROM ? "
                "OR src_n_sources IS DISTINCT FROM ?)",
                [cid, n, *part, cid, n],
            )


def rebuild(con: Any) -> None:
    """The copy of every event from the two tables (about 1-2 CPU-s on a million events)."""
    if not has_stories(con):
        con.execute(
            "UPDATE events SET src_canonical_id = NULL, src_n_sources = NULL "
            "WHERE src_canonical_id IS NOT NULL OR src_n_sources IS NOT NULL"
        )
        return
    con.execute(
        "UPDATE events SET src_canonical_id = s.cid, src_n_sources = s.n FROM ("
        "SELECT e.id, c.id AS cid, c.n_sources AS n FROM events e "
        "LEFT JOIN event_mentions m ON m.event_id = e.id "
        "LEFT JOIN canonical_events c ON c.id = m.canonical_id"
        ") s WHERE events.id = s.id AND (events.src_canonical_id IS DISTINCT FROM s.cid "
        "OR events.src_n_sources IS DISTINCT FROM s.n)"
    )


def _update(con: Any, state: tuple[int, ...] | None, now: tuple[int, ...]) -> None:
    """Bring the copy from ``state`` to ``now`` (fingerprints), incrementally when it can."""
    ev_rows, ev_max, em_rows, em_max, ce_rows, ce_max = state or (None,) * 6
    incremental = (
        state is not None
        and (now[0], now[1]) == (ev_rows, ev_max)
        and em_rows is not None and em_rows >= 0 and ce_rows is not None and ce_rows >= 0
        and now[2] >= 0
    )
    if incremental:
        new_em = con.execute(
            "SELECT event_id FROM event_mentions WHERE rowid > ?", [em_max]
        ).fetchall()
        # mentions only go with their canonical event (retract.py) or on a re-run: a lost one means
        # rebuilding (the count says whether any went)
        incremental = now[2] == em_rows + len(new_em)
    if not incremental:
        rebuild(con)
        return
    targets = {r[0] for r in new_em}
    new_ce = [
        r[0] for r in con.execute("SELECT id FROM canonical_events WHERE rowid > ?", [ce_max]).fetchall()
    ]
    if new_ce:  # a replaced canonical event (a new mention, a new count): the events that name it
        targets.update(
            r[0]
            for r in con.execute(
                "SELECT id FROM events WHERE src_canonical_id IN (SELECT unnest(?::VARCHAR[]))", [new_ce]
            ).fetchall()
        )
    if not targets:
        return
    ids = sorted(targets)
    found = lookup(con, ids)
    set_copy(con, {e: found.get(e, (None, None)) for e in ids})


def refresh(con: Any) -> bool:
    """Bring the copy up to date after the stories tables changed, in its own transaction (a writable
    connection); True if anything had to be done. Cheap when nothing changed (three count reads)."""
    ensure_schema(con)
    state, now = _state(con), fingerprint(con)
    if state == now:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        _update(con, state, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    mark(con)
    return True


def ensure_schema(con: Any) -> None:
    for col, typ in SOURCE_TYPES.items():
        con.execute(f"ALTER TABLE events ADD COLUMN IF NOT EXISTS {col} {typ}")
    con.execute(_STATE)
