"""Derived data kept in step with the events: typed location columns and count tables.

Why: on a store of a million events, ``/api/actors`` unnested every event's code lists twice per request
and ``/api/map`` parsed a JSON location per row (p95 0.3-2 s). The store now keeps, inside the same
transaction as every article write (``Store.upsert_many``, ``Store.delete``):

* ``events.loc_name``, ``loc_country``, ``loc_lat``, ``loc_lon``: the location JSON as typed columns;
  ``actor_keys``, ``recipient_keys``: the code lists as separator-delimited strings (fast code filters);
  ``pair_keys``: the dyads an event matches, likewise (one test for the dyad filter);
* ``agg_actor_codes`` (quad, code: events naming it as actor / as recipient), ``agg_actor_edges`` (quad,
  source, target: weight) and ``agg_places`` (type, place: events, last date), each also per month of
  the event date (``*_m``, for date ranges), updated by deltas (the rows an article removes are
  subtracted, the rows it adds are added), so a write costs the size of the article, not of the store;
* ``agg_state``: the events table's row count and largest rowid when the tables were last brought up to
  date. A writer that bypasses the store (plain SQL inserts in tests, synthetic stores) changes them, so
  readers then see the derived data as stale and fall back to the plain queries; the next store write
  (or :func:`ensure`) rebuilds it. Results are the same either way (tests compare both paths).
"""

from __future__ import annotations

from typing import Any

from pantau.store import sources
from pantau.store.filters import QUAD_CASE

VERSION = 5  # 5: pair_keys (a store of an older version is rebuilt at its next writable open)
LOC_EXPRS: dict[str, str] = {
    "loc_name": "coalesce(json_extract_string(location, '$.name'), json_extract_string(location, '$.text'))",
    "loc_country": "json_extract_string(location, '$.country')",
    "loc_lat": "TRY_CAST(json_extract_string(location, '$.lat') AS DOUBLE)",
    "loc_lon": "TRY_CAST(json_extract_string(location, '$.lon') AS DOUBLE)",
}
# The code lists as strings, each code between unit separators (\x1f, never in a code): finding
# "\x1fRUS\x1f" in them is 3x faster than list_contains on the lists (see :func:`code_key`).
# ``pair_keys``: every unordered pair {a, b} the dyad filter matches (a an actor, b a recipient or another
# actor, a itself included), each as "lesser\x1egreater" between unit separators, sorted: the dyad
# filter's five list tests become one ``contains`` (``filters.pair_key``; a NULL code makes no pair).
PAIR_EXPR = (
    "chr(31) || array_to_string(list_sort(list_distinct(flatten("
    "[[CASE WHEN a < b THEN a || chr(30) || b ELSE b || chr(30) || a END "
    "for b in list_concat(recipient_codes, actor_codes)] for a in actor_codes]))), chr(31)) || chr(31)"
)
KEY_EXPRS: dict[str, str] = {
    "actor_keys": "chr(31) || array_to_string(actor_codes, chr(31)) || chr(31)",
    "recipient_keys": "chr(31) || array_to_string(recipient_codes, chr(31)) || chr(31)",
    "pair_keys": PAIR_EXPR,
}
DERIVED_EXPRS = {**LOC_EXPRS, **KEY_EXPRS}
DERIVED_TYPES = {
    "loc_name": "VARCHAR",
    "loc_country": "VARCHAR",
    "loc_lat": "DOUBLE",
    "loc_lon": "DOUBLE",
    "actor_keys": "VARCHAR",
    "recipient_keys": "VARCHAR",
    "pair_keys": "VARCHAR",
    **sources.SOURCE_TYPES,  # the canonical event and its outlet count (``sources.py``, its own freshness)
}
LOCATED = "loc_lat BETWEEN -90 AND 90 AND loc_lon BETWEEN -180 AND 180"
AGG_TABLES = (
    "agg_actor_codes",
    "agg_actor_edges",
    "agg_actor_codes_m",
    "agg_actor_edges_m",
    "agg_places",
    "agg_places_m",
)
PLACE_TABLES = ("agg_places", "agg_places_m")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agg_actor_codes (quad INTEGER, code VARCHAR, as_actor BIGINT, as_recipient BIGINT);
CREATE TABLE IF NOT EXISTS agg_actor_edges (quad INTEGER, source VARCHAR, target VARCHAR, weight BIGINT);
CREATE TABLE IF NOT EXISTS agg_actor_codes_m (
    month DATE, quad INTEGER, code VARCHAR, as_actor BIGINT, as_recipient BIGINT
);
CREATE TABLE IF NOT EXISTS agg_actor_edges_m (
    month DATE, quad INTEGER, source VARCHAR, target VARCHAR, weight BIGINT
);
CREATE TABLE IF NOT EXISTS agg_places (
    type VARCHAR, name VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE, n BIGINT, last_date DATE
);
CREATE TABLE IF NOT EXISTS agg_places_m (
    month DATE, type VARCHAR, name VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE, n BIGINT, last_date DATE
);
CREATE TABLE IF NOT EXISTS agg_state (version INTEGER, events_rows BIGINT, events_max_rowid BIGINT);
"""

# group keys and count columns of each table; keys may be NULL (a place without a country)
_KEYS = {
    "agg_actor_codes": ("quad", "code"),
    "agg_actor_edges": ("quad", "source", "target"),
    "agg_actor_codes_m": ("month", "quad", "code"),
    "agg_actor_edges_m": ("month", "quad", "source", "target"),
    "agg_places": ("type", "name", "country", "lat", "lon"),
    "agg_places_m": ("month", "type", "name", "country", "lat", "lon"),
}
_COUNTS = {
    "agg_actor_codes": ("as_actor", "as_recipient"),
    "agg_actor_edges": ("weight",),
    "agg_actor_codes_m": ("as_actor", "as_recipient"),
    "agg_actor_edges_m": ("weight",),
    "agg_places": ("n",),
    "agg_places_m": ("n",),
}


def delta_sql(table: str, source: str) -> str:
    """Counts contributed by the events of ``source`` (a SELECT with the events' columns)."""
    m_in, m = ("date_trunc('month', date)::DATE AS month, ", "month, ") if table.endswith("_m") else ("", "")
    if table.startswith("agg_actor_codes"):
        return (
            f"WITH f AS (SELECT {m_in}{QUAD_CASE} AS quad, actor_codes, recipient_codes FROM ({source})), "
            f"c AS (SELECT {m}quad, unnest(actor_codes) AS code, 1 AS a, 0 AS r FROM f "
            f"UNION ALL SELECT {m}quad, unnest(recipient_codes), 0, 1 FROM f) "
            f"SELECT {m}quad, code, sum(a)::BIGINT AS as_actor, sum(r)::BIGINT AS as_recipient FROM c "
            "WHERE code IS NOT NULL GROUP BY ALL"
        )
    if table.startswith("agg_actor_edges"):
        return (
            f"WITH f AS (SELECT {m_in}unnest(actor_codes) AS source, recipient_codes, {QUAD_CASE} AS quad "
            f"FROM ({source})), g AS (SELECT {m}quad, source, unnest(recipient_codes) AS target FROM f) "
            f"SELECT {m}quad, source, target, count(*)::BIGINT AS weight FROM g "
            "WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target GROUP BY ALL"
        )
    return (
        f"SELECT {m_in}type, loc_name AS name, loc_country AS country, round(loc_lat, 4) AS lat, "
        "round(loc_lon, 4) AS lon, count(*)::BIGINT AS n, max(date) AS last_date "
        f"FROM ({source}) WHERE {LOCATED} GROUP BY ALL"
    )


def _match(table: str, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in _KEYS[table])


def code_key(code: str) -> str:
    """The string to find in ``actor_keys``/``recipient_keys`` for one code."""
    return f"\x1f{code}\x1f"


def ensure_schema(con: Any) -> None:
    """Typed location columns on ``events`` and the count tables (a writable connection)."""
    for col, typ in DERIVED_TYPES.items():
        con.execute(f"ALTER TABLE events ADD COLUMN IF NOT EXISTS {col} {typ}")
    con.execute(_SCHEMA)
    sources.ensure_schema(con)


def _fingerprint(con: Any) -> tuple[int, int]:
    rows, max_rowid = con.execute("SELECT count(*), coalesce(max(rowid), -1) FROM events").fetchall()[0]
    return int(rows), int(max_rowid)


def has_schema(con: Any) -> bool:
    """Whether the derived columns and tables exist (a read-only server on an old store has none)."""
    found = {
        r[0]
        for r in con.execute(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE schema_name = 'main' AND "
            "((table_name = 'events' AND (column_name LIKE 'loc_%' OR column_name LIKE '%_keys')) "
            "OR table_name = 'agg_state')"
        ).fetchall()
    }
    return all(f"events.{c}" in found for c in DERIVED_EXPRS) and "agg_state.version" in found


def is_fresh(con: Any) -> bool:
    """Whether the derived data describes the events table as it is now (cheap: two metadata reads)."""
    return has_schema(con) and state_matches(con)


def state_matches(con: Any) -> bool:
    """:func:`is_fresh` for a connection known to have the schema (:func:`has_schema`)."""
    state = con.execute("SELECT version, events_rows, events_max_rowid FROM agg_state").fetchall()
    return len(state) == 1 and state[0][0] == VERSION and tuple(state[0][1:]) == _fingerprint(con)


def _mark(con: Any) -> None:
    rows, max_rowid = _fingerprint(con)
    con.execute("DELETE FROM agg_state")
    con.execute("INSERT INTO agg_state VALUES (?, ?, ?)", [VERSION, rows, max_rowid])


def rebuild(con: Any) -> None:
    """Recompute everything from the events (inside the caller's transaction, if any; the fingerprint is
    recorded by :func:`_mark` after the commit)."""
    ensure_schema(con)
    sets = ", ".join(f"{c} = {e}" for c, e in DERIVED_EXPRS.items())
    con.execute(f"UPDATE events SET {sets}")
    for table in AGG_TABLES:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} {delta_sql(table, 'SELECT * FROM events')}")
    con.execute("DELETE FROM agg_state")


def ensure(con: Any) -> bool:
    """Create and, if stale, rebuild the derived data in its own transaction; True if it rebuilt. The
    copy of the stories stage's canonical events is brought up to date too (:func:`sources.refresh`)."""
    ensure_schema(con)
    sources.refresh(con)
    if is_fresh(con):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        rebuild(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    _mark(con)
    return True


def _apply(con: Any, table: str, source: str, params: list[Any], sign: int) -> None:
    """Add (``sign`` 1) or subtract (-1) the counts of ``source``'s events, group by group."""
    keys, counts = _KEYS[table], _COUNTS[table]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pantau_delta AS {delta_sql(table, source)}", params)
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in counts)
    places = table in PLACE_TABLES
    signed = ", ".join([*keys, *(f"{sign} * {c}" for c in counts), *(["last_date"] if places else [])])
    extra = ", max(last_date) AS last_date" if places else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pantau_merged AS "
        f"SELECT {', '.join(keys)}, {sums}{extra} FROM ("
        f"SELECT a.* FROM {table} a SEMI JOIN _pantau_delta d ON {_match(table, 'a', 'd')} "
        f"UNION ALL SELECT {signed} FROM _pantau_delta) GROUP BY ALL"
    )
    con.execute(
        f"DELETE FROM {table} a WHERE EXISTS (SELECT 1 FROM _pantau_delta d WHERE {_match(table, 'a', 'd')})"
    )
    nonzero = " OR ".join(f"{c} <> 0" for c in counts)
    con.execute(f"INSERT INTO {table} SELECT * FROM _pantau_merged WHERE {nonzero}")


class Maintainer:
    """Keeps the derived data in step across one write transaction of the store.

    ``before_delete`` subtracts the events about to go, ``after_insert`` adds new ones; ``finish`` fixes
    the last dates of places that lost events; ``committed`` records the fingerprint once the write is
    committed (rowids inside a transaction are provisional; until then readers see the data as stale and
    use the plain queries). A store that was stale when the write began is rebuilt instead."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.fresh = is_fresh(con)
        self.lost_places = False
        # the copy of the canonical events (``sources.py``): kept in step when it was in step before
        self.sources_fresh = sources.is_fresh(con)

    def before_delete(self, where: str, params: list[Any]) -> None:
        if not self.fresh:
            return
        source = f"SELECT * FROM events WHERE {where}"
        for table in AGG_TABLES:
            _apply(self.con, table, source, params, -1)
        for table in PLACE_TABLES:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE _pantau_lost_{table} AS "
                f"SELECT DISTINCT {', '.join(_KEYS[table])} FROM ({delta_sql(table, source)})",
                params,
            )
        self.lost_places = True

    def insert_events_sql(self, cols: str, view: str) -> str:
        """The INSERT of a batch of events, with the derived columns computed as :func:`rebuild` does."""
        return (
            f"INSERT INTO events ({cols}, {', '.join(DERIVED_EXPRS)}) "
            f"SELECT {cols}, {', '.join(DERIVED_EXPRS.values())} FROM {view}"
        )

    def insert_events(self, cols: str, view: str) -> None:
        """Insert a batch of events (:meth:`insert_events_sql`) and fill their copy of the canonical
        events (``sources.lookup``: a re-analysed article keeps its event ids, and the stories tables
        name them until the next stories update)."""
        self.con.execute(self.insert_events_sql(cols, view))
        if self.sources_fresh:
            ids = [r[0] for r in self.con.execute(f"SELECT id FROM {view}").fetchall()]
            found = sources.lookup(self.con, ids)
            if found:
                sources.set_copy(self.con, found)

    def after_insert(self, view: str) -> None:
        if not self.fresh:
            return
        source = (
            f"SELECT type, actor_codes, recipient_codes, CAST(date AS DATE) AS date, "
            f"{', '.join(f'{e} AS {c}' for c, e in LOC_EXPRS.items())} FROM {view}"
        )
        for table in AGG_TABLES:
            _apply(self.con, table, source, [], 1)

    def finish(self) -> None:
        con = self.con
        if not self.fresh:
            rebuild(con)
            return
        for table in PLACE_TABLES if self.lost_places else ():
            # a place's last date may have left with the deleted events
            month = " AND date_trunc('month', e.date) = p.month" if table.endswith("_m") else ""
            con.execute(
                f"UPDATE {table} p SET last_date = (SELECT max(e.date) FROM events e WHERE "
                f"{LOCATED} AND e.type IS NOT DISTINCT FROM p.type "
                "AND e.loc_name IS NOT DISTINCT FROM p.name AND e.loc_country IS NOT DISTINCT FROM p.country "
                f"AND round(e.loc_lat, 4) = p.lat AND round(e.loc_lon, 4) = p.lon{month}) "
                f"WHERE EXISTS (SELECT 1 FROM _pantau_lost_{table} l WHERE {_match(table, 'l', 'p')})"
            )
        con.execute("DELETE FROM agg_state")  # stale until :meth:`committed`

    def committed(self) -> None:
        _mark(self.con)
        if self.sources_fresh:
            sources.mark(self.con)
