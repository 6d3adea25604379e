use unicode_normalization::UnicodeNormalization;

use crate::i18n::Msg;

/// 3–32 characters: letters of any script, digits, `_`, `.` and `-`, starting with a letter or
/// digit. Stored NFC-normalised; uniqueness is case-insensitive (the column's collation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

const RESERVED: &[&str] = &["admin", "administrator", "root", "system", "support"];

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Msg> {
        let name: String = raw.trim().nfc().collect();
        let length = name.chars().count();
        if !(3..=32).contains(&length) {
            return Err(Msg::new("username-length"));
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
        if !name.chars().all(allowed) || !name.chars().next().is_some_and(char::is_alphanumeric) {
            return Err(Msg::new("username-characters"));
        }
        if RESERVED.contains(&name.to_lowercase().as_str()) {
            return Err(Msg::new("username-reserved"));
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_letters_are_welcome() {
        for ok in ["alice", "Дилноза", "o.tursunov", "ali_99", "Jasur-2"] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        assert_eq!(Username::parse("ab"), Err(Msg::new("username-length")));
        assert_eq!(
            Username::parse(&"a".repeat(33)),
            Err(Msg::new("username-length"))
        );
        assert_eq!(
            Username::parse("bad name"),
            Err(Msg::new("username-characters"))
        );
        assert_eq!(
            Username::parse("_lead"),
            Err(Msg::new("username-characters"))
        );
        assert_eq!(
            Username::parse("<script>"),
            Err(Msg::new("username-characters"))
        );
        assert_eq!(Username::parse("Admin"), Err(Msg::new("username-reserved")));
    }
}
