//! Domain types parsed at the edge: once built, a value is proof that it is valid.
mod chat_title;
mod day;
mod email;
mod ids;
mod message;
mod model_kind;
mod password;
mod prompt;
mod username;

pub use chat_title::ChatTitle;
pub use day::Day;
pub use email::EmailAddress;
pub use ids::{BotId, ChatId, ModelRef, PdfModelId, StreamId, UserId};
pub use message::{MessageStatus, Role};
pub use model_kind::ModelKind;
pub use password::NewPassword;
pub use prompt::Prompt;
pub use username::Username;

/// The one of `all` whose `as_str` is `text`: an enum read back from a column (`what` names it
/// in the error).
pub fn named<T: Copy>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    text: &str,
    what: &str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|value| as_str(*value) == text)
        .ok_or_else(|| format!("unknown {what} {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::{MessageStatus, Role};

    #[test]
    fn a_column_reads_back_as_the_value_that_wrote_it_and_nothing_else() {
        for status in [
            MessageStatus::Streaming,
            MessageStatus::Complete,
            MessageStatus::Stopped,
            MessageStatus::Failed,
        ] {
            assert_eq!(
                MessageStatus::try_from(status.as_str().to_owned()),
                Ok(status)
            );
        }
        assert_eq!(Role::try_from("assistant".to_owned()), Ok(Role::Assistant));
        assert_eq!(
            Role::try_from("system".to_owned()),
            Err("unknown role \"system\"".to_owned())
        );
    }
}
