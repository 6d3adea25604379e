-- Personal API keys for the OpenAI-compatible `/v1` API: one row per key, projected from the
-- owner's `user` stream (ApiKeyCreated, ApiKeyRevoked; the account's deletion removes them).
-- Only the secret's SHA-256 is kept; `prefix` is the short visible start (`cbf-` + 8 characters).
-- The usage columns come from the chats the key started (`usage`, like the user's counters).
CREATE TABLE api_key (
    id                CHAR(36)        NOT NULL PRIMARY KEY,   -- the key's own id
    user_id           CHAR(36)        NOT NULL,
    name              VARCHAR(100)    NOT NULL,
    prefix            VARCHAR(16)     NOT NULL,
    secret_hash       CHAR(64)        NOT NULL,               -- hex SHA-256 of the whole secret
    created_at        DATETIME(6)     NOT NULL,
    expires_at        DATETIME(6)     NULL,
    revoked_at        DATETIME(6)     NULL,
    revoked_by        VARCHAR(16)     NULL,                   -- user, admin, blocked
    last_used_at      DATETIME(6)     NULL,                   -- the last prompt sent with it
    prompts           INT UNSIGNED    NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    completion_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
    UNIQUE INDEX ux_api_key_secret (secret_hash),
    INDEX ix_api_key_user (user_id, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Where a chat came from: the web app, or an API call (`api_key` names the key that started it).
ALTER TABLE chat
    ADD COLUMN source  VARCHAR(8) NOT NULL DEFAULT 'web',
    ADD COLUMN api_key CHAR(36)   NULL;

-- API prompts a day (also counted in `prompts`).
ALTER TABLE daily_stats ADD COLUMN api_prompts INT UNSIGNED NOT NULL DEFAULT 0;
