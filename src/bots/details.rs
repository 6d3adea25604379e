//! What the owner types about a bot, checked at the edge: lengths, the avatar, the starters.
use super::aggregate::BotDetails;
use super::events::{Avatar, COLORS};
use crate::error::AppError;
use crate::i18n::Msg;

pub const NAME_MAX_CHARS: usize = 80;
pub const DESCRIPTION_MAX_CHARS: usize = 300;
pub const INSTRUCTIONS_MAX_CHARS: usize = 8_000;
pub const STARTERS_MAX: usize = 4;
pub const STARTER_MAX_CHARS: usize = 200;
/// An emoji may be several code points (flags, skin tones, ZWJ sequences), but not a sentence.
const EMOJI_MAX_CHARS: usize = 8;

/// The editor's fields as the browser sent them.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct BotForm {
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub base_model: String,
    pub emoji: String,
    pub color: String,
    pub starters: Vec<String>,
}

impl BotForm {
    /// Checks every field; `base_model` is checked against the picker by the service.
    pub fn parse(&self) -> Result<BotDetails, AppError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(AppError::Unprocessable(Msg::new("bot-name-required")));
        }
        let too_long = |field: &'static str, max: usize| {
            AppError::Unprocessable(Msg::new("bot-too-long").arg("field", field).arg("max", max))
        };
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(too_long("name", NAME_MAX_CHARS));
        }
        let description = self.description.trim();
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(too_long("description", DESCRIPTION_MAX_CHARS));
        }
        let instructions = self.instructions.trim();
        if instructions.chars().count() > INSTRUCTIONS_MAX_CHARS {
            return Err(too_long("instructions", INSTRUCTIONS_MAX_CHARS));
        }
        let starters: Vec<String> = self
            .starters
            .iter()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .collect();
        if starters.len() > STARTERS_MAX {
            return Err(AppError::Unprocessable(
                Msg::new("bot-too-many-starters").arg("max", STARTERS_MAX),
            ));
        }
        if starters
            .iter()
            .any(|s| s.chars().count() > STARTER_MAX_CHARS)
        {
            return Err(too_long("starter", STARTER_MAX_CHARS));
        }
        Ok(BotDetails {
            name: name.to_owned(),
            description: description.to_owned(),
            instructions: instructions.to_owned(),
            base_model: self.base_model.trim().to_owned(),
            avatar: self.avatar()?,
            starters,
        })
    }

    fn avatar(&self) -> Result<Avatar, AppError> {
        let emoji = self.emoji.trim();
        let color = self.color.trim();
        let default = Avatar::default();
        let emoji = if emoji.is_empty() {
            default.emoji
        } else if emoji.chars().count() > EMOJI_MAX_CHARS
            || emoji
                .chars()
                .any(|c| c.is_alphanumeric() || c.is_whitespace() || c.is_control())
        {
            return Err(AppError::Unprocessable(Msg::new("bot-emoji-invalid")));
        } else {
            emoji.to_owned()
        };
        let color = if color.is_empty() {
            default.color
        } else if COLORS.contains(&color) {
            color.to_owned()
        } else {
            return Err(AppError::Unprocessable(Msg::new("bot-color-invalid")));
        };
        Ok(Avatar { emoji, color })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> BotForm {
        BotForm {
            name: "  Tour guide ".into(),
            description: "Samarkand walks".into(),
            instructions: "Answer as a guide.".into(),
            base_model: "gpt-4o-mini".into(),
            emoji: "🕌".into(),
            color: "blue".into(),
            starters: vec!["  Where to   start? ".into(), String::new()],
        }
    }

    #[test]
    fn a_form_is_trimmed_and_its_empty_starters_dropped() {
        let details = form().parse().unwrap();
        assert_eq!(details.name, "Tour guide");
        assert_eq!(details.starters, vec!["Where to start?".to_owned()]);
        assert_eq!(details.avatar.emoji, "🕌");
        let flag = BotForm {
            emoji: "🇺🇿".into(),
            ..form()
        };
        assert_eq!(flag.parse().unwrap().avatar.emoji, "🇺🇿");
    }

    #[test]
    fn bad_fields_are_refused_with_a_reason() {
        for bad in [
            BotForm {
                name: " ".into(),
                ..form()
            },
            BotForm {
                name: "x".repeat(NAME_MAX_CHARS + 1),
                ..form()
            },
            BotForm {
                instructions: "y".repeat(INSTRUCTIONS_MAX_CHARS + 1),
                ..form()
            },
            BotForm {
                starters: vec!["a".into(); STARTERS_MAX + 1],
                ..form()
            },
            BotForm {
                emoji: "<script>".into(),
                ..form()
            },
            BotForm {
                color: "url(x)".into(),
                ..form()
            },
        ] {
            assert!(matches!(bad.parse(), Err(AppError::Unprocessable(_))));
        }
    }
}
