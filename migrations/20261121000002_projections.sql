-- Projections: read models kept in the same transaction as each append. All values come from
-- events (ids, timestamps, positions), so `replay` rebuilds identical rows.

CREATE TABLE `user` (
    id                CHAR(36)     NOT NULL PRIMARY KEY,
    username          VARCHAR(64)  NOT NULL,
    password          VARCHAR(255) NOT NULL,          -- argon2id PHC string
    email             VARCHAR(254) NOT NULL,
    date              DATETIME(6)  NOT NULL,          -- joined
    verified          BOOLEAN      NOT NULL DEFAULT FALSE,
    blocked           BOOLEAN      NOT NULL DEFAULT FALSE,
    block_reason      VARCHAR(500) NULL,
    daily_prompt_quota INT UNSIGNED NOT NULL DEFAULT 0,  -- 0 = unlimited
    last_active       DATETIME(6)  NULL,
    chats             INT UNSIGNED NOT NULL DEFAULT 0,
    prompts           INT UNSIGNED NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    completion_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
    version           BIGINT UNSIGNED NOT NULL,       -- last sequence of the user's stream
    CONSTRAINT uq_user_username UNIQUE (username),
    CONSTRAINT uq_user_email UNIQUE (email),
    INDEX ix_user_date (date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE chat (
    id            CHAR(36)     NOT NULL PRIMARY KEY,
    user_id       CHAR(36)     NOT NULL,
    date          DATETIME(6)  NOT NULL,              -- started
    title         VARCHAR(200) NOT NULL,
    title_source  VARCHAR(16)  NOT NULL,              -- prompt, model or user
    model         VARCHAR(100) NOT NULL,              -- remembered choice of the picker
    prompts       INT UNSIGNED NOT NULL DEFAULT 0,
    prompt_limit  INT UNSIGNED NULL,                  -- admin override; NULL = global default
    prompt_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
    completion_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
    updated_at    DATETIME(6)  NOT NULL,
    version       BIGINT UNSIGNED NOT NULL,
    INDEX ix_chat_user_updated (user_id, updated_at, id),
    INDEX ix_chat_updated (updated_at),
    FULLTEXT INDEX ft_chat_title (title)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE chat_history (
    id                BIGINT UNSIGNED NOT NULL PRIMARY KEY,  -- position of the creating event
    chat_id           CHAR(36)     NOT NULL,
    role              VARCHAR(16)  NOT NULL,                 -- user or assistant
    content           MEDIUMTEXT   NOT NULL,
    date              DATETIME(6)  NOT NULL,
    `rank`            INT UNSIGNED NOT NULL,                 -- 1, 2, 3 ... within the chat
    status            VARCHAR(16)  NOT NULL,                 -- complete, streaming, stopped, failed
    model             VARCHAR(100) NULL,
    prompt_tokens     INT UNSIGNED NULL,
    completion_tokens INT UNSIGNED NULL,
    finish_reason     VARCHAR(32)  NULL,
    error             VARCHAR(500) NULL,
    latency_ms        INT UNSIGNED NULL,
    ttft_ms           INT UNSIGNED NULL,
    instance_id       CHAR(36)     NULL,                     -- app instance producing a stream
    CONSTRAINT uq_chat_history_rank UNIQUE (chat_id, `rank`),
    INDEX ix_chat_history_status (status),
    FULLTEXT INDEX ft_chat_history_content (content)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Admin-editable settings (global default prompt limit, ...), as data from `settings` events.
CREATE TABLE setting (
    name  VARCHAR(64)  NOT NULL PRIMARY KEY,
    value VARCHAR(500) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Models offered in the picker: upstream models, the local model, and (later) PDF models.
CREATE TABLE model (
    id         VARCHAR(100) NOT NULL PRIMARY KEY,
    name       VARCHAR(200) NOT NULL,             -- label shown in the picker
    file       VARCHAR(500) NULL,                 -- the PDF behind a PDF model
    vector     VARCHAR(200) NULL,                 -- its LanceDB table
    date       DATETIME(6)  NOT NULL,
    kind       VARCHAR(16)  NOT NULL,             -- upstream, local, pdf
    enabled    BOOLEAN      NOT NULL DEFAULT TRUE,
    is_default BOOLEAN      NOT NULL DEFAULT FALSE,
    position   INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Usage, pre-aggregated per UTC day so the dashboard never scans messages.
CREATE TABLE daily_stats (
    day               DATE NOT NULL PRIMARY KEY,
    new_users         INT UNSIGNED NOT NULL DEFAULT 0,
    active_users      INT UNSIGNED NOT NULL DEFAULT 0,
    chats             INT UNSIGNED NOT NULL DEFAULT 0,
    prompts           INT UNSIGNED NOT NULL DEFAULT 0,
    answers           INT UNSIGNED NOT NULL DEFAULT 0,
    failed_answers    INT UNSIGNED NOT NULL DEFAULT 0,
    stopped_answers   INT UNSIGNED NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    completion_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE daily_user_activity (
    day               DATE     NOT NULL,
    user_id           CHAR(36) NOT NULL,
    prompts           INT UNSIGNED NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    completion_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id),
    INDEX ix_daily_user_activity_user (user_id, day)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE daily_model_stats (
    day               DATE NOT NULL,
    model             VARCHAR(100) NOT NULL,
    prompts           INT UNSIGNED NOT NULL DEFAULT 0,
    answers           INT UNSIGNED NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    completion_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (day, model)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Every event an admin caused, newest first on the audit page.
CREATE TABLE audit_log (
    position    BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    actor       VARCHAR(100) NOT NULL,
    action      VARCHAR(64)  NOT NULL,
    stream_type VARCHAR(32)  NOT NULL,
    stream_id   VARCHAR(64)  NOT NULL,
    details     TEXT         NOT NULL,
    date        DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
