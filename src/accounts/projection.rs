//! `user` and `api_key` from the `user` stream (the usage counters of both come from the chats:
//! `chat::projection`, `usage`). What each event does to the rows is `fold::apply`, run live on
//! the user's own rows (`rebuild::fold_live`) and over the whole log in a rebuild.
use super::events::UserEvent;
use crate::events::StreamProjection;
use crate::rebuild::{Reads, fold_live};

/// `user` and `api_key` rows from the `user` stream.
pub const PROJECTION: StreamProjection<UserEvent> = StreamProjection {
    name: "user",
    tables: &[("user", "id"), ("api_key", "id")],
    project: |conn, event, payload| {
        let reads = Reads::User(&event.stream_id);
        Box::pin(fold_live(conn, event, payload, reads, super::fold::apply))
    },
    collect: None,
};
