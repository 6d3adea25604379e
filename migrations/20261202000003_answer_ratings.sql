-- Thumbs up/down on answers (`AnswerRated` in the chat stream): the current rating of each
-- answer, NULL when it has none.
ALTER TABLE chat_history ADD COLUMN rating VARCHAR(8) NULL;
