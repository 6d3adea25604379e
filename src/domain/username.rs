use unicode_normalization::UnicodeNormalization;

use crate::i18n::Msg;

/// 3–32 characters: letters of any script, digits, `_`, `.` and `-`, starting with a letter or
/// digit. Stored NFC-normalised; uniqueness is case-insensitive (the column's collation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

const RESERVED: &[&str] = &["admin", "administrator", "root", "system", "support"];

/// A reserved name, or one that looks like it (`аdmin` with a Cyrillic `а`, `rn` for `m`): the
/// UTS #39 skeletons of the lower-cased names are compared.
fn is_reserved(name: &str) -> bool {
    let skeleton = |s: &str| -> String {
        unicode_security::confusable_detection::skeleton(&s.to_lowercase()).collect()
    };
    let own = skeleton(name);
    RESERVED.iter().any(|reserved| own == skeleton(reserved))
}

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
        if is_reserved(&name) {
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
    fn names_that_look_reserved_are_refused() {
        for lookalike in ["аdmin", "ADMIN", "Аdmіn", "rооt", "adrnin", "sуstem"] {
            assert_eq!(
                Username::parse(lookalike),
                Err(Msg::new("username-reserved")),
                "{lookalike}"
            );
        }
        assert!(Username::parse("admiral").is_ok());
    }

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
