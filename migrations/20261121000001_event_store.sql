-- The append-only event log: the source of truth. Every projection can be rebuilt from it.
CREATE TABLE event (
    position      BIGINT UNSIGNED NOT NULL PRIMARY KEY,   -- global, gapless, commit-ordered
    stream_type   VARCHAR(32)  NOT NULL,
    stream_id     VARCHAR(64)  NOT NULL,
    sequence      BIGINT UNSIGNED NOT NULL,               -- 1, 2, 3 ... within the stream
    event_type    VARCHAR(64)  NOT NULL,
    event_version INT UNSIGNED NOT NULL,
    payload       JSON NOT NULL,
    metadata      JSON NOT NULL,                          -- actor, request id
    recorded_at   DATETIME(6) NOT NULL,
    CONSTRAINT uq_event_stream_sequence UNIQUE (stream_type, stream_id, sequence),
    INDEX ix_event_recorded_at (recorded_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- How far each group of projections has applied the log. Appends lock the `inline` row, which
-- makes positions gapless and commit-ordered (so catch-up readers never miss an event).
CREATE TABLE projection_checkpoint (
    name     VARCHAR(64) NOT NULL PRIMARY KEY,
    position BIGINT UNSIGNED NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO projection_checkpoint (name, position) VALUES ('inline', 0);
