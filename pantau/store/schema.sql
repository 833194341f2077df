-- Pantau store schema (DuckDB). One row per article; child tables keyed by article_id
-- are replaced together with their article in one transaction (see pantau/store).
-- Later stages (stories, index) add their own tables in their own modules.

CREATE TABLE IF NOT EXISTS articles (
    id                  VARCHAR PRIMARY KEY,
    url                 VARCHAR,
    title               VARCHAR,
    published           VARCHAR,      -- ISO date or datetime as given
    published_date      DATE,         -- day part, for range queries
    outlet              VARCHAR,
    authors             VARCHAR[],
    editors             VARCHAR[],
    dateline            VARCHAR,
    language            VARCHAR,
    language_confidence DOUBLE,
    flags               VARCHAR[],
    relevance           DOUBLE,       -- P(a political event), from the event coder; NULL: not scored
    text                VARCHAR,
    captions            VARCHAR[],
    removed             JSON,         -- [{text, rule, line}]
    source              VARCHAR,
    content_hash        VARCHAR,
    ingested_at         TIMESTAMP DEFAULT current_timestamp
);

-- stores made before the column (CREATE TABLE IF NOT EXISTS leaves an existing table as it is)
ALTER TABLE articles ADD COLUMN IF NOT EXISTS relevance DOUBLE;

CREATE TABLE IF NOT EXISTS attributions (
    article_id VARCHAR,
    outlet     VARCHAR
);

CREATE TABLE IF NOT EXISTS entities (
    article_id VARCHAR,
    idx        INTEGER,
    text       VARCHAR,
    label      VARCHAR,
    start      INTEGER,
    "end"      INTEGER,
    code       VARCHAR,
    sector     VARCHAR,
    name       VARCHAR,
    wikidata   VARCHAR
);

CREATE TABLE IF NOT EXISTS events (
    id              VARCHAR PRIMARY KEY,
    article_id      VARCHAR,
    type            VARCHAR,
    mode            VARCHAR,
    context         VARCHAR[],
    actor           JSON,          -- [Entity]
    recipient       JSON,          -- [Entity]
    actor_codes     VARCHAR[],
    recipient_codes VARCHAR[],
    date            DATE,
    date_precision  VARCHAR,
    location        JSON,          -- Location or null
    factuality      VARCHAR,
    evidence        JSON,          -- [{start, end, text}]
    quote           BOOLEAN,
    confidence      DOUBLE,
    pattern         VARCHAR
);

CREATE TABLE IF NOT EXISTS quotes (
    id           VARCHAR PRIMARY KEY,
    article_id   VARCHAR,
    text         VARCHAR,
    speaker      JSON,             -- Entity or null
    speaker_code VARCHAR,
    cue          VARCHAR,
    start        INTEGER,
    "end"        INTEGER,
    direct       BOOLEAN
);
