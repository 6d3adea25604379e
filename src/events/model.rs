//! What the log stores: domain events going in, recorded events coming out.
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::PrimitiveDateTime;

/// A past-tense fact of one stream type. The variant name is the `event_type`, stored once: serde's
/// `tag = "type"` and `strum::IntoStaticStr` both derive it, so implement `event_type` as
/// `self.into()`. Never rename a variant: add a new one, or bump `event_version` and teach
/// `upcast` to turn the old payload into the new shape.
pub trait DomainEvent: Serialize + DeserializeOwned + Send + Sync {
    const STREAM_TYPE: &'static str;

    fn event_type(&self) -> &'static str;

    /// The payload version written today.
    fn event_version(&self) -> u32 {
        1
    }

    /// Brings a stored payload of an older `version` up to today's shape before decoding.
    fn upcast(_event_type: &str, _version: u32, payload: Value) -> Value {
        payload
    }
}

/// Who caused an event and in answer to which request.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Metadata {
    /// `user:<id>`, `admin:<username>` or `system`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Metadata {
    pub fn user(user_id: impl std::fmt::Display) -> Self {
        Metadata {
            actor: format!("user:{user_id}"),
            request_id: None,
        }
    }

    pub fn admin(username: &str) -> Self {
        Metadata {
            actor: format!("admin:{username}"),
            request_id: None,
        }
    }

    pub fn system() -> Self {
        Metadata {
            actor: "system".into(),
            request_id: None,
        }
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn admin_name(&self) -> Option<&str> {
        self.actor.strip_prefix("admin:")
    }
}

/// One row of the log.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RecordedEvent {
    pub position: u64,
    pub stream_type: String,
    pub stream_id: String,
    pub sequence: u64,
    pub event_type: String,
    pub event_version: u32,
    pub payload: sqlx::types::Json<Value>,
    pub metadata: sqlx::types::Json<Value>,
    pub recorded_at: PrimitiveDateTime,
}

impl RecordedEvent {
    /// The payload as the domain event of its stream type.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, serde_json::Error> {
        let payload = E::upcast(&self.event_type, self.event_version, self.payload.0.clone());
        serde_json::from_value(payload)
    }

    /// The payload without its type tag and with password hashes and API key hashes masked
    /// (audit log, exports).
    pub fn redacted_payload(&self) -> Value {
        let mut payload = self.payload.0.clone();
        if let Some(object) = payload.as_object_mut() {
            object.remove("type");
            for secret in ["password_hash", "secret_hash"] {
                if object.contains_key(secret) {
                    object.insert(secret.into(), Value::String("[redacted]".into()));
                }
            }
        }
        payload
    }

    pub fn metadata(&self) -> Metadata {
        serde_json::from_value(self.metadata.0.clone()).unwrap_or_default()
    }
}
