//! Typed ids, parsed at the edge: a path segment that is not a valid id never reaches a use case
//! (actix answers 404 when `web::Path<ChatId>` does not parse), and a chat id cannot be passed
//! where a user id is expected.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }

            pub fn parse(raw: &str) -> Option<Self> {
                Uuid::parse_str(raw.trim()).ok().map($name)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(raw).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A chat (`chat/<id>` stream).
    ChatId
);
uuid_id!(
    /// An account (`user/<id>` stream).
    UserId
);
uuid_id!(
    /// A PDF model (`model/<id>` stream).
    PdfModelId
);
uuid_id!(
    /// A user's own chatbot (`bot/<id>` stream).
    BotId
);

/// The id of one stream of the event log (`event.stream_id`, at most 64 characters): a uuid for
/// the chat, user, model, bot and bot_owner streams, `global` for the site's. So: ASCII letters,
/// digits and `-`, nothing else. The log writes ids in lowercase and its column compares them
/// case-insensitively, so an id given in capitals is kept in lowercase (the same stream).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct StreamId(String);

impl StreamId {
    /// The longest id the log's column holds.
    pub const MAX_LEN: usize = 64;

    /// `None` for anything no stream can be called: empty, too long, or with any character
    /// but a letter, a digit or `-`.
    pub fn parse(raw: &str) -> Option<StreamId> {
        let fits = !raw.is_empty() && raw.len() <= Self::MAX_LEN;
        let plain = raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        (fits && plain).then(|| StreamId(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StreamId {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        StreamId::parse(&raw).ok_or_else(|| format!("not a stream id: {raw:?}"))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A model a chat can use, as stored in events and sent by the picker. Upstream ids are whatever
/// the OpenAI-compatible server calls its models (they may contain `:`, e.g. fine-tunes); ours
/// carry a prefix. Deserialized from its text through `parse` (what `parse` refuses is refused).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum ModelRef {
    /// Answered by the OpenAI-compatible server.
    Upstream(String),
    /// The embedded offline model (`local:<name>`).
    Local(String),
    /// A PDF model (`pdf:<uuid>`).
    Pdf(PdfModelId),
    /// A user's own chatbot (`bot:<uuid>`): instructions over a base model.
    Bot(BotId),
}

impl ModelRef {
    pub const LOCAL_PREFIX: &'static str = "local:";
    pub const PDF_PREFIX: &'static str = "pdf:";
    pub const BOT_PREFIX: &'static str = "bot:";

    /// `None` for an empty id or one of our prefixes with a malformed rest.
    pub fn parse(raw: &str) -> Option<ModelRef> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        if let Some(name) = raw.strip_prefix(Self::LOCAL_PREFIX) {
            return (!name.is_empty()).then(|| ModelRef::Local(name.to_owned()));
        }
        if let Some(id) = raw.strip_prefix(Self::PDF_PREFIX) {
            return PdfModelId::parse(id).map(ModelRef::Pdf);
        }
        if let Some(id) = raw.strip_prefix(Self::BOT_PREFIX) {
            return BotId::parse(id).map(ModelRef::Bot);
        }
        Some(ModelRef::Upstream(raw.to_owned()))
    }

    pub fn is_upstream(&self) -> bool {
        matches!(self, ModelRef::Upstream(_))
    }
}

impl TryFrom<String> for ModelRef {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        ModelRef::parse(&raw).ok_or_else(|| format!("not a model id: {raw:?}"))
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelRef::Upstream(id) => f.write_str(id),
            ModelRef::Local(name) => write!(f, "{}{name}", Self::LOCAL_PREFIX),
            ModelRef::Pdf(id) => write!(f, "{}{id}", Self::PDF_PREFIX),
            ModelRef::Bot(id) => write!(f, "{}{id}", Self::BOT_PREFIX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_refs_round_trip_and_keep_colons_in_upstream_ids() {
        for raw in [
            "gpt-4o-mini",
            "ft:gpt-4o-mini:acme::abc123",
            "local:qwen2.5-coder-0.5b",
            "pdf:0192f3e4-7b1c-7d2e-8f00-000000000001",
            "bot:0192f3e4-7b1c-7d2e-8f00-000000000002",
        ] {
            assert_eq!(ModelRef::parse(raw).unwrap().to_string(), raw);
        }
        assert!(
            ModelRef::parse("ft:gpt-4o-mini:acme::abc123")
                .unwrap()
                .is_upstream()
        );
        assert_eq!(ModelRef::parse("pdf:not-a-uuid"), None);
        assert_eq!(ModelRef::parse("bot:../x"), None);
        assert_eq!(ModelRef::parse("local:"), None);
        assert_eq!(ModelRef::parse("  "), None);
    }

    #[test]
    fn model_refs_deserialize_from_their_text_and_refuse_what_parse_refuses() {
        let pdf = "pdf:0192f3e4-7b1c-7d2e-8f00-000000000001";
        let model: ModelRef = serde_json::from_value(serde_json::json!(pdf)).unwrap();
        assert_eq!(model, ModelRef::parse(pdf).unwrap());
        assert_eq!(model.to_string(), pdf);
        let upstream: ModelRef = serde_json::from_str(r#""ft:gpt-4o-mini:acme::abc123""#).unwrap();
        assert!(upstream.is_upstream());
        for bad in [r#""pdf:not-a-uuid""#, r#""local:""#, r#""""#, "42"] {
            assert!(serde_json::from_str::<ModelRef>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stream_ids_are_what_the_log_writes_and_nothing_else() {
        for real in ["0192f3e4-7b1c-7d2e-8f00-000000000001", "global"] {
            let id = StreamId::parse(real).unwrap();
            assert_eq!(id.to_string(), real);
            let read: StreamId = serde_json::from_value(serde_json::json!(real)).unwrap();
            assert_eq!(read, id);
        }
        let chat = ChatId::new();
        assert_eq!(
            StreamId::parse(&chat.to_string()).unwrap().as_str(),
            chat.to_string()
        );
        assert_eq!(
            StreamId::parse("0192F3E4-7B1C-7D2E-8F00-00000000000A")
                .unwrap()
                .as_str(),
            "0192f3e4-7b1c-7d2e-8f00-00000000000a"
        );
        assert!(StreamId::parse(&"a".repeat(StreamId::MAX_LEN)).is_some());
        for bad in [
            String::new(),
            "a".repeat(StreamId::MAX_LEN + 1),
            "../etc/passwd".into(),
            "global ".into(),
            "bot_owner".into(),
            "chat/0192f3e4".into(),
            "x' OR '1'='1".into(),
            "глобал".into(),
        ] {
            assert_eq!(StreamId::parse(&bad), None, "{bad:?}");
            assert!(StreamId::try_from(bad.clone()).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<StreamId>(r#""a b""#).is_err());
    }

    #[test]
    fn ids_parse_only_uuids() {
        assert!(ChatId::parse("0192f3e4-7b1c-7d2e-8f00-000000000001").is_some());
        assert!(ChatId::parse("../etc/passwd").is_none());
        let id = UserId::new();
        assert_eq!(UserId::parse(&id.to_string()), Some(id));
    }
}
