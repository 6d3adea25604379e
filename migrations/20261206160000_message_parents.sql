-- The message each message followed (`parent_id`, the id of the message one rank up that was in
-- the conversation when it was created; NULL for a chat's first prompts). A restored branch
-- (`BranchRestored`) goes on from an older message, so "the newest message one rank up" no
-- longer tells the parent. Same column in both tables: rows move between them unchanged.
ALTER TABLE chat_history ADD COLUMN parent_id BIGINT UNSIGNED NULL;
ALTER TABLE answer_version ADD COLUMN parent_id BIGINT UNSIGNED NULL;

-- Until now every message followed the newest message one rank up created before it.
CREATE TEMPORARY TABLE message_place (INDEX ix_message_place (chat_id, `rank`, id))
    SELECT id, chat_id, `rank` FROM chat_history
    UNION ALL SELECT id, chat_id, `rank` FROM answer_version;
UPDATE chat_history h SET parent_id = (
    SELECT MAX(p.id) FROM message_place p
    WHERE p.chat_id = h.chat_id AND p.`rank` = h.`rank` - 1 AND p.id < h.id
) WHERE h.`rank` > 1;
UPDATE answer_version h SET parent_id = (
    SELECT MAX(p.id) FROM message_place p
    WHERE p.chat_id = h.chat_id AND p.`rank` = h.`rank` - 1 AND p.id < h.id
) WHERE h.`rank` > 1;
DROP TEMPORARY TABLE message_place;
