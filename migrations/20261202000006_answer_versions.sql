-- Earlier answers at a rank, replaced by Regenerate (AnswerDiscarded): the chat page offers them
-- with a "‹ 1/2 ›" switcher. Same columns as chat_history (rows move here unchanged); several
-- versions per rank, so none of its unique or full-text indexes.
CREATE TABLE answer_version LIKE chat_history;
ALTER TABLE answer_version
    DROP INDEX uq_chat_history_rank,
    DROP INDEX ix_chat_history_status,
    DROP INDEX ft_chat_history_content,
    ADD INDEX ix_answer_version_chat (chat_id, `rank`, id);
