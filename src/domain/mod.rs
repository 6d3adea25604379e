//! Domain types parsed at the edge: once built, a value is proof that it is valid.
mod chat_title;
mod day;
mod email;
mod ids;
mod message;
mod password;
mod prompt;
mod username;

pub use chat_title::ChatTitle;
pub use day::Day;
pub use email::EmailAddress;
pub use ids::{BotId, ChatId, ModelRef, PdfModelId, UserId};
pub use message::{MessageStatus, Role};
pub use password::NewPassword;
pub use prompt::Prompt;
pub use username::Username;
