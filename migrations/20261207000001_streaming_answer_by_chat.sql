-- A group commit finishes several chats' answers in one statement, each found by its chat and
-- `status = 'streaming'` (chat::collect): with the status index alone the server read every
-- message of each chat (149 rows for a group of ~5 answers). The index keeps serving the
-- recovery's look-ups by status.
ALTER TABLE chat_history
    DROP INDEX ix_chat_history_status,
    ADD INDEX ix_chat_history_status (status, chat_id);
