"""The store: an embedded DuckDB database of articles and everything extracted from them.

Default location: the ``PANTAU_DB`` environment variable, else ``./pantau.duckdb``
(every store command of the CLI takes ``--db PATH``).

Writes are idempotent and atomic per article: :meth:`Store.upsert` skips an article
whose id and content hash are already stored ("unchanged"), and replaces a changed one
together with all its child rows in one transaction ("replaced"). One refinement: a
result that carries extraction (entities, events or quotes) replaces a stored copy of
the same content that has none, so articles first ingested without the event stage get
their events when ingested again. Batches are written
in one transaction for speed; if that transaction fails, it is rolled back and the
batch is written again article by article, so one bad article never costs the others
and a crash or kill leaves only whole articles behind. The same transaction keeps the
derived data of :mod:`pantau.store.derived` (typed location and code columns, count
tables for the API's actor network and map) in step with the events.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb

from pantau.records import Result
from pantau.store import derived, sources
from pantau.store.filters import event_filters
from pantau.store.rows import JSON_COLUMNS, TABLES, arrow_table, content_hash, iso_day, result_rows

log = logging.getLogger(__name__)

__all__ = ["Store", "UpsertOutcome", "default_db_path", "EVENT_EXPORT_FORMATS"]

Status = Literal["inserted", "unchanged", "replaced", "failed"]
EVENT_EXPORT_FORMATS = ("csv", "jsonl", "parquet")
_CHILD_TABLES = ("attributions", "entities", "events", "quotes")


def default_db_path() -> str:
    """``$PANTAU_DB`` if set, else ``pantau.duckdb`` in the working directory."""
    return os.environ.get("PANTAU_DB") or "pantau.duckdb"


@dataclass
class UpsertOutcome:
    """What happened to one result of a batch."""

    article_id: str
    status: Status
    error: str | None = None


def _schema_sql() -> str:
    return resources.files("pantau.store").joinpath("schema.sql").read_text(encoding="utf-8")


def _day_param(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    day = iso_day(value)
    if day is None:
        raise ValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD)")
    return day


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """JSON strings back to objects, dates to ISO strings."""
    for key, value in row.items():
        if key in JSON_COLUMNS and isinstance(value, str):
            row[key] = json.loads(value)
        elif isinstance(value, dt.datetime | dt.date):
            row[key] = value.isoformat()
    return row


class Store:
    """A Pantau database. ``Store(path)`` creates the tables if they are missing.

    ``read_only=True`` opens an existing database for queries only (several readers
    may share it); it fails with FileNotFoundError when there is no database yet.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = str(path if path is not None else default_db_path())
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise FileNotFoundError(f"no Pantau database at {self.path} (run `pantau ingest` first)")
        self.read_only = read_only
        self._keep: derived.Maintainer | None = None  # the derived data's upkeep during a write
        self.con = duckdb.connect(self.path, read_only=read_only)
        if not read_only:
            self.con.execute(_schema_sql())
            derived.ensure(self.con)  # typed location columns and count tables (pantau/store/derived.py)

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        """Close the store; a writable one first brings the events' copy of the canonical events up to
        date (``sources.py``: after ``pantau stories`` a read-only server can use it at once)."""
        try:
            if not self.read_only:
                self.sync_sources()
        except duckdb.ConnectionException:  # closed already
            pass
        except duckdb.Error as exc:  # the copy stays stale (readers take the plain look-ups); close anyway
            log.warning("could not update the events' canonical-event copy: %s", exc)
        finally:
            self.con.close()

    def sync_sources(self) -> bool:
        """Bring the events' copy of the canonical events up to date after a stories update (cheap when
        nothing changed; ``sources.refresh``); True if it had to write."""
        return sources.refresh(self.con)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------
    def upsert(self, result: Result, *, force: bool = False) -> Status:
        """Store one result: "inserted", "unchanged" or "replaced". Raises on failure (nothing written)."""
        outcome = self._upsert_batch([result], force=force, fallback=False)[0]
        if outcome.status == "failed":
            raise RuntimeError(f"{outcome.article_id}: {outcome.error}")
        return outcome.status

    def upsert_many(self, results: Sequence[Result], *, force: bool = False) -> list[UpsertOutcome]:
        """Store a batch in one transaction; per-article fallback if the batch fails.

        Returns one outcome per result, in order. A repeated id within the batch is
        handled as if the results came one after the other (the last version wins).
        ``force`` rewrites articles even when their content hash is unchanged (e.g.
        after the extractors improved).
        """
        return self._upsert_batch(list(results), force=force, fallback=True)

    def stored_state(self, ids: Sequence[str]) -> dict[str, tuple[str, bool]]:
        """For each of ``ids`` that is stored: (content hash, whether it has extraction rows).

        One query per call (semi-joins over the child tables), so ask for many ids at once.
        """
        if not ids:
            return {}
        sql = (
            "WITH wanted AS (SELECT unnest($ids::VARCHAR[]) AS id)"
            " SELECT a.id, a.content_hash,"
            "  a.id IN (SELECT article_id FROM entities WHERE article_id IN (SELECT id FROM wanted))"
            "  OR a.id IN (SELECT article_id FROM events WHERE article_id IN (SELECT id FROM wanted))"
            "  OR a.id IN (SELECT article_id FROM quotes WHERE article_id IN (SELECT id FROM wanted))"
            " FROM articles a WHERE a.id IN (SELECT id FROM wanted)"
        )
        try:
            rows = self.con.execute(sql, {"ids": list(ids)}).fetchall()
        except Exception as exc:
            _raise_if_interrupt(exc)
            raise
        return {aid: (digest, bool(analysed)) for aid, digest, analysed in rows}

    def unchanged(self, results: Sequence[Result], *, analysed: bool = False) -> list[bool]:
        """Per result: would an upsert say "unchanged" whatever NLP finds in it?

        That is: stored with the same content hash and, when ``analysed`` is asked for,
        stored with extraction results (so an article ingested with ``--no-events`` is
        analysed when ingested again with the event stage). Lets ingest skip the NLP
        stage for articles it already has.
        """
        state = self.stored_state([r.article.id for r in results])
        out = []
        for r in results:
            known = state.get(r.article.id)
            out.append(known is not None and known[0] == content_hash(r) and (known[1] or not analysed))
        return out

    def is_stored(self, result: Result, *, analysed: bool = False) -> bool:
        """:meth:`unchanged` for one result."""
        return self.unchanged([result], analysed=analysed)[0]

    def _upsert_batch(self, results: list[Result], *, force: bool, fallback: bool) -> list[UpsertOutcome]:
        """Decide each result's fate, then write the batch (see :meth:`upsert_many`).

        "unchanged" needs the same content hash, and that the stored copy already has
        extraction results if this one has any: an analysed version replaces an
        unanalysed one, never the other way round.
        """
        outcomes: list[UpsertOutcome] = []
        ids = [r.article.id for r in results]
        stored = self.stored_state(ids)
        pending: dict[str, tuple[int, dict[str, list[dict[str, Any]]]]] = {}  # id -> (outcome index, rows)
        pending_state: dict[str, tuple[str, bool]] = {}
        for result in results:
            aid = result.article.id
            try:
                rows = result_rows(result)
            except (ValueError, TypeError, AttributeError) as exc:
                outcomes.append(UpsertOutcome(aid or "?", "failed", f"cannot store: {exc}"))
                continue
            digest = rows["articles"][0]["content_hash"]
            analysed = bool(rows["entities"] or rows["events"] or rows["quotes"])
            known = pending_state.get(aid, stored.get(aid))
            if known is not None and known[0] == digest and (known[1] or not analysed) and not force:
                outcomes.append(UpsertOutcome(aid, "unchanged"))
                continue
            status: Status = "replaced" if (aid in pending or aid in stored) else "inserted"
            outcomes.append(UpsertOutcome(aid, status))
            pending[aid] = (len(outcomes) - 1, rows)
            pending_state[aid] = (digest, analysed)
        if not pending:
            return outcomes
        replace_ids = [aid for aid in pending if aid in stored]
        try:
            self._write([rows for _, rows in pending.values()], replace_ids)
        except Exception as exc:  # the whole batch was rolled back
            _raise_if_interrupt(exc)
            if not fallback or len(pending) == 1:
                for idx, _ in pending.values():
                    outcomes[idx].status, outcomes[idx].error = "failed", _error_text(exc)
                return outcomes
            for aid, (idx, rows) in pending.items():
                try:
                    self._write([rows], [aid] if aid in stored else [])
                except Exception as one_exc:
                    _raise_if_interrupt(one_exc)
                    outcomes[idx].status, outcomes[idx].error = "failed", _error_text(one_exc)
        return outcomes

    def _write(self, batch: list[dict[str, list[dict[str, Any]]]], replace_ids: list[str]) -> None:
        """Delete the replaced articles and insert the batch, all in one transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            keep = self._keep = derived.Maintainer(con)
            if replace_ids:
                keep.before_delete("article_id IN (SELECT unnest(?::VARCHAR[]))", [replace_ids])
                for table in _CHILD_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
                                [replace_ids])
                con.execute("DELETE FROM articles WHERE id IN (SELECT unnest(?::VARCHAR[]))", [replace_ids])
            for table in TABLES:
                rows = [row for item in batch for row in item[table]]
                if rows:
                    self._insert_table(table, rows)
            keep.finish()
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        keep.committed()

    def _insert_table(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Insert one table's rows of the batch (events with their derived data, see :meth:`_write`)."""
        data = arrow_table(table, rows)
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        view = f"_pantau_batch_{table}"
        self.con.register(view, data)
        try:
            if table == "events":
                assert self._keep is not None, "events are inserted inside _write"
                self._keep.insert_events(cols, view)
                self._keep.after_insert(view)
            else:
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
        finally:
            self.con.unregister(view)

    def delete(self, article_id: str) -> bool:
        """Remove one article and its child rows; True if it was there."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            keep = derived.Maintainer(con)
            keep.before_delete("article_id = ?", [article_id])
            for table in _CHILD_TABLES:
                con.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
            found = con.execute("DELETE FROM articles WHERE id = ? RETURNING id", [article_id]).fetchall()
            keep.finish()
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        keep.committed()
        return bool(found)

    # -- reading -------------------------------------------------------------------
    def _dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [_decode(dict(zip(names, row, strict=True))) for row in cur.fetchall()]

    def _event_query(
        self,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        actor: str | None = None,
        recipient: str | None = None,
        type: str | None = None,
        outlet: str | None = None,
        factuality: str | None = None,
        article_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[str, list[Any]]:
        day = "coalesce(e.date, a.published_date)"
        w = event_filters(
            date_from=_day_param(date_from, "date_from"),
            date_to=_day_param(date_to, "date_to"),
            actor=actor,
            recipient=recipient,
            types=[type] if type else None,
            outlet=outlet,
            factuality=factuality,
            article=article_id,
            day=day,
        )
        params = w.params
        sql = (
            "SELECT e.id, e.article_id, CAST(" + day + " AS DATE) AS day, e.date, e.date_precision, e.type,"
            " e.mode, e.context, e.actor_codes, e.recipient_codes, e.actor, e.recipient, e.location,"
            " e.factuality, e.evidence, e.quote, e.confidence, e.pattern,"
            " a.outlet, a.published, a.title, a.url"
            " FROM events e JOIN articles a ON a.id = e.article_id " + w.sql()
        )
        sql += (
            " ORDER BY day NULLS LAST, e.article_id,"
            " TRY_CAST(json_extract(e.evidence, '$[0].start') AS INTEGER) NULLS LAST, e.id"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        if offset:
            sql += " OFFSET ?"
            params.append(int(offset))
        return sql, params

    def events(
        self,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        actor: str | None = None,
        recipient: str | None = None,
        type: str | None = None,
        outlet: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        factuality: str | None = None,
        article_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Events with their article's outlet/published/title/url, oldest first.

        Dates filter on the event's date, or the article's publication day where the
        event has none (column ``day``). ``actor``/``recipient`` match a code in the
        event's actor/recipient code lists (e.g. "RUS"); ``type`` a PLOVER type.
        """
        sql, params = self._event_query(
            date_from, date_to, actor, recipient, type, outlet, factuality, article_id, limit, offset
        )
        return self._dicts(sql, params)

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One article with its attributions, entities, events and quotes, or None."""
        found = self._dicts("SELECT * FROM articles WHERE id = ?", [article_id])
        if not found:
            return None
        art = found[0]
        art["attributions"] = [
            r[0] for r in self.con.execute(
                "SELECT outlet FROM attributions WHERE article_id = ?", [article_id]
            ).fetchall()
        ]
        art["entities"] = self._dicts(
            'SELECT text, label, start, "end", code, sector, name, wikidata FROM entities'
            " WHERE article_id = ? ORDER BY idx",
            [article_id],
        )
        art["events"] = sorted(  # in reading order
            self.events(article_id=article_id),
            key=lambda e: (e["evidence"][0]["start"] if e.get("evidence") else float("inf"), e["id"]),
        )
        art["quotes"] = self._dicts(
            'SELECT id, text, speaker, speaker_code, cue, start, "end", direct FROM quotes'
            " WHERE article_id = ? ORDER BY start NULLS LAST, id",
            [article_id],
        )
        return art

    def resolve_id(self, prefix: str) -> list[str]:
        """Article ids equal to ``prefix``, else those starting with it (at most 10)."""
        exact = self.con.execute("SELECT id FROM articles WHERE id = ?", [prefix]).fetchall()
        if exact:
            return [exact[0][0]]
        rows = self.con.execute(
            "SELECT id FROM articles WHERE starts_with(id, ?) ORDER BY id LIMIT 10", [prefix]
        ).fetchall()
        return [r[0] for r in rows]

    def articles(
        self,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        outlet: str | None = None,
        language: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        with_text: bool = False,
    ) -> list[dict[str, Any]]:
        """Articles (newest first) with per-article entity/event/quote counts; text only if asked."""
        where: list[str] = []
        params: list[Any] = []
        if (d := _day_param(date_from, "date_from")) is not None:
            where.append("a.published_date >= ?")
            params.append(d)
        if (d := _day_param(date_to, "date_to")) is not None:
            where.append("a.published_date <= ?")
            params.append(d)
        if outlet:
            where.append("lower(a.outlet) = lower(?)")
            params.append(outlet.strip())
        if language:
            where.append("a.language = ?")
            params.append(language)
        cols = (
            "a.id, a.url, a.title, a.published, a.published_date, a.outlet, a.authors, a.editors,"
            " a.dateline, a.language, a.language_confidence, a.flags, a.source, a.content_hash,"
            " a.ingested_at, length(a.text) AS chars"
        )
        if with_text:
            cols += ", a.text"
        sql = (
            f"SELECT {cols},"
            " (SELECT count(*) FROM entities x WHERE x.article_id = a.id) AS n_entities,"
            " (SELECT count(*) FROM events x WHERE x.article_id = a.id) AS n_events,"
            " (SELECT count(*) FROM quotes x WHERE x.article_id = a.id) AS n_quotes"
            " FROM articles a"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.published_date DESC NULLS LAST, a.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        if offset:
            sql += " OFFSET ?"
            params.append(int(offset))
        return self._dicts(sql, params)

    def counts(self) -> dict[str, int]:
        """Row count of every core table."""
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def stats(self, top: int = 10) -> dict[str, Any]:
        """Aggregates for a summary: outlets, languages, dates, event types, top dyads."""
        con = self.con

        def pairs(sql: str) -> list[tuple[Any, ...]]:
            """Rows of an aggregate; a ``LIMIT ?`` takes ``top``."""
            return [tuple(r) for r in con.execute(sql, [top] if sql.endswith("LIMIT ?") else []).fetchall()]

        first, last = con.execute("SELECT min(published_date), max(published_date) FROM articles").fetchone()
        return {
            "counts": self.counts(),
            "published_range": (
                first.isoformat() if first else None, last.isoformat() if last else None
            ),
            "outlets": pairs(
                "SELECT coalesce(outlet, '(unknown)') o, count(*) n FROM articles GROUP BY o"
                " ORDER BY n DESC, o LIMIT ?"
            ),
            "languages": pairs(
                "SELECT coalesce(language, '(unknown)') l, count(*) n FROM articles"
                " GROUP BY l ORDER BY n DESC, l"
            ),
            "flags": pairs(
                "SELECT f, count(*) n FROM (SELECT unnest(flags) f FROM articles)"
                " GROUP BY f ORDER BY n DESC, f"
            ),
            "event_types": pairs("SELECT type, count(*) n FROM events GROUP BY type ORDER BY n DESC, type"),
            "factuality": pairs(
                "SELECT coalesce(factuality, '?') f, count(*) n FROM events GROUP BY f ORDER BY n DESC, f"
            ),
            "dyads": pairs(
                "SELECT a_code, r_code, count(*) n FROM ("
                " SELECT unnest(CASE WHEN len(actor_codes) > 0 THEN actor_codes ELSE ['?'] END) a_code,"
                "  unnest(CASE WHEN len(recipient_codes) > 0 THEN recipient_codes ELSE ['-'] END) r_code"
                " FROM (SELECT actor_codes, recipient_codes FROM events"
                "  WHERE factuality IS NULL OR factuality NOT IN ('hypothetical', 'negated')))"
                " GROUP BY a_code, r_code ORDER BY n DESC, a_code, r_code LIMIT ?"
            ),
            "actors": pairs(
                "SELECT c, count(*) n FROM (SELECT unnest(actor_codes) c FROM events"
                "  WHERE factuality IS NULL OR factuality NOT IN ('hypothetical', 'negated'))"
                " GROUP BY c ORDER BY n DESC, c LIMIT ?"
            ),
        }

    # -- export --------------------------------------------------------------------
    def export_events(self, path: str | os.PathLike[str], fmt: str, **filters: Any) -> int:
        """Write the events matching ``filters`` (as for :meth:`events`) to a file; returns the count.

        csv: one flat row per event (codes joined by ";", nested fields as JSON);
        jsonl: one nested JSON object per event; parquet: typed columns, lists kept.
        """
        if fmt not in EVENT_EXPORT_FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(EVENT_EXPORT_FORMATS)}")
        if fmt == "parquet":
            sql, params = self._event_query(**filters)
            rel = self.con.sql(sql, params=params)
            rel.write_parquet(str(path))
            return self.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
        rows = self.events(**filters)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            if fmt == "jsonl":
                write_jsonl(rows, fh)
            else:
                write_csv(rows, fh)
        return len(rows)


CSV_COLUMNS = (
    "id", "article_id", "day", "date", "date_precision", "type", "mode", "actor_codes", "recipient_codes",
    "actor_names", "recipient_names", "factuality", "quote", "confidence", "context", "location", "evidence",
    "pattern", "outlet", "published", "title", "url",
)


def flat_event(ev: dict[str, Any]) -> dict[str, Any]:
    """One event dict (from :meth:`Store.events`) as a flat CSV row."""
    def names(ents: list[dict[str, Any]] | None) -> str:
        return "; ".join((e.get("name") or e.get("text") or "") for e in ents or [])

    loc = ev.get("location") or None
    return {
        **{k: ev.get(k) for k in CSV_COLUMNS if k in ev},
        "actor_codes": ";".join(ev.get("actor_codes") or []),
        "recipient_codes": ";".join(ev.get("recipient_codes") or []),
        "actor_names": names(ev.get("actor")),
        "recipient_names": names(ev.get("recipient")),
        "context": ";".join(ev.get("context") or []),
        "location": (loc.get("name") or loc.get("text")) if isinstance(loc, dict) else None,
        "evidence": " | ".join(s.get("text", "") for s in ev.get("evidence") or []),
    }


def write_csv(rows: Iterable[dict[str, Any]], fh: io.TextIOBase | Any) -> None:
    writer = csv.DictWriter(fh, fieldnames=list(CSV_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for ev in rows:
        writer.writerow(flat_event(ev))


def write_jsonl(rows: Iterable[dict[str, Any]], fh: io.TextIOBase | Any) -> None:
    for ev in rows:
        fh.write(json.dumps(ev, ensure_ascii=False) + "\n")


def _raise_if_interrupt(exc: BaseException) -> None:
    """Ctrl-C during a query reaches Python as a DuckDB error; turn it back into KeyboardInterrupt."""
    if isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()
    ):
        raise KeyboardInterrupt from exc


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, without letting a failed rollback hide the error that caused it."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"cannot store: {text}"


# Re-exported for callers that want the hash the store compares.
__all__ += ["content_hash", "flat_event", "write_csv", "write_jsonl"]
