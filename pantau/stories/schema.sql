-- Tables of the stories layer (pantau/stories). Applied with CREATE TABLE IF NOT EXISTS on the
-- Store's connection. The first eight are public (read by the API); story_* state tables are
-- the incremental clustering state: they let `update` add a day without recomputing history.

CREATE TABLE IF NOT EXISTS article_signatures (
    article_id     VARCHAR PRIMARY KEY,
    minhash        BLOB,            -- num_perm uint32 hash values, little-endian; NULL if too short
    published_date DATE,
    outlet         VARCHAR
);

CREATE TABLE IF NOT EXISTS duplicates (
    article_id  VARCHAR PRIMARY KEY,
    original_id VARCHAR,            -- root of the chain: the article others copy
    similarity  DOUBLE,             -- estimated Jaccard of word shingles
    relation    VARCHAR,            -- 'copy' | 'near_copy' | 'syndicated'
    matched_id  VARCHAR             -- the article it was matched to (the chain link)
);

CREATE TABLE IF NOT EXISTS stories (
    id          VARCHAR PRIMARY KEY,
    title       VARCHAR,
    first_date  DATE,
    last_date   DATE,
    n_articles  INTEGER,
    n_outlets   INTEGER,
    outlets     VARCHAR[],
    main_actors VARCHAR[],
    updated_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS story_articles (
    story_id   VARCHAR,
    article_id VARCHAR PRIMARY KEY,
    similarity DOUBLE,
    added_at   TIMESTAMP,
    content_hash VARCHAR,           -- the article's hash when clustered: a changed article is redone
    ingested_at  TIMESTAMP,         -- the article's ingested_at then: a re-analysed one is redone too
    reason       VARCHAR            -- JSON: why it joined (features, contributions, P) or started a story
);

CREATE TABLE IF NOT EXISTS canonical_events (
    id              VARCHAR PRIMARY KEY,
    type            VARCHAR,
    mode            VARCHAR,
    actor_codes     VARCHAR[],
    recipient_codes VARCHAR[],
    date            DATE,
    date_precision  VARCHAR,
    location_name   VARCHAR,
    story_id        VARCHAR,
    n_mentions      INTEGER,
    n_sources       INTEGER,
    sources         VARCHAR[],
    cbrn            BOOLEAN,
    intensity       DOUBLE,
    first_evidence  VARCHAR,
    day             DATE            -- the day it counts on in the index (date, else first report)
);

CREATE TABLE IF NOT EXISTS event_mentions (
    canonical_id VARCHAR,
    event_id     VARCHAR PRIMARY KEY,
    article_id   VARCHAR
);

CREATE TABLE IF NOT EXISTS escalation_index (
    dyad        VARCHAR,
    day         DATE,
    score       DOUBLE,
    conflict    DOUBLE,
    cooperation DOUBLE,
    cbrn        DOUBLE,
    n_events    INTEGER,
    n_conflict  INTEGER,            -- canonical events with negative intensity
    n_cooperation INTEGER,          -- canonical events with positive intensity
    n_cbrn      INTEGER,            -- canonical events in the nuclear / CBRN channel
    PRIMARY KEY (dyad, day)
);

CREATE TABLE IF NOT EXISTS alerts (
    id        VARCHAR PRIMARY KEY,
    dyad      VARCHAR,
    day       DATE,
    channel   VARCHAR,
    kind      VARCHAR,
    value     DOUBLE,
    baseline  DOUBLE,
    z         DOUBLE,
    event_ids VARCHAR[]
);

-- Incremental state (not part of the public interface).
CREATE TABLE IF NOT EXISTS story_state (
    story_id    VARCHAR PRIMARY KEY,
    norm2       DOUBLE,             -- squared norm of the sum of member vectors
    n           INTEGER,
    last_date   DATE,
    actor_counts JSON               -- {code: count} over members
);

CREATE TABLE IF NOT EXISTS story_vectors (
    article_id VARCHAR PRIMARY KEY,
    story_id   VARCHAR,
    day        DATE,
    idx        BLOB,                -- int32 feature indices
    val        BLOB                 -- float32 values (unit vector)
);

-- Work left by a bounded (interrupted) update: index days and alert dyads still to recompute.
CREATE TABLE IF NOT EXISTS story_pending (
    kind VARCHAR,                   -- 'day' | 'dyad'
    key  VARCHAR,                   -- the dyad (kind 'dyad')
    day  DATE
);

CREATE TABLE IF NOT EXISTS story_meta (
    key   VARCHAR PRIMARY KEY,
    value BLOB
);

CREATE TABLE IF NOT EXISTS story_skipped_events (
    event_id VARCHAR PRIMARY KEY,
    reason   VARCHAR,
    article_id VARCHAR
);

-- Articles whose event records are all attached to canonical events or skipped, as the article was stored
-- then (its ingested_at): the canonical catch-up looks only at the other articles' records (issue 24).
CREATE TABLE IF NOT EXISTS story_event_articles (
    article_id  VARCHAR PRIMARY KEY,
    ingested_at TIMESTAMP
);

-- Columns added after the first release (databases created before them get them here).
ALTER TABLE story_articles ADD COLUMN IF NOT EXISTS content_hash VARCHAR;
ALTER TABLE story_articles ADD COLUMN IF NOT EXISTS ingested_at TIMESTAMP;
ALTER TABLE story_skipped_events ADD COLUMN IF NOT EXISTS article_id VARCHAR;
ALTER TABLE story_articles ADD COLUMN IF NOT EXISTS reason VARCHAR;
