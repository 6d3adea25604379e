//! A chat message's role and status, one name each: the `chat_history` rows, the pages, the
//! SSE and the API all say them with `as_str` (rows read back compare with these values).
use serde::Serialize;

/// Who wrote a message of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// Where a message stands: a prompt is complete once saved; an answer is streaming until it
/// ends complete, stopped or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Streaming,
    Complete,
    Stopped,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Complete => "complete",
            MessageStatus::Stopped => "stopped",
            MessageStatus::Failed => "failed",
        }
    }
}

/// A `role` column read back.
impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(role: String) -> Result<Self, Self::Error> {
        super::named(&[Role::User, Role::Assistant], Role::as_str, &role, "role")
    }
}

/// A `status` column read back.
impl TryFrom<String> for MessageStatus {
    type Error = String;

    fn try_from(status: String) -> Result<Self, Self::Error> {
        use MessageStatus::*;
        let all = [Streaming, Complete, Stopped, Failed];
        super::named(&all, MessageStatus::as_str, &status, "message status")
    }
}

/// A row's column as read back (`chat_history.role`) against the role it names.
impl PartialEq<Role> for String {
    fn eq(&self, role: &Role) -> bool {
        self == role.as_str()
    }
}

impl PartialEq<Role> for &str {
    fn eq(&self, role: &Role) -> bool {
        *self == role.as_str()
    }
}

/// A row's column as read back (`chat_history.status`) against the status it names.
impl PartialEq<MessageStatus> for String {
    fn eq(&self, status: &MessageStatus) -> bool {
        self == status.as_str()
    }
}

impl PartialEq<MessageStatus> for &str {
    fn eq(&self, status: &MessageStatus) -> bool {
        *self == status.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_roles_serialise_as_their_names() {
        for status in [
            MessageStatus::Streaming,
            MessageStatus::Complete,
            MessageStatus::Stopped,
            MessageStatus::Failed,
        ] {
            assert_eq!(serde_json::json!(status), status.as_str());
            let column = String::from(status.as_str());
            assert!(column == status);
        }
        assert_eq!(serde_json::json!(Role::Assistant), "assistant");
        assert!("user" == Role::User);
    }
}
