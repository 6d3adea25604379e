-- PDF models: the `model` projection keeps the user's columns (id, name, file, vector, date) and
-- gains what the admin's list shows. Rows of kind 'pdf' come from the `model/<uuid>` streams.
ALTER TABLE model
    ADD COLUMN description          TEXT             NULL,
    ADD COLUMN instructions         TEXT             NULL,
    ADD COLUMN instructions_version INT UNSIGNED     NULL,
    ADD COLUMN base_model           VARCHAR(100)     NULL,
    ADD COLUMN status               VARCHAR(16)      NULL,   -- new, ingesting, ready, failed, deleted
    ADD COLUMN pages                INT UNSIGNED     NULL,
    ADD COLUMN chunks               INT UNSIGNED     NULL,
    ADD COLUMN pdf_bytes            BIGINT UNSIGNED  NULL,
    ADD COLUMN sha256               CHAR(64)         NULL,
    ADD COLUMN original_name        VARCHAR(255)     NULL,
    ADD COLUMN embedder             VARCHAR(200)     NULL,
    ADD COLUMN dimension            INT UNSIGNED     NULL,
    ADD COLUMN error_code           VARCHAR(32)      NULL,
    ADD COLUMN error_detail         VARCHAR(500)     NULL,
    ADD COLUMN launched_at          DATETIME(6)      NULL,
    ADD COLUMN updated_at           DATETIME(6)      NULL;

-- The passages a PDF model's answer cites ([Sn] → page), as JSON; NULL for other answers.
ALTER TABLE chat_history ADD COLUMN sources TEXT NULL;
