-- Catch-up readers (the model catalog) follow a few stream types by global position.
CREATE INDEX ix_event_type_position ON event (stream_type, position);
