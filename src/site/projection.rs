//! `setting` and `model` from the `site` stream. What each event does to the rows is
//! `fold::apply`, run live on the site's rows (`rebuild::fold_live`) and over the whole log in a
//! rebuild.
use super::events::SiteEvent;
use crate::events::StreamProjection;
use crate::rebuild::{Reads, fold_live};

/// `setting` and `model` rows from the `site` stream.
pub const PROJECTION: StreamProjection<SiteEvent> = StreamProjection {
    name: "site",
    tables: &[("setting", "name"), ("model", "id")],
    project: |conn, event, payload| {
        Box::pin(fold_live(
            conn,
            event,
            payload,
            Reads::Site,
            super::fold::apply,
        ))
    },
    collect: None,
};
