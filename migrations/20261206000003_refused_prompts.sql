-- Prompts refused a day (an unknown model, a chat's limit, the daily quota), counted from the
-- users' `PromptRefused` events.
ALTER TABLE daily_stats ADD COLUMN refused_prompts INT UNSIGNED NOT NULL DEFAULT 0;
