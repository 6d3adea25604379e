use crate::i18n::Msg;

/// A chat's name in the sidebar: 1–200 characters on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatTitle(String);

impl ChatTitle {
    pub fn parse(raw: &str) -> Result<ChatTitle, Msg> {
        let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        match title.chars().count() {
            0 => Err(Msg::new("title-empty")),
            1..=200 => Ok(ChatTitle(title)),
            _ => Err(Msg::new("title-too-long")),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_trimmed_line() {
        assert_eq!(
            ChatTitle::parse("  Trip\n to  Khiva ")
                .unwrap()
                .into_inner(),
            "Trip to Khiva"
        );
        assert_eq!(ChatTitle::parse("   "), Err(Msg::new("title-empty")));
        assert_eq!(
            ChatTitle::parse(&"x".repeat(201)),
            Err(Msg::new("title-too-long"))
        );
    }
}
