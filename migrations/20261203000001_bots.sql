-- Users' own chatbots: one row per `bot/<uuid>` stream (`bots::projection`); chats call a bot
-- `bot:<id>`. A deleted bot keeps its row (deleted = TRUE): its chats still name it.
CREATE TABLE bot (
    id                   CHAR(36)        NOT NULL PRIMARY KEY,   -- the stream id
    owner                CHAR(36)        NOT NULL,               -- the user who made it
    name                 VARCHAR(80)     NOT NULL,
    description          TEXT            NOT NULL,
    instructions         TEXT            NOT NULL,               -- its system prompt (owner only)
    instructions_version INT UNSIGNED    NOT NULL,               -- 1, then +1 per change
    base_model           VARCHAR(100)    NOT NULL,               -- the model that writes answers
    emoji                VARCHAR(16)     NOT NULL,
    color                VARCHAR(16)     NOT NULL,               -- one of bots::events::COLORS
    starters             TEXT            NOT NULL,               -- JSON array of strings
    knowledge_model      CHAR(36)        NULL,                   -- the PDF model reading its PDF
    knowledge_file       VARCHAR(255)    NULL,                   -- the PDF's name, display only
    knowledge_bytes      BIGINT UNSIGNED NULL,
    shared               BOOLEAN         NOT NULL DEFAULT FALSE,
    disabled_reason      VARCHAR(500)    NULL,                   -- set while the admin disables it
    deleted              BOOLEAN         NOT NULL DEFAULT FALSE,
    created_at           DATETIME(6)     NOT NULL,
    updated_at           DATETIME(6)     NOT NULL,
    INDEX ix_bot_owner (owner)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
