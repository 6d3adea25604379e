use std::str::FromStr;

use crate::i18n::Msg;

/// A syntactically valid address, trimmed and lower-cased (so it is compared and stored once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, Msg> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() || email.len() > 254 {
            return Err(Msg::new("email-invalid"));
        }
        let parsed =
            email_address::EmailAddress::from_str(&email).map_err(|_| Msg::new("email-invalid"))?;
        // Addresses people can actually receive mail at have a dotted domain and no display name.
        if parsed.email() != email || !parsed.domain().contains('.') {
            return Err(Msg::new("email-invalid"));
        }
        Ok(EmailAddress(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        assert_eq!(
            EmailAddress::parse("  Ali@Example.UZ ").unwrap().as_str(),
            "ali@example.uz"
        );
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "plain",
            "a@b",
            "a b@example.com",
            "@example.com",
            "Ali <ali@example.com>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
