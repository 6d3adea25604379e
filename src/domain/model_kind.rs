//! What kind of model a picker entry is (a site stream's `ModelAdded` carries it; the `model`
//! table's `kind` column holds its name).
use serde::{Deserialize, Serialize};

/// The kind of a model offered to users.
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
        super::named(&all, ModelKind::as_str, &kind, "model kind")
    }
}
