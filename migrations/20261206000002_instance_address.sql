-- Where each app instance listens (INSTANCE_URL), written with its heartbeat: a follow or a stop
-- of an answer that lands on another instance is forwarded to the instance writing it.
ALTER TABLE app_instance ADD COLUMN address VARCHAR(255) NULL;
