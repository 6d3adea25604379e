use secrecy::{ExposeSecret, SecretString};

use crate::i18n::Msg;

/// A password a user may choose: 8–128 characters, kept exactly as typed (no trimming, no
/// truncation), and not one that is common or built from their own name or e-mail.
#[derive(Debug)]
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(raw: &str, user_inputs: &[&str]) -> Result<NewPassword, Msg> {
        let length = raw.chars().count();
        if length < 8 {
            return Err(Msg::new("password-too-short"));
        }
        if length > 128 {
            return Err(Msg::new("password-too-long"));
        }
        // zxcvbn knows the common-password lists and penalises the user's own details.
        let score = zxcvbn::zxcvbn(raw, user_inputs).score();
        if (score as u8) < 2 {
            return Err(Msg::new("password-too-common"));
        }
        Ok(NewPassword(SecretString::from(raw.to_owned())))
    }

    pub fn secret(&self) -> SecretString {
        SecretString::from(self.0.expose_secret().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_kept_exact() {
        assert_eq!(
            NewPassword::parse("short", &[]).unwrap_err(),
            Msg::new("password-too-short")
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(129), &[]).unwrap_err(),
            Msg::new("password-too-long")
        );
        let long = "Tashkent-Samarqand-Buxoro ".repeat(3) + "  with spaces  ";
        assert!(long.chars().count() > 72);
        let password = NewPassword::parse(&long, &[]).unwrap();
        assert_eq!(password.secret().expose_secret(), long);
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for common in ["password", "password123", "qwerty123", "12345678"] {
            assert_eq!(
                NewPassword::parse(common, &[]).unwrap_err(),
                Msg::new("password-too-common"),
                "{common}"
            );
        }
        assert!(NewPassword::parse("dilnoza1990", &["dilnoza1990"]).is_err());
        assert!(NewPassword::parse("quiet-lantern-orbit-77", &[]).is_ok());
    }
}
