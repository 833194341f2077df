#!/usr/bin/env python3
"""Generate a large synthetic Pantau store for API benchmarks (default: 1 million events), with DuckDB SQL.

The store has the real schemas (pantau/store/schema.sql and pantau/stories/schema.sql, so the stories
stage can run on it): articles (one per 10 events), events with skewed actor codes, places and dates
over ten years, stories, an escalation index (dyad x day) computed from the events, and alerts. By default
canonical events are not built (the stories stage would attach every event on its next update: the heavy
case the API's ingest worker must keep bounded). ``--canonical`` builds them in SQL (seconds), so that the
stories stage finds nothing left to do: a store whose stories are caught up, as a long-running monitor's
is, for load tests with ingests arriving. Nothing in it is real news.

    python scripts/gen_events.py --out /tmp/pantau-1m.duckdb --events 1000000 [--canonical]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from pantau.store import derived

CODES = [
    "RUS",
    "UKR",
    "USA",
    "CHN",
    "IDN",
    "ISR",
    "PSE",
    "IRN",
    "PRK",
    "KOR",
    "JPN",
    "IND",
    "PAK",
    "TUR",
    "SYR",
    "IRQ",
    "SAU",
    "YEM",
    "AFG",
    "MMR",
    "PHL",
    "VNM",
    "MYS",
    "SGP",
    "AUS",
    "GBR",
    "FRA",
    "DEU",
    "POL",
    "TWN",
    "NATO",
    "UN",
    "EU",
    "ASEAN",
    "IAEA",
    "WST",
    "EGY",
    "LBN",
    "BLR",
    "GEO",
]
PLACES = [
    ("Kyiv", 50.45, 30.52),
    ("Moskwa", 55.75, 37.62),
    ("Washington", 38.9, -77.04),
    ("Beijing", 39.9, 116.4),
    ("Jakarta", -6.2, 106.85),
    ("Gaza", 31.5, 34.47),
    ("Teheran", 35.69, 51.39),
    ("Pyongyang", 39.03, 125.75),
    ("Seoul", 37.57, 126.98),
    ("Tokyo", 35.68, 139.69),
    ("New Delhi", 28.61, 77.21),
    ("Ankara", 39.93, 32.86),
    ("Damaskus", 33.51, 36.29),
    ("Baghdad", 33.31, 44.36),
    ("Sanaa", 15.37, 44.19),
    ("Kabul", 34.53, 69.17),
    ("Naypyidaw", 19.76, 96.08),
    ("Manila", 14.6, 120.98),
    ("Hanoi", 21.03, 105.85),
    ("Brussel", 50.85, 4.35),
    ("Taipei", 25.03, 121.57),
    ("Kharkiv", 49.99, 36.23),
    ("Odesa", 46.48, 30.72),
    ("Laut China Selatan", 12.0, 114.0),
]
TYPES = [
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    "SANCTION",
    "PROTEST",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
]
OUTLETS = [
    "Kompas.com",
    "detik.com",
    "CNN Indonesia",
    "Tempo.co",
    "Antara",
    "Kontan",
    "Republika",
    "Liputan6",
    "TribunNews",
    "Sindonews",
    "Okezone",
    "Suara.com",
]


def attach_canonical(con: duckdb.DuckDBPyConnection) -> None:
    """Canonical events as a caught-up stories stage leaves them, built in SQL instead of by matching.

    Each counted record (factuality in ``count_factuality``, with a type) is a mention of the canonical
    event of its story, type, codes and date; the others are skipped with the stage's reason. Why not run
    the stage: on a million records its matching takes over half an hour, and the load test needs a store
    where the next stories update has only the new articles to do. Intensity and the CBRN channel come from
    escalation.yaml, as the stage computes them (the generated events have no mode)."""
    from pantau.stories.canonical import intensity
    from pantau.stories.common import config

    cfg = config()
    counted = list(cfg["count_factuality"])
    weights = {t: intensity(t, None) for t in TYPES}
    con.execute(
        "CREATE TEMP TABLE weights AS SELECT unnest(?) AS type, unnest(?) AS intensity",
        [list(weights), list(weights.values())],
    )
    con.execute(
        """
        CREATE TEMP TABLE mentions AS
        SELECT e.id AS event_id, e.article_id, sa.story_id, a.outlet, e.type, e.mode, e.actor_codes,
               e.recipient_codes, e.date, e.date_precision, json_extract_string(e.location, '$.name') AS loc,
               list_has_any(e.context, ?) AS cbrn, json_extract_string(e.evidence, '$[0].text') AS evidence,
               'ce-' || substr(md5(concat_ws('|', sa.story_id, e.type, array_to_string(e.actor_codes, ','),
                   array_to_string(e.recipient_codes, ','), e.date)), 1, 16) AS cid
        FROM events e JOIN articles a ON a.id = e.article_id
        LEFT JOIN story_articles sa ON sa.article_id = e.article_id
        WHERE e.factuality IN (SELECT unnest(?)) AND e.type IS NOT NULL
        """,
        [list(cfg["cbrn_contexts"]), counted],
    )
    con.execute(
        """
        INSERT INTO canonical_events (id, type, mode, actor_codes, recipient_codes, date, date_precision,
            location_name, story_id, n_mentions, n_sources, sources, cbrn, intensity, first_evidence, day)
        SELECT cid, any_value(m.type), any_value(mode), list_sort(list_distinct(flatten(list(actor_codes)))),
               list_sort(list_distinct(flatten(list(recipient_codes)))), min(date), 'day', min(loc),
               any_value(story_id), count(*), count(DISTINCT outlet), list_sort(list_distinct(list(outlet))),
               bool_or(cbrn), any_value(w.intensity), min(evidence), min(date)
        FROM mentions m JOIN weights w ON w.type = m.type GROUP BY cid
        """
    )
    con.execute("INSERT INTO event_mentions (canonical_id, event_id, article_id) "
                "SELECT cid, event_id, article_id FROM mentions")
    con.execute(
        "INSERT INTO story_skipped_events (event_id, reason, article_id) "
        "SELECT id, CASE WHEN type IS NULL THEN 'no type' ELSE 'factuality:' || factuality END, article_id "
        "FROM events WHERE id NOT IN (SELECT event_id FROM mentions)"
    )
    # every article's records are now handled: marked as the stage marks them, so its next update reads
    # only new articles' records (pantau.stories.canonical)
    con.execute("INSERT INTO story_event_articles (article_id, ingested_at) "
                "SELECT id, ingested_at FROM articles")
    con.execute("DROP TABLE mentions")
    con.execute("DROP TABLE weights")


def generate(out: Path, n_events: int, seed: float = 0.42, *, canonical: bool = False) -> dict[str, float]:
    """Write the store; returns seconds per step."""
    from pantau.api.db import ensure_schema
    from pantau.stories.common import ensure_schema as ensure_stories_schema

    if out.exists():
        out.unlink()
    ensure_schema(out)
    con = duckdb.connect(str(out))
    ensure_stories_schema(con)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    con.execute(f"SELECT setseed({seed})")
    n_articles = max(1, n_events // 10)
    con.execute(
        "CREATE TEMP TABLE codes AS SELECT unnest(?) AS code, generate_subscripts(?, 1) AS i", [CODES, CODES]
    )
    con.execute(
        """
        INSERT INTO articles (id, url, title, published, published_date, outlet, text, removed,
            language, source)
        SELECT 'a' || i, 'https://example.org/a' || i, 'Artikel sintetis ' || i,
               strftime(d, '%Y-%m-%d'), d, ?[1 + (i % ?)],
               'Teks sintetis artikel ' || i || '. Pihak A menyerang pihak B di sebuah kota.',
                   '[]', 'id', 'synthetic'
        FROM (SELECT i, DATE '2015-01-01' + CAST(floor(random() * 3650) AS INTEGER) AS d FROM range(?) t(i))
        """,
        [OUTLETS, len(OUTLETS), n_articles],
    )
    timings["articles"] = time.perf_counter() - t
    t = time.perf_counter()
    n_codes, n_places = len(CODES), len(PLACES)
    con.execute(
        "CREATE TEMP TABLE places AS SELECT p.name, p.lat, p.lon, row_number() OVER () AS i FROM "
        "(SELECT unnest(?) AS name, unnest(?) AS lat, unnest(?) AS lon) p",
        [[p[0] for p in PLACES], [p[1] for p in PLACES], [p[2] for p in PLACES]],
    )
    con.execute(
        f"""
        INSERT INTO events (id, article_id, type, mode, context, actor, recipient, actor_codes,
                            recipient_codes, date, date_precision, location, factuality, evidence, quote,
                            confidence, pattern)
        WITH r AS (
            SELECT i, i // 10 AS art,
                   1 + CAST(floor(pow(random(), 2.2) * {n_codes}) AS INTEGER) AS ai,
                   1 + CAST(floor(pow(random(), 1.8) * {n_codes}) AS INTEGER) AS ri,
                   1 + CAST(floor(random() * 16) AS INTEGER) AS ti,
                   1 + CAST(floor(pow(random(), 1.5) * {n_places}) AS INTEGER) AS pi,
                   random() AS u, random() AS c
            FROM range(?) t(i)
        )
        SELECT 'e' || r.i, 'a' || r.art, ?[r.ti], NULL,
               CASE WHEN r.u < 0.03 THEN ['cbrn', 'military'] ELSE ['military'] END,
               json_array(json_object('text', ?[r.ai], 'label', 'ACTOR', 'code', ?[r.ai], 'sector', 'GOV')),
               CASE WHEN r.u > 0.9 THEN '[]'::JSON
                    ELSE json_array(json_object('text', ?[r.ri], 'label', 'ACTOR', 'code', ?[r.ri])) END,
               [?[r.ai]], CASE WHEN r.u > 0.9 THEN []::VARCHAR[] ELSE [?[r.ri]] END,
               a.published_date - CAST(floor(r.c * 3) AS INTEGER), 'day',
               CASE WHEN r.u < 0.7 THEN json_object('text', p.name, 'name', p.name, 'lat', p.lat,
                   'lon', p.lon)
                    ELSE NULL END,
               CASE WHEN r.u > 0.97 THEN 'hypothetical' WHEN r.u > 0.94 THEN 'future' ELSE 'asserted' END,
               json_array(json_object('start', 23, 'end', 48, 'text', 'Pihak A menyerang pihak B')),
               r.c < 0.2, round(0.5 + r.c / 2, 3), 'synthetic:' || ?[r.ti]
        FROM r JOIN articles a ON a.id = 'a' || r.art JOIN places p ON p.i = r.pi
        """,
        [n_events, TYPES, CODES, CODES, CODES, CODES, CODES, CODES, TYPES],
    )
    timings["events"] = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(
        "INSERT INTO story_articles (story_id, article_id, similarity, added_at) "
        "SELECT 's' || (CAST(substr(id, 2) AS BIGINT) // 5), id, 0.8, now() FROM articles"
    )
    con.execute(
        "INSERT INTO stories (id, title, first_date, last_date, n_articles, n_outlets, outlets, main_actors, "
        "updated_at) SELECT sa.story_id, min(a.title), min(a.published_date), max(a.published_date), "
        "count(*), count(DISTINCT a.outlet), list(DISTINCT a.outlet), [], now() "
        "FROM story_articles sa JOIN articles a ON a.id = sa.article_id GROUP BY 1"
    )
    timings["stories"] = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(
        """
        INSERT INTO escalation_index (dyad, day, score, conflict, cooperation, cbrn, n_events)
        WITH d AS (
            SELECT least(actor_codes[1], recipient_codes[1]) || '-' || greatest(actor_codes[1],
                recipient_codes[1])
                       AS dyad, date AS day, type, list_contains(context, 'cbrn') AS cbrn
            FROM events WHERE len(recipient_codes) > 0 AND actor_codes[1] <> recipient_codes[1]
                AND factuality IN ('asserted', 'future')
        )
        SELECT dyad, day,
               sum(CASE WHEN type IN ('PROTEST','MOBILIZE','COERCE','ASSAULT') THEN -8
                        WHEN type IN ('REQUEST','ACCUSE','REJECT','THREATEN','SANCTION') THEN -3
                        WHEN type IN ('COOPERATE','AID','RETREAT') THEN 5 ELSE 2 END)::DOUBLE AS score,
               count(*) FILTER (WHERE type IN ('REQUEST','ACCUSE','REJECT','THREATEN','SANCTION','PROTEST',
                                               'MOBILIZE','COERCE','ASSAULT'))::DOUBLE AS conflict,
               count(*) FILTER (WHERE type IN ('AGREE','CONSULT','SUPPORT','CONCEDE','COOPERATE','AID',
                                               'RETREAT'))::DOUBLE AS cooperation,
               count(*) FILTER (WHERE cbrn)::DOUBLE AS cbrn,
               count(*)::INTEGER AS n_events
        FROM d GROUP BY ALL
        """
    )
    con.execute(
        """
        INSERT INTO alerts (id, dyad, day, channel, kind, value, baseline, z, event_ids)
        WITH z AS (
            SELECT dyad, day, conflict,
                   avg(conflict) OVER w AS baseline, stddev_pop(conflict) OVER w AS sd
            FROM escalation_index
            WINDOW w AS (PARTITION BY dyad ORDER BY day ROWS BETWEEN 60 PRECEDING AND 1 PRECEDING)
        )
        SELECT 'al' || row_number() OVER (ORDER BY day, dyad) AS id, dyad, day, 'conflict' AS channel,
               'spike' AS kind, conflict AS value, baseline, (conflict - baseline) / sd AS z,
                   []::VARCHAR[] AS event_ids
        FROM z WHERE sd > 0 AND (conflict - baseline) / sd > 4
        """
    )
    timings["index"] = time.perf_counter() - t
    if canonical:
        t = time.perf_counter()
        attach_canonical(con)
        timings["canonical"] = time.perf_counter() - t
    t = time.perf_counter()
    derived.ensure(con)  # typed location columns and count tables, as the store keeps them on write
    timings["derived"] = time.perf_counter() - t
    con.execute("CHECKPOINT")
    con.close()
    return timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/pantau-bench.duckdb"))
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument(
        "--canonical", action="store_true", help="build the canonical events (stories caught up; seconds)"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    timings = generate(args.out, args.events, canonical=args.canonical)
    con = duckdb.connect(str(args.out), read_only=True)
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("articles", "events", "stories", "escalation_index", "alerts", "canonical_events",
                  "event_mentions", "story_skipped_events", "story_event_articles")
    }
    con.close()
    print(
        f"wrote {args.out} in {time.perf_counter() - t0:.1f} s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in timings.items())})"
    )
    print("rows: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
