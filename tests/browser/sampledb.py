"""Build a small store for the API and browser tests from the shared seeds.

Why: the API must be exercised on real articles. The real pipeline is used when
its stages are installed (ingest -> clean -> nlp -> events -> Store.upsert, then
``pantau.stories.update``); whatever a stage has not produced yet is filled in
with plain SQL (events from the hand-annotated gold of the same articles, with
their evidence located in the stored text), so the API and dashboard have
something to show at every stage of the project.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
INPUTS = [SHARED / "seeds" / "seeds.jsonl", SHARED / "eval" / "dev_articles.jsonl"]
GOLD = [SHARED / "eval" / "gold" / "seeds.jsonl", SHARED / "eval" / "gold" / "dev.jsonl"]

# Test-only places for the map fallback: an actor's capital.
CAPITALS = {
    "RUS": ("Moskwa", 55.75, 37.62),
    "UKR": ("Kyiv", 50.45, 30.52),
    "USA": ("Washington", 38.9, -77.04),
    "CHN": ("Beijing", 39.9, 116.4),
    "IDN": ("Jakarta", -6.2, 106.85),
    "PRK": ("Pyongyang", 39.03, 125.75),
    "ISR": ("Yerusalem", 31.78, 35.22),
    "PSE": ("Gaza", 31.5, 34.47),
    "IRN": ("Teheran", 35.69, 51.39),
    "NATO": ("Brussel", 50.85, 4.35),
}
QUAD = {
    "AGREE": 1,
    "CONSULT": 1,
    "SUPPORT": 1,
    "CONCEDE": 1,
    "COOPERATE": 2,
    "AID": 2,
    "RETREAT": 2,
    "REQUEST": 3,
    "ACCUSE": 3,
    "REJECT": 3,
    "THREATEN": 3,
    "SANCTION": 3,
    "PROTEST": 4,
    "MOBILIZE": 4,
    "COERCE": 4,
    "ASSAULT": 4,
}


def available() -> bool:
    return all(p.exists() for p in INPUTS + GOLD)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def _ingest_real(path: Path) -> bool:
    """Run the real pipeline; False when a stage is missing."""
    try:
        from pantau.ingest import read_inputs
        from pantau.pipeline import process_all
        from pantau.store import Store
    except ImportError:
        return False
    store = Store(str(path))
    for res in process_all(read_inputs([str(p) for p in INPUTS])):
        if hasattr(res, "article"):
            store.upsert(res)
    try:
        from pantau import stories

        stories.update(store)
    except (ImportError, AttributeError):
        pass
    close = getattr(store, "close", None) or getattr(store.con, "close", None)
    if close:
        close()
    return True


def _fill_articles(con: duckdb.DuckDBPyConnection) -> None:
    for p in INPUTS:
        for line in p.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            text = d["text"]
            title = d.get("title") or text.strip().split("\n", 1)[0][:120]
            removed = [
                {"text": ln, "rule": "furniture", "line": i}
                for i, ln in enumerate(text.split("\n"))
                if ln.startswith(("Baca Juga", "Baca juga"))
            ]
            con.execute(
                "INSERT INTO articles (id, url, title, published, published_date, outlet, text, removed, "
                "language, source) VALUES (?, ?, ?, ?, TRY_CAST(? AS DATE), ?, ?, ?, 'id', ?)",
                [
                    d["id"],
                    d.get("url"),
                    title,
                    d.get("published"),
                    (d.get("published") or "")[:10],
                    d.get("outlet") or ("Kontan" if "KONTAN" in text else "Seeds"),
                    text,
                    json.dumps(removed),
                    p.name,
                ],
            )


def _fill_entities_quotes(con: duckdb.DuckDBPyConnection) -> None:
    names = {
        "Rusia": ("RUS", "LOC"),
        "Ukraina": ("UKR", "LOC"),
        "Amerika Serikat": ("USA", "LOC"),
        "China": ("CHN", "LOC"),
        "Putin": ("RUS", "PER"),
        "NATO": ("NATO", "ORG"),
    }
    for aid, text in con.execute("SELECT id, text FROM articles").fetchall():
        idx = 0
        for name, (code, label) in names.items():
            for m in re.finditer(rf"\b{re.escape(name)}\b", text):
                con.execute(
                    'INSERT INTO entities (article_id, idx, text, label, start, "end", code, sector, name) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'GOV', ?)",
                    [aid, idx, name, label, m.start(), m.end(), code, name],
                )
                idx += 1
        for i, m in enumerate(re.finditer(r"[\"“]([^\"”\n]{20,400})[\"”]", text)):
            con.execute(
                'INSERT INTO quotes (id, article_id, text, speaker, speaker_code, cue, start, "end", direct) '
                "VALUES (?, ?, ?, NULL, 'RUS', 'kata', ?, ?, TRUE)",
                [f"{aid}:q{i}", aid, m.group(1), m.start(1), m.end(1)],
            )


def _day(value: str | None) -> str | None:
    """Gold dates may be a month ("2022-09") or a week: take a day in it, or None."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$", value or "")
    if not m:
        return None
    return f"{m.group(1)}-{m.group(2) or '01'}-{m.group(3) or '01'}"


def _fill_events(con: duckdb.DuckDBPyConnection) -> None:
    texts = dict(con.execute("SELECT id, text FROM articles").fetchall())
    pub = dict(con.execute("SELECT id, published_date FROM articles").fetchall())
    for g in GOLD:
        for line in g.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            text = texts.get(d["id"])
            if text is None:
                continue
            for i, e in enumerate(d["events"]):
                ev = e.get("evidence") or ""
                start = text.find(ev) if ev else -1
                evidence = [{"start": start, "end": start + len(ev), "text": ev}] if start >= 0 else []
                actor = [
                    {"text": c, "label": "ACTOR", "code": c, "sector": e.get("actor_sector")}
                    for c in e["actor"]
                ]
                recipient = [{"text": c, "label": "ACTOR", "code": c} for c in e.get("recipient") or []]
                place = CAPITALS.get((e.get("recipient") or e["actor"] or ["?"])[0])
                location = (
                    {"text": place[0], "name": place[0], "lat": place[1], "lon": place[2]} if place else None
                )
                con.execute(
                    "INSERT INTO events (id, article_id, type, mode, context, actor, recipient, actor_codes, "
                    "recipient_codes, date, date_precision, location, factuality, evidence, quote, "
                    "confidence, "
                    "pattern) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'day', ?, ?, ?, FALSE, 0.9, ?)",
                    [
                        f"{d['id']}:e{i}",
                        d["id"],
                        e["type"],
                        e.get("mode"),
                        e.get("context") or [],
                        json.dumps(actor),
                        json.dumps(recipient),
                        e["actor"],
                        e.get("recipient") or [],
                        _day(e.get("date")) or pub[d["id"]],
                        json.dumps(location) if location else None,
                        e.get("factuality") or "asserted",
                        json.dumps(evidence),
                        "gold-fixture",
                    ],
                )


def _fill_locations(con: duckdb.DuckDBPyConnection) -> None:
    """Place events at the capital of their first recipient (else actor) when no stage geocoded them."""
    rows = con.execute("SELECT id, actor_codes, recipient_codes FROM events").fetchall()
    for eid, actors, recipients in rows:
        place = CAPITALS.get(((recipients or []) + (actors or []) + ["?"])[0])
        if place:
            loc = {"text": place[0], "name": place[0], "lat": place[1], "lon": place[2]}
            con.execute("UPDATE events SET location = ? WHERE id = ?", [json.dumps(loc), eid])


def _fill_stories(con: duckdb.DuckDBPyConnection) -> None:
    """One story per publication week; within it the later articles are 'syndicated' from the first."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS stories (id VARCHAR, title VARCHAR, first_date DATE, last_date DATE, "
        "n_articles INTEGER, n_outlets INTEGER, outlets VARCHAR[], main_actors VARCHAR[], updated_at "
        "TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS story_articles (story_id VARCHAR, article_id VARCHAR, "
        "similarity DOUBLE, added_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS duplicates (article_id VARCHAR, original_id VARCHAR, "
        "similarity DOUBLE, relation VARCHAR)"
    )
    con.execute(
        "INSERT INTO story_articles SELECT 's' || strftime(date_trunc('week', published_date), "
        "'%Y%m%d'), id, "
        "0.8, now() FROM articles"
    )
    con.execute(
        "INSERT INTO stories SELECT sa.story_id, arg_min(a.title, a.published_date), min(a.published_date), "
        "max(a.published_date), count(*), count(DISTINCT a.outlet), list(DISTINCT a.outlet), "
        "['RUS', 'UKR'], now() FROM story_articles sa JOIN articles a ON a.id = sa.article_id GROUP BY 1"
    )
    con.execute(
        "INSERT INTO duplicates SELECT a.id, o.id, 0.7, 'syndicated' FROM story_articles sa "
        "JOIN articles a ON a.id = sa.article_id JOIN (SELECT story_id, arg_min(article_id, "
        "article_id) AS id "
        "FROM story_articles GROUP BY 1) o ON o.story_id = sa.story_id WHERE a.id <> o.id"
    )


def _fill_canonical(con: duckdb.DuckDBPyConnection) -> None:
    """Events of one type, actors and story are one canonical event (a crude stand-in for helper F's)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS canonical_events (id VARCHAR, type VARCHAR, mode VARCHAR, "
        "actor_codes VARCHAR[], recipient_codes VARCHAR[], date DATE, date_precision VARCHAR, "
        "location_name VARCHAR, story_id VARCHAR, n_mentions INTEGER, n_sources INTEGER, sources VARCHAR[], "
        "cbrn BOOLEAN, intensity DOUBLE, first_evidence VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS event_mentions (canonical_id VARCHAR, event_id VARCHAR, "
        "article_id VARCHAR)"
    )
    con.execute(
        "CREATE TEMP TABLE ck AS SELECT e.id AS event_id, e.article_id, sa.story_id, "
        "'c' || md5(sa.story_id || e.type || list_sort(e.actor_codes)::VARCHAR)[:12] AS cid FROM events e "
        "JOIN story_articles sa ON sa.article_id = e.article_id"
    )
    con.execute("INSERT INTO event_mentions SELECT cid, event_id, article_id FROM ck")
    con.execute(
        "INSERT INTO canonical_events SELECT ck.cid, any_value(e.type), any_value(e.mode), "
        "any_value(e.actor_codes), any_value(e.recipient_codes), min(e.date), 'day', NULL, "
        "any_value(ck.story_id), "
        "count(*), count(DISTINCT a.outlet), list(DISTINCT a.outlet), "
        "bool_or(list_contains(e.context, 'cbrn')), "
        "1.0, any_value(json_extract_string(e.evidence, '$[0].text')) FROM ck JOIN events e ON e.id "
        "= ck.event_id "
        "JOIN articles a ON a.id = e.article_id GROUP BY ck.cid"
    )


INDEX_SQL = """
CREATE TABLE IF NOT EXISTS escalation_index AS
WITH pairs AS (
    SELECT e.type, coalesce(e.date, a.published_date) AS day, list_contains(e.context, 'cbrn') AS cbrn,
           unnest(e.actor_codes) AS x, e.recipient_codes
    FROM events e JOIN articles a ON a.id = e.article_id WHERE e.factuality IN ('asserted', 'future')
), d AS (
    SELECT type, day, cbrn, x, unnest(recipient_codes) AS y FROM pairs
)
SELECT least(x, y) || '-' || greatest(x, y) AS dyad, day,
       sum(CASE WHEN type IN ('PROTEST','MOBILIZE','COERCE','ASSAULT') THEN 4
                WHEN type IN ('REQUEST','ACCUSE','REJECT','THREATEN','SANCTION') THEN 2 ELSE -1 END)::DOUBLE
           AS score,
       count(*) FILTER (WHERE type IN ('REQUEST','ACCUSE','REJECT','THREATEN','SANCTION','PROTEST','MOBILIZE',
                                       'COERCE','ASSAULT'))::DOUBLE AS conflict,
       count(*) FILTER (WHERE type IN
           ('AGREE','CONSULT','SUPPORT','CONCEDE','COOPERATE','AID','RETREAT'))::DOUBLE
           AS cooperation,
       count(*) FILTER (WHERE cbrn)::DOUBLE AS cbrn,
       count(*)::INTEGER AS n_events
FROM d WHERE x <> y AND day IS NOT NULL GROUP BY ALL
"""

ALERTS_SQL = """
CREATE TABLE IF NOT EXISTS alerts AS
SELECT 'a' || row_number() OVER (ORDER BY day, dyad) AS id, dyad, day,
       CASE WHEN cbrn > 0 THEN 'cbrn' ELSE 'conflict' END AS channel, 'spike' AS kind,
       score AS value, 0.0::DOUBLE AS baseline, 3.0::DOUBLE AS z, []::VARCHAR[] AS event_ids
FROM escalation_index WHERE score >= (SELECT quantile_cont(score, 0.8) FROM escalation_index)
"""


def build(path: Path, *, use_pipeline: bool = True) -> dict[str, Any]:
    """Create the store at ``path``; returns what came from where (for test messages)."""
    how: dict[str, Any] = {"pipeline": False}
    if use_pipeline:
        how["pipeline"] = _ingest_real(path)
    from pantau.api.db import ensure_schema

    ensure_schema(path)
    con = duckdb.connect(str(path))
    try:
        if con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0:
            _fill_articles(con)
            how["articles"] = "fixture"
        if con.execute("SELECT count(*) FROM entities").fetchone()[0] == 0:
            _fill_entities_quotes(con)
            how["entities"] = "fixture"
        if con.execute("SELECT count(*) FROM events").fetchone()[0] == 0:
            _fill_events(con)
            how["events"] = "gold-fixture"
        if con.execute("SELECT count(*) FROM events WHERE location IS NOT NULL").fetchone()[0] == 0:
            _fill_locations(con)
            how["locations"] = "fixture"
        tables = _tables(con)
        if not {"stories", "story_articles", "duplicates"} <= tables:
            _fill_stories(con)
            how["stories"] = "fixture"
        if not {"canonical_events", "event_mentions"} <= _tables(con):
            _fill_canonical(con)
            how["canonical"] = "fixture"
        if "escalation_index" not in _tables(con):
            con.execute(INDEX_SQL)
            how["index"] = "fixture"
        if "alerts" not in _tables(con):
            con.execute(ALERTS_SQL)
            how["alerts"] = "fixture"
    finally:
        con.close()
    return how
