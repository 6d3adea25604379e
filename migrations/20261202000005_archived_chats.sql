-- Archived chats (`ChatArchived` / `ChatUnarchived` in the chat stream) leave the sidebar but
-- stay readable; the index keeps the sidebar's keyset paging on the index alone.
ALTER TABLE chat
    ADD COLUMN archived TINYINT(1) NOT NULL DEFAULT 0,
    ADD INDEX idx_chat_user_archived_updated (user_id, archived, updated_at, id);
