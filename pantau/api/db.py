"""One DuckDB connection per server process, a cursor per request.

Why this shape: DuckDB allows one process to open a file either read-only or
read-write, not both, and its connections are not thread-safe while its
cursors (``con.cursor()``) are. The server opens the file read-only unless
ingest is enabled (a token is configured); read endpoints only ever run the
constant SELECT statements of :mod:`pantau.store.filters` with bound parameters,
so they never write. Writes (ingest) are serialised by a lock.

Two write counters (``Database.generation``) key the GET reply cache
(:class:`pantau.api.middleware.ReadCache`): ``writes`` moves with every write, ``stories`` only with
writes that can change what the stories stage made (stories, the escalation index, alerts) or what is
read through it: a stories slice, or an article replaced (its events are read through
``story_articles``). Why two: while articles arrive (one a second or more under ``pantau watch`` or a
stream of ingests) the index, alert and story replies - the heaviest reads - stay cached until the
stories stage runs, instead of being dropped with every new article.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from pantau.store import derived, sources

SCHEMA_SQL = "schema.sql"


def _schema() -> str:
    return resources.files("pantau.store").joinpath(SCHEMA_SQL).read_text(encoding="utf-8")


def ensure_schema(path: str | Path) -> None:
    """Create the base tables in ``path`` if they are missing (a fresh, empty store)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(_schema())
        derived.ensure(con)
    finally:
        con.close()


class Generation(NamedTuple):
    """The write counters a cached reply is checked against (see the module docstring)."""

    writes: int
    stories: int


class Database:
    """Holds the process-wide connection and hands out cursors."""

    def __init__(self, path: str | Path, *, writable: bool = False) -> None:
        self.path = str(path)
        self.writable = writable
        if self.path != ":memory:" and not Path(self.path).exists():
            ensure_schema(self.path)
        self.con = duckdb.connect(self.path, read_only=not writable)
        if writable:
            self.con.execute(_schema())
            derived.ensure(self.con)  # a store written by other means gets its derived data now
        self.write_lock = threading.Lock()
        self._tables: dict[str, set[str]] = {}
        self._tables_at = 0.0
        self._writes = 0  # bumped by invalidate(): read caches key on them (``generation``)
        self._stories_writes = 0  # bumped by invalidate(stories=True)
        self.last_read = 0.0  # time.monotonic() of the last API request that used the store
        self._fresh: tuple[Generation, bool] | None = None  # (generation, derived data fresh)
        self._sources: tuple[Generation, bool] | None = None  # (generation, sources copy fresh)

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self.con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def tables(self) -> dict[str, set[str]]:
        """Table name -> column names; cached for a few seconds (tables appear when stages run)."""
        now = time.monotonic()
        if now - self._tables_at > 5.0:
            with self.cursor() as cur:
                rows = cur.execute(
                    "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
                    "AND NOT internal"
                ).fetchall()
            tables: dict[str, set[str]] = {}
            for table, column in rows:
                tables.setdefault(table, set()).add(column)
            self._tables, self._tables_at = tables, now
        return self._tables

    def note_read(self) -> None:
        self.last_read = time.monotonic()

    def busy(self, within_s: float = 2.0) -> bool:
        """Whether reads came in the last ``within_s`` seconds (background work then yields to them)."""
        return time.monotonic() - self.last_read < within_s

    def invalidate(self, *, stories: bool = True) -> None:
        """The store changed (a write finished): table list and cached replies are out of date.

        ``stories=False`` when the write only added articles (and their rows) that no stories slice has
        seen yet: replies made from the stories stage's tables stay valid (see the module docstring)."""
        self._tables_at = 0.0
        self._writes += 1
        if stories:
            self._stories_writes += 1

    @property
    def generation(self) -> Generation:
        """Both write counters (the reply cache and :meth:`derived_fresh` key on them)."""
        return Generation(self._writes, self._stories_writes)

    def derived_fresh(self, cur: duckdb.DuckDBPyConnection) -> bool:
        """Whether the store's derived data (:mod:`pantau.store.derived`) matches its events, in ``cur``'s
        snapshot: then the count tables and typed columns answer; else the plain queries do."""
        return self._fresh_once("_fresh", lambda: (
            self.has("agg_state", "events_max_rowid") and self.has("events", *derived.DERIVED_EXPRS)
            and derived.state_matches(cur)))

    def sources_fresh(self, cur: duckdb.DuckDBPyConnection) -> bool:
        """Whether the events' copy of their canonical event and outlet count (:mod:`pantau.store.sources`)
        matches the stories tables in ``cur``'s snapshot; else the page looks both up."""
        return self._fresh_once("_sources", lambda: (
            self.has("src_state", "canonical_max") and self.has("events", *sources.SOURCE_TYPES)
            and sources.is_fresh(cur)))

    def _fresh_once(self, slot: str, check: Callable[[], bool]) -> bool:
        """``check()``, remembered as true until the next write: only the ingest worker writes, through the
        store (which keeps the derived data in step), and it bumps the generation after each write."""
        gen = self.generation
        known = getattr(self, slot)
        if known is not None and known[0] == gen:
            return known[1]
        fresh = bool(check())
        if fresh:
            setattr(self, slot, (gen, True))
        return fresh

    def has(self, table: str, *columns: str) -> bool:
        cols = self.tables().get(table)
        return cols is not None and all(c in cols for c in columns)


def rows_as_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Fetch the cursor's result as a list of dicts keyed by column name."""
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
