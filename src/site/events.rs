//! Events of the `site` stream (a single stream, id `global`): settings an admin edits and the
//! catalog of models offered in the picker. `.env` only seeds the first values.
use serde::{Deserialize, Serialize};

pub use crate::domain::ModelKind;
use crate::events::DomainEvent;

pub const SITE_STREAM_ID: &str = "global";

/// The variant name is the stored `event_type` (serde's tag and strum derive it alike).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type")]
pub enum SiteEvent {
    DefaultPromptLimitChanged {
        limit: u32,
    },
    ModelAdded {
        id: String,
        name: String,
        kind: ModelKind,
    },
    ModelEnabled {
        id: String,
    },
    ModelDisabled {
        id: String,
    },
    DefaultModelChosen {
        id: String,
    },
}

impl DomainEvent for SiteEvent {
    const STREAM_TYPE: &'static str = "site";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}
