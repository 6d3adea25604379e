//! Events of the `site` stream (a single stream, id `global`): settings an admin edits and the
//! catalog of models offered in the picker. `.env` only seeds the first values.
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Upstream,
    Local,
    Pdf,
    /// A user's own chatbot (never in the site's list; only in its users' pickers).
    Bot,
}

impl ModelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Upstream => "upstream",
            ModelKind::Local => "local",
            ModelKind::Pdf => "pdf",
            ModelKind::Bot => "bot",
        }
    }
}

/// A kind read back from a `kind` column.
impl TryFrom<String> for ModelKind {
    type Error = String;

    fn try_from(kind: String) -> Result<Self, Self::Error> {
        let all = [
            ModelKind::Upstream,
            ModelKind::Local,
            ModelKind::Pdf,
            ModelKind::Bot,
        ];
        crate::domain::named(&all, ModelKind::as_str, &kind, "model kind")
    }
}

impl DomainEvent for SiteEvent {
    const STREAM_TYPE: &'static str = "site";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}
