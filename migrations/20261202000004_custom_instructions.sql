-- A user's custom instructions (`CustomInstructionsChanged` in the user stream): what the
-- assistant should know about them and how it should answer; sent with every new chat.
ALTER TABLE `user`
    ADD COLUMN custom_about TEXT NULL,
    ADD COLUMN custom_style TEXT NULL;
