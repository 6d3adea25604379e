-- State that is not history: admin logins (seeded from .env), device sessions, one-time
-- tokens, rate-limit counters and running app instances.

CREATE TABLE admin (
    id       INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64)  NOT NULL,
    password VARCHAR(255) NOT NULL,
    email    VARCHAR(254) NOT NULL,
    date     DATETIME(6)  NOT NULL,
    CONSTRAINT uq_admin_username UNIQUE (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE session (
    id           CHAR(64)    NOT NULL PRIMARY KEY,   -- sha256 of the cookie's key
    user_id      CHAR(36)    NULL,
    admin_id     INT UNSIGNED NULL,
    state        TEXT        NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL,
    INDEX ix_session_user (user_id),
    INDEX ix_session_admin (admin_id),
    INDEX ix_session_last_seen (last_seen_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE email_token (
    token_hash CHAR(64)    NOT NULL PRIMARY KEY,     -- sha256 of the token in the link
    user_id    CHAR(36)    NOT NULL,
    purpose    VARCHAR(16) NOT NULL,                 -- verify or reset
    email      VARCHAR(254) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at    DATETIME(6) NULL,
    INDEX ix_email_token_user (user_id, purpose, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE rate_limit (
    bucket       VARCHAR(191) NOT NULL,
    window_start DATETIME     NOT NULL,
    hits         INT UNSIGNED NOT NULL,
    PRIMARY KEY (bucket, window_start),
    INDEX ix_rate_limit_window (window_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE app_instance (
    id           CHAR(36)    NOT NULL PRIMARY KEY,
    started_at   DATETIME(6) NOT NULL,
    heartbeat_at DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
