use crate::i18n::Msg;

/// What a user sends to the model: not blank, at most the configured number of characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt(String);

impl Prompt {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Prompt, Msg> {
        let text = raw.trim_end();
        let text = text.trim_start_matches(['\n', '\r']);
        if text.trim().is_empty() {
            return Err(Msg::new("prompt-empty"));
        }
        if text.chars().count() > max_chars {
            return Err(Msg::new("prompt-too-long").arg("max", max_chars));
        }
        Ok(Prompt(text.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_oversized_prompts_are_refused() {
        assert_eq!(Prompt::parse(" \n\t ", 10), Err(Msg::new("prompt-empty")));
        assert_eq!(
            Prompt::parse("12345678901", 10),
            Err(Msg::new("prompt-too-long").arg("max", 10))
        );
        assert_eq!(
            Prompt::parse("  indented code\n", 100).unwrap().as_str(),
            "  indented code"
        );
    }
}
